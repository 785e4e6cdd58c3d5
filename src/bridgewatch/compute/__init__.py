"""Running cards and reading their results: the pipeline, summaries in SQL, streamed worklists, evidence."""

from __future__ import annotations

from bridgewatch.compute.evidence import explain_accounts, find_accounts
from bridgewatch.compute.run import CardRun, Run, collect, compute
from bridgewatch.compute.worklist import Worklist

__all__ = ["CardRun", "Run", "Worklist", "collect", "compute", "explain_accounts", "find_accounts"]
