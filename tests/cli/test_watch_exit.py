"""``watch --cycles 1`` is what cron and a systemd timer run (docs/operations.md), and it exited 0 whatever its
cycle met: a run store that cannot be opened, a workspace whose inputs are broken. The scheduler saw a success
(no ``OnFailure=``, no failed unit, no cron mail), while docs/operations.md tells to watch for exit code 7. Now a
bounded watch exits with its last cycle's failure, ranked as batch ranks them (a bug 1, the machine 8, else the
highest: 5, 7); each workspace still runs and is recorded as before. Real SQLite, real files."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.cli import app

from ..alerts.helpers import scenario

runner = CliRunner()


def _watch(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["watch", *args, "--cycles", "1", "--no-pull"])
    return result.exit_code, result.stdout


def test_a_cycle_whose_store_cannot_open_exits_7(tmp_path: Path) -> None:
    root = scenario(3).write(tmp_path / "ws")
    store = root / ".bridgewatch" / "history.sqlite"
    store.parent.mkdir()
    store.write_text("not a database\n" * 100)
    code, stdout = _watch("-w", str(root))
    assert code == 7
    assert "| sage-test: FAILED (run store sqlite:///" in stdout


def test_a_group_exits_with_the_failed_workspace_code_and_still_runs_the_others(tmp_path: Path) -> None:
    group = tmp_path / "group"
    good = scenario(3).write(group / "a-good")
    broken = scenario(3, as_of="2026-04-14T18:00:00Z").write(group / "b-broken")
    toml = broken / "workspace.toml"
    toml.write_text(toml.read_text().replace('id = "sage-test"', 'id = "sage-broken"')
                    .replace("[workspace]\n", "[workspace]\nwindow_days = 0\n", 1))
    code, stdout = _watch("--workspaces", str(group))
    assert code == 5
    assert "| sage-test: sage_customer_master_gap 3 firing (fresh) | b-broken: FAILED (" in stdout
    assert runner.invoke(app, ["history", "-w", str(good), "--format", "json"]).exit_code == 0


def test_a_cycle_that_succeeds_exits_0(tmp_path: Path) -> None:
    root = scenario(3).write(tmp_path / "ws")
    code, stdout = _watch("-w", str(root))
    assert code == 0 and "| sage-test: sage_customer_master_gap 3 firing (fresh)" in stdout
