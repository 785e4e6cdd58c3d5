"""bridgewatch.atomic: a file or folder is replaced whole or not at all, and leftovers of dead writers go."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bridgewatch import atomic
from bridgewatch.atomic import atomic_dir, atomic_file, clear_leftovers
from bridgewatch.errors import EnvironmentProblem


def write_text(path: Path, text: str) -> Path:
    with atomic_file(path) as fh:
        fh.write(text)
    return path


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "out.csv"
    write_text(target, "a,b\n1,2\n")
    write_text(target, "a,b\n3,4\r\n")
    assert target.read_bytes() == b"a,b\n3,4\r\n"  # written as given: no newline translation (csv wants that)
    assert _names(target.parent) == ["out.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = write_text(tmp_path / "out.csv", "old\n")
    with pytest.raises(ValueError), atomic_file(target) as fh:
        fh.write("half of the new")
        raise ValueError("the renderer failed")
    assert target.read_text() == "old\n"
    assert _names(tmp_path) == ["out.csv"]


def test_a_full_disk_is_an_environment_problem_and_the_old_file_stays(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    target = write_text(tmp_path / "out.csv", "old\n")

    def full(_: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(atomic, "DURABLE", True)
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(EnvironmentProblem, match=r"^writing .*out\.csv: no space left on the device \[ENOSPC\]"):
        write_text(target, "new\n")
    assert target.read_text() == "old\n"
    assert _names(tmp_path) == ["out.csv"]


def test_a_folder_is_swapped_whole(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("1")
    with atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("2")
    assert _names(target) == ["b.txt"]
    assert _names(tmp_path) == ["ws"]


def test_a_failed_folder_leaves_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("2")
        raise RuntimeError("the load failed")
    assert _names(target) == ["a.txt"]
    assert _names(tmp_path) == ["ws"]


def test_without_an_atomic_exchange_the_folder_is_still_replaced(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    target = tmp_path / "ws"
    for name in ("a.txt", "b.txt"):
        with atomic_dir(target) as tmp:
            (tmp / name).write_text(name)
    assert _names(target) == ["b.txt"]
    assert _names(tmp_path) == ["ws"]


def test_leftovers_of_dead_writers_are_removed_and_a_set_aside_folder_comes_back(tmp_path: Path) -> None:
    dead, alive = _dead_pid(), os.getppid()
    (tmp_path / f".ws.bw-tmp-{dead}-aaaa").mkdir()
    (tmp_path / f".out.csv.bw-tmp-{dead}-bbbb").write_text("half")
    (tmp_path / f".ws.bw-tmp-{alive}-cccc").mkdir()  # another process is writing it right now
    aside = tmp_path / f".ws.bw-old-{dead}-dddd"
    aside.mkdir()
    (aside / "a.txt").write_text("the previous output")
    clear_leftovers(tmp_path / "ws")
    clear_leftovers(tmp_path / "out.csv")
    assert _names(tmp_path) == [f".ws.bw-tmp-{alive}-cccc", "ws"]
    assert (tmp_path / "ws" / "a.txt").read_text() == "the previous output"


def test_a_name_with_glob_characters_only_clears_its_own_leftovers(tmp_path: Path) -> None:
    dead = _dead_pid()
    (tmp_path / f".x[1].bw-tmp-{dead}-aaaa").write_text("mine")
    (tmp_path / f".x1.bw-tmp-{dead}-bbbb").write_text("not mine")
    clear_leftovers(tmp_path / "x[1]")
    assert _names(tmp_path) == [f".x1.bw-tmp-{dead}-bbbb"]


def test_kept_entries_of_the_old_folder_are_carried_over(tmp_path: Path) -> None:
    target = tmp_path / "ws"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("1")
        (tmp / ".bridgewatch").mkdir()
        (tmp / ".bridgewatch" / "history.sqlite").write_text("runs")
    with atomic_dir(target, keep=(".bridgewatch", "absent")) as tmp:
        (tmp / "b.txt").write_text("2")
    assert _names(target) == [".bridgewatch", "b.txt"]
    assert (target / ".bridgewatch" / "history.sqlite").read_text() == "runs"
