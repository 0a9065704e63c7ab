"""Commit and the data catalog: partitions registered without a crawler, schema compared with the table."""

from __future__ import annotations

import pytest

from crawlers.catalogs import get_catalog
from lambdas.commit import commit_run
from orchestration.core.storage import Storage

from .runs import LOCATION, make_spec, stage_run

D1, D2 = "day=2024-01-01", "day=2024-01-02"


def create_table(columns: list[tuple[str, str]]) -> None:
    catalog = get_catalog()
    catalog.ensure_database("sales")
    catalog.create_table("sales", {
        "Name": "orders",
        "TableType": "EXTERNAL_TABLE",
        "PartitionKeys": [{"Name": "day", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t} for n, t in columns],
            "Location": LOCATION,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
        },
    })


def registered() -> list[tuple[list[str], str]]:
    parts = get_catalog().get_partitions("sales", "orders")
    return sorted((p["Values"], p["StorageDescriptor"]["Location"]) for p in parts)


@pytest.mark.parametrize("run", ["never", "on_schema_change"])
def test_new_partitions_are_registered_when_the_crawler_does_not_run(store: Storage, run: str) -> None:
    create_table([("id", "bigint"), ("amount", "double"), ("_source_file", "string")])
    spec = make_spec(crawler=run)
    first = commit_run(stage_run(store, spec, "run-a", {D1: 2}), store)
    second = commit_run(stage_run(store, spec, "run-b", {D1: 1, D2: 3}), store)

    assert registered() == [(["2024-01-01"], LOCATION + D1 + "/"), (["2024-01-02"], LOCATION + D2 + "/")]
    assert (first.schema_changed, first.crawl_needed) == (False, False)
    assert second.partitions_added == 1 and second.crawl_needed is False


def test_always_leaves_registration_to_the_crawler(store: Storage) -> None:
    create_table([("id", "bigint"), ("amount", "double"), ("_source_file", "string")])
    result = commit_run(stage_run(store, make_spec(crawler="always"), "run-a", {D1: 2}), store)
    assert registered() == []
    assert result.crawl_needed is True


def test_schema_differing_from_the_catalog_asks_for_a_crawl(store: Storage) -> None:
    create_table([("id", "int"), ("amount", "double")])  # the staged files hold bigint
    result = commit_run(stage_run(store, make_spec(crawler="on_schema_change"), "run-a", {D1: 2}), store)
    assert (result.schema_changed, result.crawl_needed) == (True, True)


def test_missing_table_asks_for_a_crawl_and_registers_nothing(store: Storage) -> None:
    result = commit_run(stage_run(store, make_spec(crawler="on_schema_change"), "run-a", {D1: 2}), store)
    assert result.crawl_needed is True
    assert get_catalog().get_table("sales", "orders") is None


def test_never_crawled_table_is_created_from_the_spec_and_gets_its_partitions(store: Storage) -> None:
    # with crawler.run never nothing else would ever create the table, so queries would fail forever
    result = commit_run(stage_run(store, make_spec(crawler="never"), "run-a", {D1: 2, D2: 1}), store)
    table = get_catalog().get_table("sales", "orders")
    assert table is not None
    assert [k["Name"] for k in table["PartitionKeys"]] == ["day"]
    assert registered() == [(["2024-01-01"], LOCATION + D1 + "/"), (["2024-01-02"], LOCATION + D2 + "/")]
    assert result.crawl_needed is False


def test_columns_only_the_catalog_keeps_are_not_a_schema_change(store: Storage) -> None:
    # a crawler keeps a column that left the files (deprecated); that must not ask for a crawl every run
    create_table([("id", "bigint"), ("amount", "double"), ("_source_file", "string"), ("old_note", "string")])
    result = commit_run(stage_run(store, make_spec(crawler="on_schema_change"), "run-a", {D1: 2}), store)
    assert (result.schema_changed, result.crawl_needed) == (False, False)
