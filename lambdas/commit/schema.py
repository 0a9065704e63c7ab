"""The schema a run publishes, compared with what the table had, in Glue/Athena type names.

Both sides are reduced to ``[(column, glue_type), ...]`` so a staged Parquet file can be compared with
an existing table file or with the catalog's column list alike. pyarrow is imported on use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.core.storage import Storage

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Signature", "parquet_signature", "arrow_signature", "catalog_signature", "glue_type"]

Signature = list[tuple[str, str]]


def glue_type(t: pa.DataType) -> str:
    """The Glue Data Catalog (Hive) type name of an Arrow type."""
    import pyarrow as pa
    import pyarrow.types as pat

    if pat.is_string(t) or pat.is_large_string(t):
        return "string"
    if pat.is_boolean(t):
        return "boolean"
    simple = {pa.int8(): "tinyint", pa.int16(): "smallint", pa.int32(): "int", pa.int64(): "bigint",
              pa.float32(): "float", pa.float64(): "double", pa.date32(): "date"}
    if t in simple:
        return simple[t]
    if pat.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pat.is_timestamp(t):
        return "timestamp"
    if pat.is_binary(t) or pat.is_large_binary(t):
        return "binary"
    if pat.is_list(t) or pat.is_large_list(t):
        return f"array<{glue_type(t.value_type)}>"
    if pat.is_struct(t):
        return "struct<" + ",".join(f"{f.name}:{glue_type(f.type)}" for f in t) + ">"
    return str(t)


def arrow_signature(schema: pa.Schema, exclude: set[str] | frozenset[str] = frozenset()) -> Signature:
    return [(f.name, glue_type(f.type)) for f in schema if f.name not in exclude]


def parquet_signature(storage: Storage, uri: str, exclude: set[str] | frozenset[str] = frozenset()) -> Signature:
    """The signature of one Parquet object (reads the footer only)."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(storage.arrow_path(uri), filesystem=storage.arrow_filesystem())
    return arrow_signature(schema, exclude)


def catalog_signature(columns: list[dict[str, str]]) -> Signature:
    """Glue ``StorageDescriptor.Columns`` (``[{"Name", "Type"}]``) as a signature."""
    return [(c["Name"].lower(), c["Type"].lower().replace(" ", "")) for c in columns]
