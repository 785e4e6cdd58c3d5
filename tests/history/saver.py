"""A child process for the store's crash and concurrency tests: compute a workspace and save it,
pausing inside the save transaction at a named point (after touching a marker file) so the parent
can kill it there, or start a second saver while it holds the workspace lock.

Usage: python saver.py WORKSPACE STORE_URL POINT MARKER PAUSE_SECONDS
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import bridgewatch.history.save as save_module
import bridgewatch.history.store as store_module
from bridgewatch.history import Store
from bridgewatch.results import compute
from bridgewatch.workspace import load_workspace

POINTS = {"after_run_row": (store_module, "save_card"), "after_first_versions": (save_module, "_flush"),
          "before_commit": (store_module, "mark_returned")}


def pause_at(point: str, marker: Path, seconds: float) -> None:
    module, name = POINTS[point]
    real = getattr(module, name)

    def paused(*args: Any, **kwargs: Any) -> Any:
        if point == "after_run_row":
            marker.touch()
            time.sleep(seconds)
            return real(*args, **kwargs)
        result = real(*args, **kwargs)
        marker.touch()
        time.sleep(seconds)
        return result

    setattr(module, name, paused)


def main() -> None:
    workspace, url, point, marker, seconds = sys.argv[1:6]
    pause_at(point, Path(marker), float(seconds))
    with Store(url) as store, compute([load_workspace(workspace)]) as run:
        [stored] = store.save(run)
    print(stored.run_id, stored.new, stored.still_absent, flush=True)


if __name__ == "__main__":
    main()
