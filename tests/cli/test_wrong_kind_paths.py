"""An output path whose folder is a file, or that is a folder where a file is written. Before, the OS's words
about whatever path the write was on: ``writing afile/q.csv: File exists [EEXIST]. To fix: check the path, its
disk and its permissions`` (which path exists? the one asked for does not), or ``writing qdir
(.qdir.bw-tmp-15065-2c0fdc6a): Is a directory [EISDIR]``, a hidden temporary name the user never gave. Now the
path in the way and the fix; exit 8 as before. Real files and folders."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bridgewatch.demo import write_demo

    root = write_demo(tmp_path_factory.mktemp("demo"))[0]
    log = root / "exports" / "synclogs" / "sage_network_log.csv"
    log.write_text(log.read_text() + "SN-BAD,not a time,bigcommerce,B2B-3201,create,failed,,,\n")  # quarantined
    return root


def _stderr(args: list[str]) -> tuple[int, str]:
    result = runner.invoke(app, args)
    return result.exit_code, " ".join(result.stderr.split())


def test_a_quarantine_file_that_is_a_folder(demo: Path, tmp_path: Path) -> None:
    folder = tmp_path / "qdir"
    folder.mkdir()
    assert _stderr(["run", "-w", str(demo), "--no-store", "--quarantine-file", str(folder)]) == (
        8, f"error: writing {folder}: {folder} is a folder, not a file [EISDIR]. To fix: give a file's name (a path "
           f"inside that folder, e.g. .../quarantine.csv), or move the folder aside.")
    assert [p.name for p in folder.iterdir()] == []


def test_a_quarantine_file_or_batch_output_under_a_file(demo: Path, tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("notes\n")
    assert _stderr(["run", "-w", str(demo), "--no-store", "--quarantine-file", str(afile / "q.csv")]) == (
        8, f"error: writing {afile / 'q.csv'}: {afile} is a file, not a folder [EEXIST]. To fix: move that file "
           f"aside, or give a path in a folder.")
    assert _stderr(["batch", "--workspaces", str(demo), "--no-store", "--out", str(afile / "results")]) == (
        8, f"error: writing {afile / 'results'}: {afile} is a file, not a folder [EEXIST]. To fix: move that file "
           f"aside, or give a path in a folder.")
    assert afile.read_text() == "notes\n"
