"""Card results as data: the pipeline that computes them, summaries in SQL, streamed worklists, evidence."""

from __future__ import annotations

from bridgewatch.results.evidence import explain_accounts, find_accounts
from bridgewatch.results.run import CardRun, Run, collect, compute
from bridgewatch.results.worklist import Worklist

__all__ = ["CardRun", "Run", "Worklist", "collect", "compute", "explain_accounts", "find_accounts"]
