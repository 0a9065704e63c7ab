"""The schema a run publishes, compared with what the table had, in Glue/Athena type names.

Both sides are reduced to ``[(column, glue_type), ...]`` so a staged Parquet file can be compared with
an existing table file or with the catalog's column list alike, with the one Arrow-to-Glue mapping
(``orchestration.core.types``). pyarrow is imported on use only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.core.storage import Storage
from orchestration.core.types import arrow_to_glue

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Signature", "parquet_signature", "arrow_signature", "catalog_signature"]

Signature = list[tuple[str, str]]


def arrow_signature(schema: pa.Schema, exclude: set[str] | frozenset[str] = frozenset()) -> Signature:
    return [(f.name, arrow_to_glue(f.type)) for f in schema if f.name not in exclude]


def parquet_signature(storage: Storage, uri: str, exclude: set[str] | frozenset[str] = frozenset()) -> Signature:
    """The signature of one Parquet object (reads the footer only)."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(storage.arrow_path(uri), filesystem=storage.arrow_filesystem())
    return arrow_signature(schema, exclude)


def catalog_signature(columns: list[dict[str, str]]) -> Signature:
    """Glue ``StorageDescriptor.Columns`` (``[{"Name", "Type"}]``) as a signature."""
    return [(c["Name"].lower(), c["Type"].lower().replace(" ", "")) for c in columns]
