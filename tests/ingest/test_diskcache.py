"""Derived tables kept on disk between processes (``bridgewatch.ingest.diskcache``)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest

from bridgewatch import atomic
from bridgewatch.ingest import diskcache
from bridgewatch.ingest.diskcache import cache_dir, cached_table
from bridgewatch.ingest.pyvalues import table_of
from bridgewatch.sources import countries


class Maker:
    def __init__(self, value: str) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> pa.Table:
        self.calls += 1
        return table_of({"v": [self.value, None]}, {"v": pa.string()})


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(diskcache.ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_table_is_made_once_and_read_back_alike(folder: Path) -> None:
    make = Maker("x")
    first = cached_table("t", ["1"], make)
    again = cached_table("t", ["1"], make)
    assert make.calls == 1
    assert again.equals(first) and again.column("v").to_pylist() == ["x", None]
    assert [p.name[:2] for p in folder.iterdir()] == ["t-"]


def test_a_file_a_killed_process_was_writing_is_removed_by_the_next_writer(folder: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True).stdout.strip()
    folder.mkdir(parents=True)
    killed = folder / f".t-0123.arrow{atomic.TEMP_MARK}{dead}-0a1b2c3d"
    killed.write_bytes(b"ARROW1 cut short")
    cached_table("t", ["1"], Maker("x"))
    assert not killed.exists()
    assert [p.name[:2] for p in folder.iterdir()] == ["t-"]


def test_other_inputs_are_another_file(folder: Path) -> None:
    make = Maker("x")
    cached_table("t", ["1"], make)
    cached_table("t", ["2"], make)
    cached_table("t", ["1", ""], make)  # inputs are not run together
    assert make.calls == 3
    assert len(list(folder.iterdir())) == 3


def test_a_damaged_file_is_made_again(folder: Path) -> None:
    make = Maker("x")
    cached_table("t", ["1"], make)
    kept = next(folder.iterdir())
    kept.write_bytes(kept.read_bytes()[:40])
    assert cached_table("t", ["1"], make).column("v").to_pylist() == ["x", None]
    assert make.calls == 2
    assert cached_table("t", ["1"], make).column("v").to_pylist() == ["x", None]
    assert make.calls == 2  # written whole again


def test_off_or_unwritable_keeps_nothing_and_still_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make = Maker("x")
    monkeypatch.setenv(diskcache.ENV, "off")
    assert cache_dir() is None
    cached_table("t", ["1"], make)
    cached_table("t", ["1"], make)
    assert make.calls == 2
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(diskcache.ENV, str(blocked))
    assert cached_table("t", ["1"], make).column("v").to_pylist() == ["x", None]
    assert blocked.read_text() == "not a folder"


def test_the_default_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(diskcache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "bridgewatch"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # not absolute: ignored, as the XDG rules say
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_dir() == tmp_path / "home" / ".cache" / "bridgewatch"

    def homeless() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", homeless)
    assert cache_dir() is None


def test_the_country_lookup_read_back_is_the_one_built(folder: Path) -> None:
    countries.lookup_table.cache_clear()
    countries.retired_table.cache_clear()
    try:
        built = countries.lookup_table()
        countries.lookup_table.cache_clear()
        read = countries.lookup_table()
        assert read.equals(built) and read.equals(countries._build_lookup())
        assert read.num_rows > 3000 and read.column_names == ["key", "alpha2"]
        assert countries.retired_table().equals(countries._build_retired())
        assert sorted(p.name.split("-")[0] for p in folder.iterdir()) == ["countries", "retired"]
    finally:
        countries.lookup_table.cache_clear()
        countries.retired_table.cache_clear()


def test_an_edit_to_the_country_rules_is_read_from_a_new_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    countries.lookup_table.cache_clear()
    try:
        countries.lookup_table()
        monkeypatch.setattr(countries, "_own_text", lambda: "the module, edited")
        countries.lookup_table.cache_clear()
        countries.lookup_table()
        assert len([p for p in folder.iterdir() if p.name.startswith("countries-")]) == 2
    finally:
        countries.lookup_table.cache_clear()


def test_without_its_source_the_country_rules_are_spelled_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(countries, "__file__", "/nonexistent/countries.py")
    text = countries._own_text()
    assert "Netherlands Antilles" in text and "Holland" in text and "'pl'" in text


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_writing_removes_the_lookups_files_no_process_used_for_thirty_days(folder: Path) -> None:
    """Each upgrade of pycountry, DuckDB or bridgewatch writes a file of a new name; the old ones go once unused."""
    cached_table("t", ["old"], Maker("x"))
    cached_table("t", ["recent"], Maker("x"))
    cached_table("other", ["old"], Maker("x"))
    _age(folder / _name("t", "old"), 31)
    _age(folder / _name("t", "recent"), 29)
    _age(folder / _name("other", "old"), 31)  # another lookup's: pruned when that lookup writes
    folder.joinpath("t-notadigest.arrow").write_bytes(b"someone else's")
    _age(folder / "t-notadigest.arrow", 90)
    cached_table("t", ["new"], Maker("x"))
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [_name("t", "recent"), _name("t", "new"), _name("other", "old"), "t-notadigest.arrow"])


def test_reading_a_kept_file_marks_it_used(folder: Path) -> None:
    cached_table("t", ["1"], Maker("x"))
    kept = folder / _name("t", "1")
    _age(kept, 40)
    cached_table("t", ["1"], Maker("x"))
    assert time.time() - kept.stat().st_mtime < 3600
    cached_table("t", ["2"], Maker("x"))  # a write prunes: the file read just now stays
    assert kept.exists()


def _name(name: str, *inputs: str) -> str:
    digest = hashlib.sha256("\x1f".join([name, *inputs]).encode("utf-8")).hexdigest()[:diskcache.DIGEST_CHARS]
    return f"{name}-{digest}.arrow"
