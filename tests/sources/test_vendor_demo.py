"""Issue 4 item 6: the demo written as vendor files and read back by the readers gives the same cards."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bridgewatch.demo import scenarios
from bridgewatch.demo.vendor_files import write_vendor_workspace
from bridgewatch.results import collect
from bridgewatch.workspace import load_workspace

DEMOS = sorted(scenarios())


@pytest.mark.parametrize("name", DEMOS)
def test_vendor_files_give_the_same_cards_as_canonical_files(name: str, tmp_path: Path) -> None:
    scenario = scenarios()[name]
    canonical = load_workspace(scenario.write(tmp_path / "canonical"))
    vendor = load_workspace(write_vendor_workspace(scenario, tmp_path / "vendor"))
    assert vendor.config.sources, "the vendor workspace reads its tables through [sources]"
    assert {t: v.num_rows for t, v in vendor.tables.items()} == {t: v.num_rows for t, v in canonical.tables.items()}
    assert all(a.balanced and not a.quarantined for a in vendor.accounting.files)
    expected = [r.to_dict() | {"ingest": None} for r in collect([canonical])]  # the files read differ, by design
    assert [r.to_dict() | {"ingest": None} for r in collect([vendor])] == expected


def test_vendor_demo_uses_the_vendor_formats(tmp_path: Path) -> None:
    roots = [write_vendor_workspace(scenarios()[n], tmp_path / n) for n in DEMOS]
    readers = {spec["reader"] for root in roots
               for spec in tomllib.loads((root / "workspace.toml").read_text())["sources"].values()}
    assert readers == {"bigcommerce_api", "adobe_commerce_api", "shopify_api", "sage_intacct_xml", "d365_fo_odata",
                       "dataverse_api", "sync_log", "power_automate_flowruns"}
    assert sorted(p.name for p in (roots[0] / "data").iterdir()) == ["fx_rates.csv"]
