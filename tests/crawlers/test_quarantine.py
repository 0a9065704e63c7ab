"""The quarantine as catalog tables (crawlers.quarantine): the same entries in the local catalog and in
Glue (moto over HTTP), and the `<table>_quarantine` view answering SQL over the local lake."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pyarrow as pa
import pytest

from crawlers.catalog import Catalog
from crawlers.local_catalog import LocalCatalog
from crawlers.quarantine import ensure_quarantine_tables, quarantine_table_inputs, view_sql
from orchestration.query.local import local_query

from .conftest import make_spec, write

QUARANTINE = "s3://lake/_quarantine/sales/orders/"


def test_both_tables_are_registered_in_the_imports_database_and_stay_in_step(catalog: Catalog) -> None:
    spec = make_spec(quarantine=QUARANTINE)
    assert ensure_quarantine_tables(catalog, spec) == ["orders_quarantine_rows", "orders_quarantine"]
    rows = catalog.require_table("sales", "orders_quarantine_rows")
    assert rows["StorageDescriptor"]["Location"] == QUARANTINE and rows.get("PartitionKeys", []) == []
    assert [c["Name"] for c in rows["StorageDescriptor"]["Columns"]] == [
        "order_id", "qty", "amount", "ordered_at", "_source_file", "_record", "_run_id", "_errors"]
    assert rows["StorageDescriptor"]["Columns"][-1]["Type"] == "array<string>"
    view = catalog.require_table("sales", "orders_quarantine")
    assert view["TableType"] == "VIRTUAL_VIEW" and view["Parameters"]["presto_view"] == "true"
    body = json.loads(base64.b64decode(view["ViewOriginalText"].removeprefix("/* Presto View: ").removesuffix(" */")))
    assert body["originalSql"] == view_sql(spec) and body["schema"] == "sales"
    assert [c["name"] for c in body["columns"]][:2] == ["rule", "run_id"]
    assert [c["Name"] for c in view["StorageDescriptor"]["Columns"]] == [c["name"] for c in body["columns"]]

    # idempotent, and a spec change reaches both tables
    assert ensure_quarantine_tables(catalog, spec) == ["orders_quarantine_rows", "orders_quarantine"]
    wider = make_spec(quarantine=QUARANTINE)
    wider = wider.model_copy(update={"columns": [*wider.columns, wider.columns[0].model_copy(update={"name": "note"})]})
    ensure_quarantine_tables(catalog, wider)
    assert "note" in [c["Name"] for c in catalog.require_table("sales", "orders_quarantine")["StorageDescriptor"]["Columns"]]


def test_the_view_counts_rows_by_the_first_rule_they_failed(tmp_path: Path) -> None:
    spec = make_spec(quarantine=QUARANTINE)
    ensure_quarantine_tables(LocalCatalog(tmp_path), spec)
    errors = [["cast:amount"], ["cast:amount", "check:qty >= 0"], ["not_null:order_id"]]
    for run, rows in (("run-1", errors[:2]), ("run-2", errors[2:])):
        table = pa.table({"order_id": ["1"] * len(rows), "qty": ["x"] * len(rows), "amount": ["abc"] * len(rows),
                          "ordered_at": ["2024-01-01"] * len(rows), "_source_file": ["s3://raw/a.csv"] * len(rows),
                          "_record": pa.array(range(len(rows)), pa.int64()), "_run_id": [run] * len(rows),
                          "_errors": pa.array(rows, pa.list_(pa.string()))})
        write(tmp_path, f"run_id={run}/batch-00000-00000.parquet", table, location=QUARANTINE)
    result = local_query(tmp_path, "SELECT rule, count(*) FROM sales.orders_quarantine GROUP BY 1 ORDER BY 1")
    assert result.rows == [("cast:amount", 2), ("not_null:order_id", 1)]
    runs = local_query(tmp_path, "SELECT run_id, cardinality(_errors) AS n FROM sales.orders_quarantine ORDER BY 1, 2")
    assert runs.rows == [("run-1", 1), ("run-1", 2), ("run-2", 1)]


def test_rendered_inputs_are_what_terraform_creates() -> None:
    rows, view = quarantine_table_inputs(make_spec(quarantine=QUARANTINE))
    assert (rows["Name"], rows["TableType"], view["Name"], view["TableType"]) == (
        "orders_quarantine_rows", "EXTERNAL_TABLE", "orders_quarantine", "VIRTUAL_VIEW")
    assert view["ViewExpandedText"] == "/* Presto View */"


def test_two_runs_registering_at_once_both_succeed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two local runs of one import start together: the second create finds the table made meanwhile."""
    spec = make_spec(quarantine=QUARANTINE)
    catalog = LocalCatalog(tmp_path)
    ensure_quarantine_tables(catalog, spec)
    real = catalog.get_table
    monkeypatch.setattr(catalog, "get_table", lambda db, name: None)  # both looked before either created
    monkeypatch.setattr(catalog, "require_table", lambda db, name: real(db, name))
    assert ensure_quarantine_tables(catalog, spec) == ["orders_quarantine_rows", "orders_quarantine"]
    assert len(catalog.get_table_versions("sales", "orders_quarantine")) == 1
