"""The two worked examples from the card specifications, generated as workspaces.

``write_demo(out)`` writes ``out/uk-trade-sage`` (Sage card) and ``out/us-distributor-d365``
(D365 card) as the vendor files a finance team downloads (Intacct XML, BigCommerce / Adobe / Shopify
API JSON, F&O and Dataverse OData pages, sync logs) with the ``[sources]`` that read them back;
``canonical=True`` writes canonical tables instead. ``bridgewatch run --workspace out/<name>`` re-runs
either. Each workspace folder is built aside and swapped in whole (:mod:`bridgewatch.atomic`): an
interrupted demo leaves the previous folder or the new one, never a mix.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bridgewatch.atomic import atomic_dir, os_errors
from bridgewatch.config import CONFIG_FILE
from bridgewatch.demo import d365_us, sage_uk
from bridgewatch.errors import ConfigError
from bridgewatch.history.location import STORE_DIR
from bridgewatch.scenario import Scenario

DEFAULT_OUT = "demo-workspaces"


def scenarios() -> dict[str, Scenario]:
    """The demo scenarios by workspace folder name (deterministic: same rows every time)."""
    built = [sage_uk.build(), d365_us.build()]
    return {str(s.config["workspace"]["id"]): s for s in built}


def write_demo(out: Path | str = DEFAULT_OUT, *, canonical: bool = False) -> list[Path]:
    """Write both demo workspaces under ``out`` (vendor formats unless ``canonical``); return their folders.

    Raises:
        ConfigError: ``out/<name>`` exists and is not a demo workspace (it would be replaced).
        EnvironmentProblem: ``out`` cannot be written (permissions, disk full).
    """
    from bridgewatch.demo.vendor_files import write_vendor_workspace

    folders = []
    for name, scenario in scenarios().items():
        target = Path(out) / name
        check_replaceable(target, name)
        with atomic_dir(target, keep=(STORE_DIR,)) as tmp:  # the runs stored in an earlier demo stay
            if canonical:
                scenario.write(tmp)
            else:
                write_vendor_workspace(scenario, tmp)
        folders.append(target)
    return folders


def check_replaceable(target: Path, workspace_id: str) -> None:
    """Refuse to replace a folder that is not an earlier demo workspace (new and empty folders are fine).

    Raises:
        ConfigError: ``target`` holds something else.
    """
    with os_errors(f"checking {target}"):
        if not target.exists() or (target.is_dir() and not any(target.iterdir())):
            return
        config = target / CONFIG_FILE
        text = config.read_text(encoding="utf-8") if config.is_file() else ""
    try:
        found = tomllib.loads(text).get("workspace", {}).get("id")
    except (ValueError, AttributeError):
        found = None
    if found != workspace_id:
        raise ConfigError(f"{target} exists and is not the demo workspace '{workspace_id}' (no {CONFIG_FILE} with "
                          f"id = \"{workspace_id}\"); demo replaces its folders whole, so choose another --out.")
