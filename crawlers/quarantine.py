"""The quarantine as catalog tables: ``<table>_quarantine`` in the import's database, with the rule.

Both engines write rejected rows to ``<target.quarantine>/run_id=<run_id>/*.parquet`` (docs/contracts.md,
"Quarantine rows": every source column as a string, ``_source_file``, ``_record``, ``_run_id``,
``_errors`` = the rule names that failed). Two catalog entries make that queryable:

- ``<table>_quarantine_rows``: an external Parquet table over the quarantine location, unpartitioned
  (Athena reads the ``run_id=...`` folders under the location; nothing has to register a partition
  per run), with the files' columns;
- ``<table>_quarantine``: an Athena (Presto) view over it that leads with ``rule``, the first rule the
  row failed (``_errors`` keeps them all), one row per rejected row so ``count(*)`` matches
  ``rows_rejected``; ``run_id`` repeats ``_run_id``.

Terraform creates both from the rendered inputs (``lockgate render``: ``quarantine_tables``); the
local runtime registers them in the local catalog when it sets up a run.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from orchestration.core.spec.metadata import QUARANTINE_SCHEMA

from .catalog import CatalogError
from .table import parquet_storage_descriptor

if TYPE_CHECKING:
    from orchestration.core.spec import Spec

    from .catalog import Catalog

__all__ = ["quarantine_table", "quarantine_rows_table", "quarantine_table_inputs", "ensure_quarantine_tables",
           "view_sql", "QUARANTINE_COLUMNS", "presto_view"]

QUARANTINE_COLUMNS = QUARANTINE_SCHEMA
"""What the engines append to a quarantined row's source columns (docs/contracts.md)."""

_PRESTO = {"string": "varchar", "bigint": "bigint", "array<string>": "array(varchar)"}


def quarantine_table(spec: Spec) -> str:
    """``orders_quarantine``: the view people query."""
    return f"{spec.target.table}_quarantine"


def quarantine_rows_table(spec: Spec) -> str:
    """``orders_quarantine_rows``: the Parquet table the view reads."""
    return f"{spec.target.table}_quarantine_rows"


def _source_columns(spec: Spec) -> list[str]:
    return [c.source or c.name for c in spec.columns]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _rows_columns(spec: Spec) -> list[tuple[str, str]]:
    return [(name, "string") for name in _source_columns(spec)] + list(QUARANTINE_COLUMNS)


def _view_columns(spec: Spec) -> list[tuple[str, str]]:
    return [("rule", "string"), ("run_id", "string"), *_rows_columns(spec)]


def view_sql(spec: Spec) -> str:
    """The view's Athena SQL (Trino dialect)."""
    rows = ", ".join(_q(name) for name, _ in _rows_columns(spec))
    return (f"SELECT element_at(_errors, 1) AS rule, _run_id AS run_id, {rows} "
            f"FROM {_q(spec.target.database)}.{_q(quarantine_rows_table(spec))}")


def presto_view(sql: str, database: str, columns: list[tuple[str, str]]) -> str:
    """``ViewOriginalText`` of an Athena view as Athena stores it in the Glue catalog."""
    body = {"originalSql": sql, "catalog": "awsdatacatalog", "schema": database,
            "columns": [{"name": n, "type": _PRESTO[t]} for n, t in columns]}
    encoded = base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()
    return f"/* Presto View: {encoded} */"


def _column(name: str, glue_type: str, comment: str) -> dict[str, Any]:
    return {"Name": name, "Type": glue_type, "Comment": comment}


_COMMENTS = {"rule": "the first rule the row failed (docs/semantics.md)", "run_id": "the run that rejected the row",
             "_source_file": "the object the row came from", "_record": "the row's position in that object",
             "_run_id": "the run that rejected the row", "_errors": "every rule the row failed, in order"}


def quarantine_table_inputs(spec: Spec) -> list[dict[str, Any]]:
    """Glue ``TableInput``s: the Parquet table, then the view (create them in this order)."""
    location = spec.target.quarantine_uri.rstrip("/") + "/"
    database = spec.target.database
    rows = [_column(n, t, _COMMENTS.get(n, "source value as text")) for n, t in _rows_columns(spec)]
    view = [_column(n, t, _COMMENTS.get(n, "source value as text")) for n, t in _view_columns(spec)]
    sd = parquet_storage_descriptor(location, rows)
    view_sd = {"Columns": view, "SerdeInfo": {}, "Location": "", "InputFormat": "", "OutputFormat": "",
               "Compressed": False, "NumberOfBuckets": 0, "StoredAsSubDirectories": False, "Parameters": {}}
    return [
        {"Name": quarantine_rows_table(spec), "TableType": "EXTERNAL_TABLE",
         "Description": f"Rejected rows of Lockgate import {spec.name} (query {quarantine_table(spec)})",
         "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE", "lockgate.import": spec.name},
         "PartitionKeys": [], "StorageDescriptor": sd},
        {"Name": quarantine_table(spec), "TableType": "VIRTUAL_VIEW",
         "Description": f"Rejected rows of Lockgate import {spec.name}, with the rule that rejected each",
         "Parameters": {"presto_view": "true", "comment": "Presto View", "lockgate.import": spec.name},
         "PartitionKeys": [], "StorageDescriptor": view_sd,
         "ViewOriginalText": presto_view(view_sql(spec), database, _view_columns(spec)),
         "ViewExpandedText": "/* Presto View */"},
    ]


def ensure_quarantine_tables(catalog: Catalog, spec: Spec) -> list[str]:
    """Create or update both tables so they match the spec; returns their names."""
    catalog.ensure_database(spec.target.database)
    names = []
    for table_input in quarantine_table_inputs(spec):
        current = catalog.get_table(spec.target.database, table_input["Name"])
        if current is None:
            try:
                catalog.create_table(spec.target.database, table_input)
            except CatalogError:  # another run created it meanwhile (two runs of one import at once)
                current = catalog.require_table(spec.target.database, table_input["Name"])
        if current is not None and any(current.get(k) != v for k, v in table_input.items()):
            catalog.update_table(spec.target.database, table_input)
        names.append(table_input["Name"])
    return names
