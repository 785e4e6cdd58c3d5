"""Inputs → canonical tables, with every row accounted for."""

from bridgewatch.ingest.accounting import Accounting, FileAccount, OnBadRow, ReadWarning
from bridgewatch.ingest.canonical import load_folder

__all__ = ["Accounting", "FileAccount", "OnBadRow", "ReadWarning", "load_folder"]
