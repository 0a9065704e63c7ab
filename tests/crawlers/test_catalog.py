"""The catalog port: the same behaviour from the local catalog and from Glue (moto over HTTP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.catalog import Catalog, CatalogError
from crawlers.catalogs import get_catalog
from crawlers.glue_catalog import GlueCatalog
from crawlers.local_catalog import LocalCatalog
from crawlers.register import register_partitions
from crawlers.table import table_input_from_spec, table_to_input

from .conftest import make_spec


def test_tables_versions_and_partitions(catalog: Catalog) -> None:
    spec = make_spec()
    catalog.ensure_database("sales")
    catalog.ensure_database("sales")  # idempotent
    assert catalog.get_table("sales", "orders") is None
    catalog.create_table("sales", table_input_from_spec(spec))
    with pytest.raises(CatalogError):
        catalog.create_table("sales", table_input_from_spec(spec))
    assert catalog.list_databases() == ["sales"] and catalog.list_tables("sales") == ["orders"]
    t = catalog.require_table("sales", "orders")
    assert [c["Name"] for c in t["PartitionKeys"]] == ["order_date"]
    assert catalog.table_columns("sales", "orders")[:3] == [
        {"Name": "order_id", "Type": "bigint"}, {"Name": "qty", "Type": "int"},
        {"Name": "amount", "Type": "decimal(12,2)"}]

    new = table_to_input(t)
    new["StorageDescriptor"]["Columns"].append({"Name": "channel", "Type": "string"})
    catalog.update_table("sales", new)
    versions = catalog.get_table_versions("sales", "orders")
    assert len(versions) == 2
    assert "channel" in [c["Name"] for c in versions[0]["Table"]["StorageDescriptor"]["Columns"]]
    assert "channel" not in [c["Name"] for c in versions[1]["Table"]["StorageDescriptor"]["Columns"]]

    assert catalog.add_partitions("sales", "orders", ["order_date=2024-01-01", "order_date=2024-01-02"]) == 2
    assert catalog.add_partitions("sales", "orders", ["order_date=2024-01-02", "order_date=2024-01-03"]) == 1
    parts = sorted(catalog.get_partitions("sales", "orders"), key=lambda p: p["Values"])
    assert [p["Values"] for p in parts] == [["2024-01-01"], ["2024-01-02"], ["2024-01-03"]]
    assert parts[0]["StorageDescriptor"]["Location"] == "s3://lake/sales/orders/order_date=2024-01-01/"
    catalog.delete_partitions("sales", "orders", [["2024-01-01"]])
    assert len(catalog.get_partitions("sales", "orders")) == 2


def test_partitions_are_registered_directly_once(catalog: Catalog) -> None:
    spec = make_spec()
    assert register_partitions(catalog, spec, ["order_date=2024-01-01"]) == ["order_date=2024-01-01"]
    assert register_partitions(catalog, spec, ["order_date=2024-01-01"]) == []
    assert register_partitions(catalog, spec, ["order_date=2024-01-01", "order_date=2024-01-02"]) == \
        ["order_date=2024-01-02"]


def test_get_catalog_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path))
    assert isinstance(get_catalog(), LocalCatalog)
    monkeypatch.delenv("LOCKGATE_LAKE")
    assert isinstance(get_catalog(), GlueCatalog)
