"""`watch`: three cycles on a copy of the demo while customers are added to the Intacct export (firing → re-notified
→ resolved), a clean stop on SIGTERM, one line per cycle, one watcher per workspace, a missed cycle run once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from datetime import timedelta
from pathlib import Path

import tomli_w

from bridgewatch.demo import write_demo
from bridgewatch.watch import Watcher, WorkspaceCycle, stop_on_signals, workspace_lock

from .servers import WebhookServer

THAMES = ("Thames Valley Fixings Ltd", "GB318224507")
SOLENT = ("Solent Electrical Wholesale", "GB771093412")


def demo_copy(tmp_path: Path, hook_url: str) -> Path:
    """The UK demo (14 absent), alert line 12, a webhook receiver, reminders on every cycle while firing."""
    root = write_demo(tmp_path / "demo")[0]
    config = tomllib.loads((root / "workspace.toml").read_text(encoding="utf-8"))
    config["workspace"]["alert_threshold"] = 12
    config["alerts"] = {"repeat_interval": "0s",
                        "receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": hook_url}}]}
    (root / "workspace.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    return root


def add_to_intacct(root: Path, name: str, vat: str, n: int) -> None:
    """Append a live Intacct customer record carrying ``vat`` to the export's last page."""
    page = root / "exports" / "intacct" / "customers_page3.xml"
    record = (f"<customer><RECORDNO>{900 + n}</RECORDNO><CUSTOMERID>C9000{n}</CUSTOMERID><NAME>{name}</NAME>"
              f"<STATUS>active</STATUS><ONHOLD>false</ONHOLD><TAXID>{vat}</TAXID>"
              f"<DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE>GB</DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE>"
              f"<WHENCREATED>04/14/2026 12:00:00</WHENCREATED></customer>\n")
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("</data>", record + "</data>"), encoding="utf-8")


def test_three_cycles_fire_renotify_resolve_and_stop_on_sigterm(tmp_path: Path, hook: WebhookServer) -> None:
    root = demo_copy(tmp_path, hook.url)
    lines: list[str] = []
    watcher = Watcher([root], timedelta(seconds=0.2), {}, say=lines.append)

    def between(n: int, results: list[WorkspaceCycle]) -> None:
        assert results[0].error is None, results[0].error
        if n == 1:
            add_to_intacct(root, *THAMES, 1)
        elif n == 2:
            add_to_intacct(root, *SOLENT, 2)
        else:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives during cycle 3: it finishes, then the loop stops

    with stop_on_signals(watcher.stop, lines.append):
        done = watcher.run(on_cycle=between)
    assert done == 3 and watcher.stop.is_set()
    got = [(b["status"], b["event"], b["count"], b["previous_count"], b["delta"]) for b in hook.bodies()]
    assert got == [("firing", "firing", 14, None, None), ("firing", "repeat", 13, 14, -1),
                   ("resolved", "resolved", 12, 13, -1)]
    cycles = [line for line in lines if line.startswith("cycle ")]
    assert lines[:3] == cycles and lines[3:] == ["watch: SIGTERM received; stopping after the current cycle"]
    assert cycles[0].endswith("| uk-trade-sage: sage_customer_master_gap 14 firing (fresh); alerts: 1 queued, "
                              "1 delivered")
    assert cycles[2].endswith("| uk-trade-sage: sage_customer_master_gap 12 quiet (fresh); alerts: 1 queued, "
                              "1 delivered")
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_the_command_stops_cleanly_on_sigterm_and_a_second_watcher_skips_a_locked_workspace(
        tmp_path: Path, hook: WebhookServer) -> None:
    root = demo_copy(tmp_path, hook.url)
    command = [str(Path(sys.executable).parent / "bridgewatch"), "watch", "-w", str(root)]
    with workspace_lock(root) as held:
        assert held
        second = subprocess.run([*command, "--cycles", "1"], capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and "uk-trade-sage: skipped (another watcher is running it)" in second.stdout
    assert "demo: skipped" not in second.stdout and "watch: stopped after 1 cycle(s)" in second.stderr

    proc = subprocess.Popen([*command, "--every", "1h"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert first.startswith("cycle 1 ") and "sage_customer_master_gap 14 firing (fresh)" in first
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and time.monotonic() - started < 10
    assert "SIGTERM received; stopping after the current cycle" in err and "stopped after 1 cycle(s)" in err
    assert len(hook.accepted()) == 1


def test_a_missed_cycle_runs_once_and_the_cadence_continues() -> None:
    starts: list[float] = []
    lines: list[str] = []

    class Slow(Watcher):
        def workspace(self, folder: Path) -> WorkspaceCycle:
            starts.append(time.monotonic())
            time.sleep(1.75 if len(starts) == 1 else 0.0)  # the first cycle overruns three periods
            return WorkspaceCycle(folder, "ws")

    # Periods of half a second, so a busy machine's scheduling delays (tenths of a second) cannot make
    # one period look like two.
    Slow([Path("ws")], timedelta(seconds=0.5), {}, say=lines.append).run(cycles=3)
    assert 1.7 <= starts[1] - starts[0] < 2.0, "the overrun cycle is followed at once by one cycle"
    assert 0.45 <= starts[2] - starts[1] < 0.9, "then a full period, not a burst of catch-up cycles"
    assert ["missed" in line for line in lines] == [False, True, False] and "s (run once for 3 missed) | " in lines[1]


def test_a_broken_workspace_is_reported_and_the_rest_of_the_group_still_runs(tmp_path: Path,
                                                                            hook: WebhookServer) -> None:
    from bridgewatch.batch import find_workspaces

    from .helpers import scenario

    scenario(3, alerts={"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": hook.url}}]}).write(
        tmp_path / "group" / "b-good")
    broken = tmp_path / "group" / "a-broken"
    broken.mkdir(parents=True)
    (broken / "workspace.toml").write_text("[workspace\n", encoding="utf-8")
    lines: list[str] = []
    Watcher(find_workspaces(tmp_path / "group"), timedelta(seconds=1), {}, say=lines.append).run(cycles=1)
    [line] = lines
    parts = line.split(" | ")
    assert parts[1].startswith("a-broken: FAILED (") and "not valid TOML" in parts[1]
    assert parts[2] == "sage-test: sage_customer_master_gap 3 firing (fresh); alerts: 1 queued, 1 delivered"
    assert len(hook.accepted()) == 1


def test_a_source_that_could_not_be_pulled_makes_the_monitor_blind(tmp_path: Path, hook: WebhookServer) -> None:
    from bridgewatch.watch import connector_pull

    from .helpers import scenario

    root = scenario(3, alerts={"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": hook.url}}]}
                    ).write(tmp_path / "ws")
    assert connector_pull({})(root) == []  # no [sources.<name>.api]: nothing to pull, the files are read as they are
    problems = ["source 'shop' could not be pulled (HTTP 503); its data is from 2026-04-13T06:00:00Z"]
    pulls = iter([[], problems])
    lines: list[str] = []
    Watcher([root], timedelta(seconds=0.1), {}, pull=lambda _folder: next(pulls), say=lines.append).run(cycles=2)
    assert [(b["status"], b["event"]) for b in hook.bodies()] == [("firing", "firing"), ("unknown", "blind")]
    assert hook.bodies()[1]["reason"] == problems[0] and "3 unknown (stale)" in lines[1]


def test_an_os_error_or_a_bug_in_one_workspace_is_recorded_and_the_others_and_the_next_cycle_still_run(
        tmp_path: Path, hook: WebhookServer) -> None:
    from bridgewatch.batch import find_workspaces

    from .helpers import scenario

    alerts = {"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": hook.url}}]}
    for name in ("a-denied", "b-bug", "c-good"):
        scenario(3, alerts=alerts).write(tmp_path / "group" / name)
    denied = tmp_path / "group" / "a-denied" / "exports" / "orders.csv"

    def pull(folder: Path) -> list[str]:
        if folder.name == "a-denied":
            raise PermissionError(13, "Permission denied", str(denied))
        if folder.name == "b-bug":
            raise RuntimeError("boom")
        return []

    lines: list[str] = []
    done = Watcher(find_workspaces(tmp_path / "group"), timedelta(seconds=0.05), {}, pull=pull,
                   say=lines.append).run(cycles=2)
    assert done == 2 and len(lines) == 2
    parts = lines[1].split(" | ")
    assert parts[1:] == [
        f"sage-test: FAILED (running workspace 'sage-test' ({denied}): permission denied [EACCES]. To fix: give the "
        f"user running bridgewatch access (check with ls -l; chmod or chown), or use another folder.)",
        "sage-test: FAILED (internal error while running workspace 'sage-test': RuntimeError: boom. This is a "
        "bridgewatch bug; please report it with the command you ran (add -v for the SQL steps).)",
        "sage-test: sage_customer_master_gap 3 firing (fresh); alerts: 0 queued, 0 delivered"]
    # each failure is a failed run in its workspace's store: its receivers hear that the monitor is blind, once
    assert sorted(b["event"] for b in hook.bodies()) == ["blind", "blind", "firing"]


def test_a_receivers_answer_reaches_the_terminal_without_its_escape_sequences(tmp_path: Path,
                                                                               hook: WebhookServer) -> None:
    from typer.testing import CliRunner

    from bridgewatch.cli import app

    from .helpers import scenario
    from .servers import Reply

    hook.default = Reply(500, body="\x1b[2J\x1b]0;owned\x07wiped")
    alerts = {"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": hook.url}}],
              "delivery": {"attempts": 1, "backoff": "0.01s"}}
    root = scenario(3, alerts=alerts).write(tmp_path / "ws")
    result = CliRunner().invoke(app, ["watch", "-w", str(root), "--cycles", "1", "--no-pull"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.rstrip("\n").endswith(
        "sage-test: sage_customer_master_gap 3 firing (fresh); alerts: 1 queued, 0 delivered, 1 waiting (HTTP 500 "
        "Internal Server Error: wiped)")


SIGNAL_WHILE_THE_EVENT_IS_LOCKED = """
import os, signal, threading
from bridgewatch.watch import stop_on_signals
stop = threading.Event()
with stop_on_signals(stop, lambda line: None):
    with stop._cond:  # where the main thread is when it enters stop.wait()
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs here, the event's lock held
    print("set" if stop.wait(10) else "not set")
"""


def test_a_signal_arriving_while_the_main_thread_holds_the_events_lock_still_stops_the_watch() -> None:
    """A SIGTERM that lands as the loop enters its wait between cycles (the event's lock held by the same
    thread) hung the watch for good: the handler set the event itself and waited for that lock."""
    done = subprocess.run([sys.executable, "-c", SIGNAL_WHILE_THE_EVENT_IS_LOCKED], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stdout.strip()) == (0, "set")


def test_a_workspace_toml_that_breaks_or_sources_that_vanish_are_failed_runs_and_the_rest_still_runs(
        tmp_path: Path, hook: WebhookServer) -> None:
    """Before: a ``workspace.toml`` that became invalid was only a FAILED in the cycle line, no failed run: the store
    and the alerts went on showing the last good run, and no receiver heard that the monitor was blind for it."""
    import shutil

    from bridgewatch.batch import find_workspaces
    from bridgewatch.config import load_config
    from bridgewatch.history import Store, store_url

    from .helpers import scenario

    alerts = {"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": hook.url}}]}
    for name in ("a-toml", "b-sources", "c-good"):
        scenario(3, alerts=alerts).write(tmp_path / "group" / name)
    group = tmp_path / "group"
    configs = {name: load_config(group / name) for name in ("a-toml", "b-sources", "c-good")}

    def between(n: int, _results: list[WorkspaceCycle]) -> None:
        if n == 1:
            (group / "a-toml" / "workspace.toml").write_text("[workspace\n", encoding="utf-8")
            shutil.rmtree(group / "b-sources" / "data")

    lines: list[str] = []
    done = Watcher(find_workspaces(group), timedelta(seconds=0.05), {}, say=lines.append).run(cycles=2,
                                                                                             on_cycle=between)
    assert done == 2
    parts = lines[1].split(" | ")
    assert parts[1] == (f"sage-test: FAILED ({group / 'a-toml' / 'workspace.toml'}: not valid TOML: Expected ']' at "
                        f"the end of a table declaration (at line 1, column 11). Fix the syntax and run again.)")
    assert parts[2].startswith("sage-test: FAILED (") and parts[3] == (
        "sage-test: sage_customer_master_gap 3 firing (fresh); alerts: 0 queued, 0 delivered")
    failed = {}
    for name, config in configs.items():
        with Store(store_url(config)) as store:
            failed[name] = [f.first_line for f in store.failed_runs("sage-test")]
    assert failed["a-toml"] == [parts[1].removeprefix("sage-test: FAILED (").removesuffix(")")]
    assert len(failed["b-sources"]) == 1 and failed["c-good"] == []
    assert sorted(b["event"] for b in hook.bodies()) == ["blind", "blind", "firing", "firing", "firing"]
