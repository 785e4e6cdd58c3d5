"""Pages land atomically: a pull killed mid-way (SIGKILL) leaves the previous data and cursors as they were."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from bridgewatch.connectors.fakes.base import Table
from bridgewatch.connectors.fakes.bigcommerce import STORE, TOKEN, FakeBigCommerce
from bridgewatch.connectors.fakes.server import serve
from bridgewatch.connectors.pull import pull_workspace
from bridgewatch.connectors.state import pull_status
from bridgewatch.connectors.store import MANIFEST
from tests.connectors.helpers import read_back, workspace

BIN = Path(sys.executable).parent / "bridgewatch"


def _customer(i: int, email: str | None = None) -> dict[str, object]:
    return {"id": i, "email": email or f"c{i}@shop.test", "first_name": "C", "last_name": str(i)}


def _snapshot(root: Path) -> dict[str, bytes]:
    folder = root / "pulled" / "bc"
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_killed_pull_keeps_previous_pages_and_cursor(tmp_path: Path) -> None:
    fake = FakeBigCommerce(customers=Table("id", [_customer(i) for i in range(1, 8)]))
    reached, release = threading.Event(), threading.Event()

    def hang(request: httpx.Request) -> httpx.Response:
        reached.set()
        release.wait(60)
        return httpx.Response(503)

    env = {**os.environ, "BC_TOKEN": TOKEN}
    with serve(fake) as url:
        api = {"store": STORE, "base_url": url, "secrets": {"token": "BC_TOKEN"}, "page_size": 2,
               "resources": ["customers"]}
        root = workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": api}})
        first = pull_workspace(root, environ=env)  # the previous data (pulled here: only the next pull is killed)
        assert not first.failed, [s.error for s in first.failed]
        before = _snapshot(root)
        fake.customers.put(_customer(3, "changed@shop.test"), datetime(2026, 3, 1, tzinfo=UTC))
        fake.fail(hang, path="/v3/customers", after=2)  # the third page of the next pull never answers
        proc = subprocess.Popen([str(BIN), "pull", "-w", str(root), "--full"], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            assert reached.wait(120), "the pull never reached page 3"
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(30)
        finally:
            release.set()
        assert proc.returncode == -signal.SIGKILL
        assert _snapshot(root) == before  # same files, same bytes, same cursors (in the manifest)
        assert list((root / ".bridgewatch" / "pulls" / "bc").glob("*.tmp")), "the dead pull's draft is left over"
        status = pull_status(root)["bc"]
        assert status.state == "interrupted" and status.records == {"customers": 7}
        emails = read_back(root, "bc", "bigcommerce_api").tables["commerce_customers"].column("email").to_pylist()
        assert "changed@shop.test" not in emails and len(emails) == 7

        again = pull_workspace(root, environ=env)
    assert not again.failed, [s.error for s in again.failed]
    assert not list((root / ".bridgewatch" / "pulls" / "bc").glob("*.tmp"))
    emails = read_back(root, "bc", "bigcommerce_api").tables["commerce_customers"].column("email").to_pylist()
    assert sorted(emails) == sorted([f"c{i}@shop.test" for i in (1, 2, 4, 5, 6, 7)] + ["changed@shop.test"])
    assert pull_status(root)["bc"].state == "fresh"
    assert MANIFEST in _snapshot(root)


def test_pages_and_cursors_are_on_disk_before_any_name_points_at_them(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """fsync of every page, the manifest and the folders, in order, around the renames that publish them.

    Without it a machine that stops just after the renames (power, kernel) can come back with the new link and
    cursors but empty pages: the refresh after never fetches those records again, and the source reads fresh.
    """
    from tests.connectors.helpers import pull

    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def name(path: str) -> str:
        return os.path.relpath(path, tmp_path)

    def fsync(fd: int) -> None:
        events.append("sync " + name(os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        events.append(f"rename {name(src)} -> {name(dst)}")
        real_replace(src, dst)
    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    fake = FakeBigCommerce(customers=Table("id", [_customer(i) for i in range(1, 4)]))
    api = {"store": STORE, "secrets": {"token": "BC_TOKEN"}, "page_size": 2, "resources": ["customers"]}
    root = workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": api}})
    assert pull(root, fake, {"BC_TOKEN": TOKEN}).sources[0].ok
    pid = os.getpid()
    home = ".bridgewatch/pulls/bc"
    assert events == [
        "sync .bridgewatch/.pulls.json." + str(pid),  # the attempt starts
        "rename .bridgewatch/.pulls.json." + str(pid) + " -> .bridgewatch/pulls.json",
        "sync .bridgewatch",
        f"sync {home}/g000001.tmp/customers-000001-000001.json",
        f"sync {home}/g000001.tmp/customers-000001-000002.json",
        f"sync {home}/g000001.tmp/.pull.json",
        f"sync {home}/g000001.tmp",
        f"rename {home}/g000001.tmp -> {home}/g000001",
        f"sync {home}",
        f"rename pulled/.bc.link-{pid} -> pulled/bc",
        "sync pulled",
        "sync .bridgewatch/.pulls.json." + str(pid),  # the attempt ends
        "rename .bridgewatch/.pulls.json." + str(pid) + " -> .bridgewatch/pulls.json",
        "sync .bridgewatch"]
