"""Glue Data Catalog shapes for one import's table: ``TableInput`` from the spec, ``PartitionInput``
for Hive partition directories, and the storage descriptor Glue's crawler writes for Parquet.

Used by the local crawler, by commit (``register_partitions`` in ``crawlers.register``) and by the
crawler settings (Terraform pre-creates the table so the partition index exists before the first crawl).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from orchestration.core.partitions import HIVE_DEFAULT_PARTITION, parse_partition_path, partition_path
from orchestration.core.spec.metadata import METADATA_SCHEMA

if TYPE_CHECKING:
    from orchestration.core.spec import Spec

__all__ = [
    "PARQUET_INPUT_FORMAT", "PARQUET_OUTPUT_FORMAT", "PARQUET_SERDE", "METADATA_COLUMNS",
    "parquet_storage_descriptor", "table_input_from_spec", "partition_input", "partition_path",
    "parse_partition_path", "table_to_input", "HIVE_DEFAULT_PARTITION", "spec_column_types",
]

PARQUET_INPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT_FORMAT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"

METADATA_COLUMNS = METADATA_SCHEMA
"""Columns every engine appends (docs/contracts.md, Output columns)."""

# Keys of a Glue ``Table`` that are not part of ``TableInput`` (GetTable output only).
_TABLE_ONLY_KEYS = {
    "DatabaseName", "CreateTime", "UpdateTime", "CreatedBy", "IsRegisteredWithLakeFormation",
    "CatalogId", "VersionId", "FederatedTable", "IsMultiDialectView", "Status", "IsMaterializedView",
}


def parquet_storage_descriptor(location: str, columns: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``StorageDescriptor`` as Glue's crawler writes it for Parquet data."""
    return {
        "Columns": columns,
        "Location": location,
        "InputFormat": PARQUET_INPUT_FORMAT,
        "OutputFormat": PARQUET_OUTPUT_FORMAT,
        "Compressed": False,
        "NumberOfBuckets": -1,
        "SerdeInfo": {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}},
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": {"classification": "parquet", "typeOfData": "file"},
        "StoredAsSubDirectories": False,
    }


def _column(name: str, glue_type: str, comment: str | None = None) -> dict[str, Any]:
    col: dict[str, Any] = {"Name": name, "Type": glue_type}
    if comment:
        col["Comment"] = comment[:255]
    return col


def spec_column_types(spec: Spec) -> dict[str, str]:
    """Every output column of the spec with its Glue type: the derived columns' fixed types, the ones
    both engines cast to (declared, or inferred where certain)."""
    # sqlglot only when a table is built: commit registers partitions without it (Lambda cold start)
    from orchestration.core.spec.derive_types import derive_types

    return {c.name: c.type for c in spec.columns} | derive_types(spec)


def table_input_from_spec(spec: Spec) -> dict[str, Any]:
    """The ``TableInput`` the import's table should have: spec columns, derived and metadata columns
    (partition columns become ``PartitionKeys``), Parquet storage, ``classification=parquet``."""
    types = spec_column_types(spec)
    comments = {c.name: c.description for c in spec.columns}
    parts = list(spec.target.partition_by)
    columns = [_column(n, t, comments.get(n)) for n, t in types.items() if n not in parts]
    columns += [_column(n, t) for n, t in METADATA_COLUMNS]
    location = spec.target.location if spec.target.location.endswith("/") else spec.target.location + "/"
    return {
        "Name": spec.target.table,
        "Description": (spec.description or f"Lockgate import {spec.name}")[:2048],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "typeOfData": "file", "EXTERNAL": "TRUE",
                       "lockgate.import": spec.name},
        "PartitionKeys": [_column(p, types.get(p, "string")) for p in parts],
        "StorageDescriptor": parquet_storage_descriptor(location, columns),
    }


def partition_input(table: dict[str, Any], values: list[str]) -> dict[str, Any]:
    """A ``PartitionInput`` for ``values`` that inherits the table's storage descriptor (the crawler's
    ``InheritFromTable`` behaviour), located at ``<table location>/<k=v>/.../``."""
    sd = copy.deepcopy(table["StorageDescriptor"])
    keys = [k["Name"] for k in table.get("PartitionKeys", [])]
    if len(keys) != len(values):
        raise ValueError(f"table {table.get('Name')!r} has partition keys {keys}, got values {values}")
    sd["Location"] = sd["Location"].rstrip("/") + "/" + partition_path(keys, values) + "/"
    return {"Values": list(values), "StorageDescriptor": sd, "Parameters": {}}


def table_to_input(table: dict[str, Any]) -> dict[str, Any]:
    """A GetTable ``Table`` reduced to the ``TableInput`` shape (for update_table)."""
    return {k: copy.deepcopy(v) for k, v in table.items() if k not in _TABLE_ONLY_KEYS}
