"""Environment problems (permission denied, disk full, no Java) are named with the fix and exit 8, never as bugs."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch import atomic
from bridgewatch import batch as batch_module
from bridgewatch.batch import run_and_write
from bridgewatch.cli import app
from bridgewatch.cli.app import EXIT_ENVIRONMENT
from bridgewatch.errors import EnvironmentProblem, environment_problem

from ..cards.builders import company, sage

runner = CliRunner()
ACCESS_FIX = "give the user running bridgewatch access (check with ls -l; chmod or chown), or use another folder."
SPACE_FIX = ("free space on that disk, or write somewhere else; outputs are replaced whole, so the previous one "
             "is intact.")


def _group(root: Path) -> Path:
    for name, vat in (("brand-a", "GB111111111"), ("brand-b", "GB222222222")):
        s = sage(id=name)
        company(s, "ABSENT", vat=vat, orders=("2026-04-14T10:00:00Z",))  # fresh data
        s.write(root / name)
    return root


def test_os_errors_become_one_message_with_the_fix() -> None:
    denied = PermissionError(errno.EACCES, "Permission denied", "/data/orders.csv")
    assert str(environment_problem(denied, "reading workspace 'w'")) == (
        f"reading workspace 'w' (/data/orders.csv): permission denied [EACCES]. To fix: {ACCESS_FIX}")
    full = OSError(errno.ENOSPC, "No space left on device")
    assert str(environment_problem(full, "writing out/")) == (
        f"writing out/: no space left on the device [ENOSPC]. To fix: {SPACE_FIX}")
    odd = OSError(errno.ENOTCONN, "Transport endpoint is not connected", "/mnt/share/x.csv")
    assert str(environment_problem(odd)) == ("/mnt/share/x.csv: Transport endpoint is not connected [ENOTCONN]. "
                                             "To fix: check the path, its disk and its permissions, then run again.")
    assert environment_problem(denied).exit_code == EXIT_ENVIRONMENT == 8


# -- permission denied, for real: a file this user may not read ---------------------------------------

@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder another user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="bw-perm-"))
    folder.chmod(0o777)
    yield folder
    shutil.rmtree(folder)


def _as_unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run bridgewatch as 'nobody' when we are root (root reads every file), else as ourselves."""
    drop: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv (util-linux): cannot make a file unreadable")
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    return subprocess.run([*drop, sys.executable, "-c", "from bridgewatch.cli import main; main()", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_an_unreadable_file_fails_its_workspace_and_the_others_still_run(shared_dir: Path) -> None:
    group = _group(shared_dir / "group")
    for path in group.rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o666)
    orders = group / "brand-b" / "data" / "orders.csv"
    orders.chmod(0o000)
    done = _as_unprivileged(["batch", "--workspaces", "group", "--out", "results"], shared_dir)
    assert done.returncode == EXIT_ENVIRONMENT, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("ok      brand-a: sage_customer_master_gap: 1 absent")
    assert lines[1] == (f"FAILED  brand-b: EnvironmentProblem: reading workspace 'brand-b' (group/brand-b/data/"
                        f"orders.csv): permission denied [EACCES]. To fix: {ACCESS_FIX}")
    assert lines[2].startswith("1 of 2 workspace(s) computed on duckdb")
    assert lines[2].endswith("; 1 failed, 0 on stale or no data.")
    assert sorted(p.name for p in (shared_dir / "results").iterdir()) == ["batch.json", "brand-a.json"]
    single = _as_unprivileged(["run", "-w", "group/brand-b"], shared_dir)
    assert single.returncode == EXIT_ENVIRONMENT
    assert single.stderr.replace("\n", " ").strip() == (
        f"error: reading workspace 'brand-b' (group/brand-b/data/orders.csv): permission denied [EACCES]. "
        f"To fix: {ACCESS_FIX}")
    assert "internal error" not in done.stderr + single.stderr


def test_an_unreadable_export_folder_is_named(shared_dir: Path) -> None:
    from bridgewatch.demo import write_demo

    [sage_ws, _] = write_demo(shared_dir / "demo")
    for path in (shared_dir / "demo").rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o666)
    (sage_ws / "exports" / "intacct").chmod(0o000)
    done = _as_unprivileged(["ingest", "-w", "demo/uk-trade-sage"], shared_dir)
    (sage_ws / "exports" / "intacct").chmod(0o777)
    assert done.returncode == EXIT_ENVIRONMENT
    assert done.stderr.replace("\n", " ").strip() == (
        f"error: reading workspace 'uk-trade-sage' (demo/uk-trade-sage/exports/intacct): permission denied "
        f"[EACCES]. To fix: {ACCESS_FIX} It is a folder: the files in it cannot be listed, so none of them was "
        f"checked.")


def test_an_unreadable_folder_does_not_hide_an_unreadable_file(shared_dir: Path) -> None:
    """The folders were checked first and, when one failed, the files never were: the sync log that could not be read
    either surfaced only on the next attempt. Both are listed, and the folder says its files were not checked."""
    from bridgewatch.demo import write_demo

    [sage_ws, _] = write_demo(shared_dir / "demo")
    for path in (shared_dir / "demo").rglob("*"):
        path.chmod(0o777 if path.is_dir() else 0o666)
    (sage_ws / "exports" / "intacct").chmod(0o000)
    (sage_ws / "exports" / "synclogs" / "sage_network_log.csv").chmod(0o000)
    done = _as_unprivileged(["ingest", "-w", "demo/uk-trade-sage"], shared_dir)
    (sage_ws / "exports" / "intacct").chmod(0o777)
    assert done.returncode == EXIT_ENVIRONMENT
    assert done.stderr.strip().splitlines() == [
        "error: reading workspace 'uk-trade-sage': 2 inputs cannot be read:",
        "  - demo/uk-trade-sage/exports/intacct: permission denied [EACCES] (a folder: the files in it cannot be "
        "listed, so none of them was checked)",
        "  - demo/uk-trade-sage/exports/synclogs/sage_network_log.csv: permission denied [EACCES]",
        f"To fix: {ACCESS_FIX}"]


# -- a bug in one workspace never stops the others -----------------------------------------------------

def test_a_bug_while_reading_one_workspace_is_reported_and_the_rest_run(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    group = _group(tmp_path / "group")
    real = batch_module.load_workspace

    def broken(folder: Path) -> object:
        if Path(folder).name == "brand-a":
            raise KeyError("vat_number")
        return real(folder)

    monkeypatch.setattr(batch_module, "load_workspace", broken)
    done = run_and_write(group, tmp_path / "out")
    assert [(r.name, r.ok) for r in done.runs] == [("brand-a", False), ("brand-b", True)]
    assert str(done.runs[0].error) == (f"internal error while reading workspace {group / 'brand-a'}: KeyError: "
                                       f"'vat_number'. This is a bridgewatch bug; please report it with the command "
                                       f"you ran (add -v for the SQL steps).")
    assert done.exit_code == 1


# -- disk full ---------------------------------------------------------------------------------------------

def _disk_full(*_: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_writing_results_keeps_the_previous_ones(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    group = _group(tmp_path / "group")
    out = tmp_path / "results"
    run_and_write(group, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(atomic, "DURABLE", True)
    monkeypatch.setattr(os, "fsync", _disk_full)  # the kernel refuses the data when it is flushed
    result = runner.invoke(app, ["batch", "--workspaces", str(group), "--out", str(out)])
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stderr.replace("\n", " ").strip() == (
        f"error: writing {out}: no space left on the device [ENOSPC]. To fix: {SPACE_FIX}")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if ".bw-" in p.name] == []


def test_disk_full_while_staging_keeps_the_previous_staging(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    group = _group(tmp_path / "group")
    assert runner.invoke(app, ["stage", "-w", str(group)]).exit_code == 0
    staged = group / "brand-a" / "canonical"
    before = {p.name: p.read_bytes() for p in staged.iterdir()}
    monkeypatch.setattr(atomic, "DURABLE", True)
    monkeypatch.setattr(os, "fsync", _disk_full)
    result = runner.invoke(app, ["stage", "-w", str(group)])
    assert result.exit_code == EXIT_ENVIRONMENT
    assert result.stdout.splitlines()[0] == (f"FAILED  brand-a: EnvironmentProblem: writing {staged}: no space left "
                                             f"on the device [ENOSPC]. To fix: {SPACE_FIX}")
    assert {p.name: p.read_bytes() for p in staged.iterdir()} == before


def test_an_os_error_escaping_a_command_is_not_called_a_bug(monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from bridgewatch.cli import main as main_module

    def denied() -> None:
        raise PermissionError(errno.EACCES, "Permission denied", "/srv/bw/out.json")

    monkeypatch.setattr(sys.modules["bridgewatch.cli.main"], "app", denied)
    with pytest.raises(SystemExit) as exited:
        main_module()
    assert exited.value.code == EXIT_ENVIRONMENT
    assert capsys.readouterr().err.replace("\n", " ").strip() == (
        f"error: /srv/bw/out.json: permission denied [EACCES]. To fix: {ACCESS_FIX}")


# -- no Java for --engine spark ------------------------------------------------------------------------------

def _without_java(tmp_path: Path, java_home: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "PYSPARK_GATEWAY_PORT")}
    env["PATH"] = str(tmp_path / "bin")  # no java here
    if java_home:
        env["JAVA_HOME"] = java_home
    return env


def _bridgewatch(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from bridgewatch.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_missing_java_is_named_before_spark_starts(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    group = _group(tmp_path / "group")
    fix = ("To fix: install a Java 17+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew "
           "install openjdk@17) and put it on PATH or set JAVA_HOME, or run with --engine duckdb.")
    run = _bridgewatch(["run", "-w", str(group / "brand-a"), "--engine", "spark"], _without_java(tmp_path))
    assert run.returncode == EXIT_ENVIRONMENT
    assert run.stderr.replace("\n", " ").strip() == (
        f"error: --engine spark needs Java, and none was found (no java on PATH and JAVA_HOME is not set). {fix}")
    batch = _bridgewatch(["batch", "--workspaces", str(group), "--engine", "spark", "--out", str(tmp_path / "o")],
                         _without_java(tmp_path, java_home=str(tmp_path / "jdk")))
    assert batch.returncode == EXIT_ENVIRONMENT
    assert batch.stderr.replace("\n", " ").strip() == (
        f"error: --engine spark needs Java, and none was found (JAVA_HOME={tmp_path / 'jdk'} has no bin/java). {fix}")
    assert not (tmp_path / "o").exists()


def test_a_java_that_will_not_start_is_an_environment_problem(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\necho 'Error: could not create the Java Virtual Machine.' >&2\nexit 1\n")
    java.chmod(0o755)
    env = _without_java(tmp_path, java_home=str(tmp_path / "jdk"))
    env["PATH"] = os.defpath
    group = _group(tmp_path / "group")
    run = _bridgewatch(["run", "-w", str(group / "brand-a"), "--engine", "spark"], env)
    assert run.returncode == EXIT_ENVIRONMENT
    assert (f"error: Spark could not start its Java process: [JAVA_GATEWAY_EXITED] Java gateway process exited "
            f"before sending its port number. To fix: check that `java -version` shows 17 or later "
            f"(JAVA_HOME={tmp_path / 'jdk'}), or run with --engine duckdb.") in run.stderr.replace("\n", " ")
    assert "internal error" not in run.stderr


def test_the_environment_problem_is_in_the_error_tree() -> None:
    from bridgewatch.errors import BridgewatchError

    assert issubclass(EnvironmentProblem, BridgewatchError)


def test_spark_tests_skip_with_the_reason_when_java_is_absent(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-m", "spark",
                           "tests/engines/test_dialect.py"], cwd=root, env=_without_java(tmp_path),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == done.stdout.count("SKIPPED [1] tests/engines/test_dialect.py:") >= 2, done.stdout
    assert all(line.endswith(": no Java runtime (JAVA_HOME unset or wrong, no java on PATH): Spark needs Java 17+")
               for line in skipped), skipped
