"""Live API connectors: pull vendor lists as the pages the readers of ``bridgewatch.sources`` read.

``[sources.<name>.api]`` in workspace.toml says how to reach a vendor; :func:`pull_workspace`
fetches each pulled source (incrementally from its cursors, or in full) and lands its pages
atomically in the source's ``path``; :func:`pull_status` tells a result's freshness when each
source was last pulled and whether the last attempt failed. One connector per vendor API, registered
by the reader whose files it writes; importing the modules below registers them.
"""

from __future__ import annotations

from bridgewatch.connectors import adobe, bigcommerce, intacct, microsoft, shopify, sync_log  # noqa: F401  (importing registers the connectors)
from bridgewatch.connectors.base import CONNECTORS, Connector, Page, Resource, get_connector
from bridgewatch.connectors.pull import PullReport, SourcePull, pull_workspace
from bridgewatch.connectors.state import PullStatus, pull_status

__all__ = ["CONNECTORS", "Connector", "Page", "PullReport", "PullStatus", "Resource", "SourcePull",
           "get_connector", "pull_status", "pull_workspace"]
