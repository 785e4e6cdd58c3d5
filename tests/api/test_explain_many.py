"""``explain`` on a computed run of several workspaces, without naming one: the customer is looked up in each.

Before the fix the first workspace without the customer raised ``LookupFailed`` ("Unknown customer ...") even
though another workspace of the same run counted it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import bridgewatch as bw
from bridgewatch.errors import LookupFailed

from ..cards.builders import company, d365, sage, shopper


def test_explain_finds_the_customer_in_whichever_workspace_has_it(tmp_path: Path) -> None:
    us = d365()
    shopper(us, "S1", email="s1@example.test")
    uk = sage()
    company(uk, "BIG", vat="GB111111111", total="300.00")
    workspaces = [bw.load_workspace(us.write(tmp_path / "us")), bw.load_workspace(uk.write(tmp_path / "uk"))]
    with bw.compute(workspaces) as run:
        found = bw.explain(run, "BIG")
        assert [(e.workspace, e.card, e.account_id, e.verdict) for e in found] == [
            ("sage-test", "sage_customer_master_gap", "BIG", "counted")]
        assert [e.account_id for e in bw.explain(run, "S1")] == ["S1"]
        with pytest.raises(LookupFailed) as caught:
            bw.explain(run, "NOBODY")
        assert str(caught.value) == ("No customer, company or account 'NOBODY' in any workspace of the run "
                                     "(d365-test, sage-test).")
        with pytest.raises(LookupFailed) as one:
            bw.explain(run, "NOBODY", workspace="sage-test")
        assert str(one.value) == ("Unknown customer 'NOBODY' (no customer, company or account with this id in "
                                  "workspace 'sage-test').")  # was "'NOBODY'. (no customer"
