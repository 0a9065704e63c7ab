"""What commit needs from the data catalog: does the table exist, its columns, register partitions.

A small port so commit runs against the Glue Data Catalog on AWS (and moto in tests) and against the
local catalog under the lake. ``get_catalog()`` picks the adapter; when ``crawlers.catalog`` offers a
catalog it is used, otherwise Glue through the client factory (or, locally without a catalog, none).
"""

from __future__ import annotations

import os
from typing import Any, Protocol
from urllib.parse import unquote

from orchestration.errors import PublishError
from orchestration.spec.uris import join_uri

__all__ = ["CatalogPort", "GlueCatalog", "NoCatalog", "get_catalog", "partition_values"]


class CatalogPort(Protocol):
    available: bool

    def table_columns(self, database: str, table: str) -> list[dict[str, str]] | None:
        """The table's non-partition columns (``[{"Name", "Type"}]``), or None when it does not exist."""

    def add_partitions(self, database: str, table: str, partitions: list[str], location: str) -> int:
        """Register Hive partitions (``k=v/k2=v2``) under ``location``; existing ones are kept. Returns how
        many were new."""


def partition_values(partition: str) -> list[str]:
    """``order_date=2024-01-01/x=a%2Fb`` -> ``["2024-01-01", "a/b"]`` (Hive path escaping undone)."""
    return [unquote(part.split("=", 1)[1]) for part in partition.split("/") if part]


class NoCatalog:
    """No catalog to talk to (local runs before a local catalog exists): nothing is known or registered."""

    available = False

    def table_columns(self, database: str, table: str) -> list[dict[str, str]] | None:
        return None

    def add_partitions(self, database: str, table: str, partitions: list[str], location: str) -> int:
        return 0


class GlueCatalog:
    """The Glue Data Catalog through ``orchestration.aws.client('glue')``."""

    available = True

    def __init__(self, client: Any | None = None) -> None:
        self._client = client

    @property
    def glue(self) -> Any:
        if self._client is None:
            from orchestration import aws

            self._client = aws.client("glue")
        return self._client

    def _table(self, database: str, table: str) -> dict[str, Any] | None:
        try:
            return dict(self.glue.get_table(DatabaseName=database, Name=table)["Table"])
        except self.glue.exceptions.EntityNotFoundException:
            return None

    def table_columns(self, database: str, table: str) -> list[dict[str, str]] | None:
        t = self._table(database, table)
        if t is None:
            return None
        return [{"Name": c["Name"], "Type": c["Type"]} for c in t.get("StorageDescriptor", {}).get("Columns", [])]

    def add_partitions(self, database: str, table: str, partitions: list[str], location: str) -> int:
        t = self._table(database, table)
        if t is None or not partitions:
            return 0
        sd = dict(t.get("StorageDescriptor", {}))
        added = 0
        for i in range(0, len(partitions), 100):  # BatchCreatePartition takes at most 100
            chunk = partitions[i:i + 100]
            inputs = [
                {"Values": partition_values(p),
                 "StorageDescriptor": {**sd, "Location": join_uri(location, p) + "/"}}
                for p in chunk
            ]
            r = self.glue.batch_create_partition(DatabaseName=database, TableName=table, PartitionInputList=inputs)
            errors = [e for e in r.get("Errors", []) if e["ErrorDetail"].get("ErrorCode") != "AlreadyExistsException"]
            if errors:
                first = errors[0]
                raise PublishError(
                    f"registering partition {first.get('PartitionValues')} failed: "
                    f"{first['ErrorDetail'].get('ErrorCode')}: {first['ErrorDetail'].get('ErrorMessage')}; the data "
                    "is published, run the table's crawler or MSCK REPAIR TABLE to register it",
                    where=f"glue table {database}.{table}",
                )
            added += len(chunk) - len(r.get("Errors", []))
        return added


def get_catalog() -> CatalogPort:
    """The catalog of this environment: none in the local lake (until the local catalog lands), else Glue."""
    if os.environ.get("LOCKGATE_LAKE"):
        return NoCatalog()
    return GlueCatalog()
