"""Commit: check a run's row accounting and quality, then publish its staging to the target idempotently.

See docs/adr/0003-commit-protocol.md for the protocol.
"""

from __future__ import annotations

from .catalog import CatalogPort, get_catalog
from .checks import RunTotals, check_accounting, check_quality, load_results
from .intent import CommitIntent, FileCopy, plan_commit
from .lease import Lease, lease_for
from .protocol import commit_run, load_manifest

__all__ = [
    "commit_run", "load_manifest", "plan_commit", "CommitIntent", "FileCopy", "RunTotals", "load_results",
    "check_accounting", "check_quality", "CatalogPort", "get_catalog", "Lease", "lease_for",
]
