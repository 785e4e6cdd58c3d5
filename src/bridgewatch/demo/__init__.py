"""The two worked examples from the card specifications, generated as workspaces.

``write_demo(out)`` writes ``out/uk-trade-sage`` (Sage card) and ``out/us-distributor-d365``
(D365 card) as the vendor files a finance team downloads (Intacct XML, BigCommerce / Adobe / Shopify
API JSON, F&O and Dataverse OData pages, sync logs) with the ``[sources]`` that read them back;
``canonical=True`` writes canonical tables instead. ``bridgewatch run --workspace out/<name>`` re-runs
either.
"""

from __future__ import annotations

from pathlib import Path

from bridgewatch.demo import d365_us, sage_uk
from bridgewatch.scenario import Scenario

DEFAULT_OUT = "demo-workspaces"


def scenarios() -> dict[str, Scenario]:
    """The demo scenarios by workspace folder name (deterministic: same rows every time)."""
    built = [sage_uk.build(), d365_us.build()]
    return {str(s.config["workspace"]["id"]): s for s in built}


def write_demo(out: Path | str = DEFAULT_OUT, *, canonical: bool = False) -> list[Path]:
    """Write both demo workspaces under ``out`` (vendor formats unless ``canonical``); return their folders."""
    from bridgewatch.demo.vendor_files import write_vendor_workspace

    out = Path(out)
    if canonical:
        return [scenario.write(out / name) for name, scenario in scenarios().items()]
    return [write_vendor_workspace(scenario, out / name) for name, scenario in scenarios().items()]
