"""The two worked examples from the card specifications, generated as workspaces.

``write_demo(out)`` writes ``out/uk-trade-sage`` (Sage card) and ``out/us-distributor-d365``
(D365 card); ``bridgewatch run --workspace out/<name>`` re-runs either.
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


def write_demo(out: Path | str = DEFAULT_OUT) -> list[Path]:
    """Write both demo workspaces under ``out`` and return their folders."""
    out = Path(out)
    return [scenario.write(out / name) for name, scenario in scenarios().items()]
