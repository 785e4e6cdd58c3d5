"""Which sync attempt is an account's latest when several share a second: the log's own order decides.

Hand scenario (Sage, as of 14 April 2026 18:00 UTC): the connector rejected each company's create several times in the
same second, with no event ids, and wrote the rejections one row after another. The latest is the last row written
(the log is appended to): its reason is the one shown, on DuckDB and on Spark alike (each card test also runs on
Spark: tests/engines/test_parity.py). Before, the tie was left to the engine's row order inside a window.
"""

from __future__ import annotations

from .builders import company, event, sage

REASONS = ("credit limit missing", "bad tax group", "duplicate VAT number", "address line too long")


def test_same_second_rejections_without_ids_read_the_last_row_written(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    for n in range(4):
        cid = f"T{n}"
        company(s, cid, vat=f"GB00000000{n}")
        reasons = REASONS[n:] + REASONS[:n]
        for reason in reasons:
            event(s, cid, "failed", "2026-04-12T06:00:00Z", reason)
    result = run_card(s)
    got = {c.company_id: c.rejection_reason for c in result.customers}
    assert got == {"T0": "address line too long", "T1": "credit limit missing", "T2": "bad tax group",
                   "T3": "duplicate VAT number"}
    assert {c.company_id: c.sync_attempts for c in result.customers} == {f"T{n}": 4 for n in range(4)}
