"""The data catalog port: Glue Data Catalog shapes (``TableInput``, ``PartitionInput``, ``Table``,
``Partition``) behind one small abstract class, with two adapters.

- ``GlueCatalog`` (``crawlers.glue_catalog``): boto3 Glue from ``orchestration.core.aws.client``.
- ``LocalCatalog`` (``crawlers.local_catalog``): the same JSON shapes under ``<lake>/_catalog/``.

``crawlers.catalogs.get_catalog()`` returns ``LocalCatalog(LOCKGATE_LAKE)`` when that variable is set, else
``GlueCatalog()``.
Argument order is always ``database, table``. Every method::

    ensure_database(database)                          create it when missing
    list_databases() -> [name]
    list_tables(database) -> [name]
    get_table(database, table) -> Table dict | None
    create_table(database, table_input)                CatalogError when it exists
    update_table(database, table_input) -> version id  a new table version, like Glue
    get_table_versions(database, table) -> [{"VersionId", "Table"}], newest first
    get_partitions(database, table) -> [Partition dict]
    add_partitions(database, table, partitions, location=None) -> int (how many were new)
        partitions: PartitionInput dicts, or Hive paths "k=v/k2=v2" (built from the table's storage
        descriptor under ``location``, default the table location); existing partitions are kept
    delete_partitions(database, table, values)         values: [[v1, v2], ...]
    table_columns(database, table) -> [{"Name", "Type"}] | None   (non-partition columns)
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from orchestration.core.errors import CrawlerError

from .table import parse_partition_path, partition_input

__all__ = ["Catalog", "CatalogError"]


class CatalogError(CrawlerError):
    """A catalog call failed in a way a retry will not fix (missing table, duplicate table)."""


class Catalog(ABC):
    """Glue Data Catalog operations Lockgate needs; one adapter per backend."""

    available = True
    """Always true for real catalogs (commit's port checks it)."""

    @abstractmethod
    def ensure_database(self, database: str) -> None: ...

    @abstractmethod
    def list_databases(self) -> list[str]: ...

    @abstractmethod
    def list_tables(self, database: str) -> list[str]: ...

    @abstractmethod
    def get_table(self, database: str, table: str) -> dict[str, Any] | None: ...

    @abstractmethod
    def create_table(self, database: str, table_input: dict[str, Any]) -> None: ...

    @abstractmethod
    def update_table(self, database: str, table_input: dict[str, Any]) -> str: ...

    @abstractmethod
    def get_table_versions(self, database: str, table: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def get_partitions(self, database: str, table: str) -> list[dict[str, Any]]: ...

    @abstractmethod
    def _add_partition_inputs(self, database: str, table: str, inputs: list[dict[str, Any]]) -> int: ...

    @abstractmethod
    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None: ...

    def require_table(self, database: str, table: str) -> dict[str, Any]:
        """The table, or CatalogError naming it and the fix."""
        found = self.get_table(database, table)
        if found is None:
            raise CatalogError(f"table {database}.{table} does not exist in the {self.kind} catalog; run the "
                               "import (its crawler or commit registers the table) or check the spec's target")
        return found

    @property
    def kind(self) -> str:
        return type(self).__name__.removesuffix("Catalog").lower()

    def add_partitions(self, database: str, table: str, partitions: list[dict[str, Any]] | list[str],
                       location: str | None = None) -> int:
        """Register partitions; existing ones are kept. Returns how many were new."""
        if not partitions:
            return 0
        inputs: list[dict[str, Any]] = []
        base: dict[str, Any] | None = None
        for p in partitions:
            if isinstance(p, dict):
                inputs.append(p)
                continue
            if base is None:
                base = self.require_table(database, table)
                if location:
                    base = {**base, "StorageDescriptor": {**base["StorageDescriptor"], "Location": location}}
            values = list(parse_partition_path(p).values())
            inputs.append(partition_input(base, values))
        return self._add_partition_inputs(database, table, inputs)

    def table_columns(self, database: str, table: str) -> list[dict[str, str]] | None:
        t = self.get_table(database, table)
        if t is None:
            return None
        return [{"Name": c["Name"], "Type": c["Type"]} for c in t["StorageDescriptor"].get("Columns", [])]
