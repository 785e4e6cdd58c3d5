"""Kept for older imports: the quoting helper lives in :mod:`bridgewatch.sql` (a leaf, usable from any layer)."""

from __future__ import annotations

from bridgewatch.sql import equals, literal, literal_list

__all__ = ["equals", "literal", "literal_list"]
