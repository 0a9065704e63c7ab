"""Which catalog this environment uses: the local catalog under ``LOCKGATE_LAKE`` when that variable is
set, else the Glue Data Catalog. Kept apart from the ``Catalog`` port so the adapters can import the port
without a cycle."""

from __future__ import annotations

import os

from .catalog import Catalog

__all__ = ["get_catalog"]


def get_catalog() -> Catalog:
    """``LocalCatalog`` under ``$LOCKGATE_LAKE`` when set, else the Glue Data Catalog (boto3 is imported
    only then)."""
    lake = os.environ.get("LOCKGATE_LAKE")
    if lake:
        from .local_catalog import LocalCatalog

        return LocalCatalog(lake)
    from .glue_catalog import GlueCatalog

    return GlueCatalog()
