"""What commit needs from the data catalog: does the table exist, its columns, register partitions.

A small port over ``crawlers.catalog`` (Glue Data Catalog on AWS and in moto, the local catalog under the
lake when ``LOCKGATE_LAKE`` is set), so commit's tests can also pass a catalog explicitly.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["CatalogPort", "get_catalog"]


class CatalogPort(Protocol):
    available: bool
    """False for a stand-in that knows nothing: then "table exists" means "the target has files"."""

    def table_columns(self, database: str, table: str) -> list[dict[str, str]] | None:
        """The table's non-partition columns (``[{"Name", "Type"}]``), or None when it does not exist."""

    def add_partitions(self, database: str, table: str, partitions: list[str], location: str | None = None) -> int:
        """Register Hive partitions (``k=v/k2=v2``) under ``location``; existing ones are kept. Returns how
        many were new."""


def get_catalog() -> CatalogPort:
    """The catalog of this environment (``crawlers.catalogs.get_catalog``)."""
    from crawlers.catalogs import get_catalog as shared

    return shared()
