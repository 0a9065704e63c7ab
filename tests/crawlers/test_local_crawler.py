"""The local crawler on evolving data: new partition, new column, widened type, removed column."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawlers.footers import read_footer
from crawlers.local import crawl
from crawlers.local_catalog import LocalCatalog
from crawlers.schema import DEPRECATED
from crawlers.settings import crawler_settings
from crawlers.table import PARQUET_INPUT_FORMAT, PARQUET_SERDE

from .conftest import make_spec, orders, write


def _columns(table: dict) -> dict[str, str]:
    return {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}


def test_crawl_follows_an_evolving_table(lake: Path) -> None:
    settings = crawler_settings(make_spec())
    cat = LocalCatalog(lake)
    write(lake, "order_date=2024-01-01/part-0.parquet", orders([1, 2]))
    write(lake, "_lockgate_runs/run-1.parquet", orders([99], extra_col=["x"]))  # excluded run record
    (lake / "lake/sales/orders/order_date=2024-01-01/_SUCCESS").write_text("")

    first = crawl(lake, settings)
    assert (first.tables_created, first.partitions_added) == (1, ["order_date=2024-01-01"])
    assert "_lockgate_runs/run-1.parquet" in first.skipped and first.files_read == 1
    t = cat.require_table("sales", "orders")
    assert _columns(t) == {"order_id": "bigint", "qty": "int", "amount": "decimal(12,2)"}
    assert t["PartitionKeys"] == [{"Name": "order_date", "Type": "date"}]
    assert t["Parameters"]["classification"] == "parquet"
    assert t["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == PARQUET_SERDE
    assert t["StorageDescriptor"]["InputFormat"] == PARQUET_INPUT_FORMAT
    assert next(c for c in t["StorageDescriptor"]["Columns"] if c["Name"] == "amount")["Comment"] == "order total"

    # new partition with a new column
    write(lake, "order_date=2024-01-02/part-0.parquet", orders([3], channel=["web"]))
    second = crawl(lake, settings)
    assert second.partitions_added == ["order_date=2024-01-02"]
    assert second.columns_added == ["channel"] and second.tables_updated == 1

    # widened type in a new partition: int -> bigint
    write(lake, "order_date=2024-01-03/part-0.parquet", orders([4], qty_type=pa.int64()))
    third = crawl(lake, settings)
    assert [(c.name, c.old, c.new, c.widening) for c in third.columns_retyped] == [("qty", "int", "bigint", True)]
    assert _columns(cat.require_table("sales", "orders"))["qty"] == "bigint"

    # the column disappears from every file: deprecated, not deleted
    write(lake, "order_date=2024-01-02/part-0.parquet", orders([3], qty_type=pa.int64()))
    fourth = crawl(lake, settings)
    assert fourth.columns_removed == ["channel"]
    channel = next(c for c in cat.require_table("sales", "orders")["StorageDescriptor"]["Columns"]
                   if c["Name"] == "channel")
    assert channel["Parameters"][DEPRECATED] == "true"

    versions = cat.get_table_versions("sales", "orders")
    assert [v["VersionId"] for v in versions] == ["4", "3", "2", "1"]
    assert "channel" not in _columns(versions[-1]["Table"])
    parts = cat.get_partitions("sales", "orders")
    assert [p["Values"] for p in parts] == [["2024-01-01"], ["2024-01-02"], ["2024-01-03"]]
    assert parts[0]["StorageDescriptor"]["Location"] == "s3://lake/sales/orders/order_date=2024-01-01/"

    # nothing new: no version, no partition
    again = crawl(lake, settings)
    assert (again.tables_updated, again.partitions_added) == (0, [])
    assert len(cat.get_table_versions("sales", "orders")) == 4

    # a partition folder disappears (overwrite): its partition goes, the table stays
    shutil.rmtree(lake / "lake/sales/orders/order_date=2024-01-01")
    assert crawl(lake, settings).partitions_removed == ["order_date=2024-01-01"]
    shutil.rmtree(lake / "lake/sales/orders")
    emptied = crawl(lake, settings)
    assert emptied.partitions_removed == ["order_date=2024-01-02", "order_date=2024-01-03"]
    assert cat.get_partitions("sales", "orders") == [] and cat.get_table("sales", "orders") is not None


def test_append_mode_logs_schema_changes_instead_of_applying_them(lake: Path) -> None:
    settings = crawler_settings(make_spec(mode="append"))
    assert settings["schema_change_policy"] == {"update_behavior": "LOG", "delete_behavior": "LOG"}
    write(lake, "order_date=2024-01-01/a.parquet", orders([1]))
    crawl(lake, settings)
    write(lake, "order_date=2024-01-02/b.parquet", orders([2], channel=["app"]))
    summary = crawl(lake, settings)
    assert summary.changes_logged == ["column channel added"] and summary.tables_updated == 0
    assert summary.partitions_added == ["order_date=2024-01-02"]
    assert summary.files_read == 1  # new folders only: the first partition's footer is not read again
    assert "channel" not in _columns(LocalCatalog(lake).require_table("sales", "orders"))


def _corrupt_data_pages(path: Path) -> None:
    size = path.stat().st_size
    footer_len = int.from_bytes(path.read_bytes()[-8:-4], "little")
    with open(path, "r+b") as f:
        f.seek(4)
        f.write(b"\xff" * (size - footer_len - 8 - 4))


def test_crawler_reads_footers_only(lake: Path) -> None:
    big = orders(list(range(50_000)))
    path = write(lake, "order_date=2024-01-01/big.parquet", big)
    _corrupt_data_pages(path)
    with pytest.raises(Exception):  # noqa: B017 - any decoding error proves the pages are garbage
        pq.read_table(path)
    footer = read_footer(path)
    assert footer.num_rows == 50_000 and footer.bytes_read < os.path.getsize(path) / 20
    summary = crawl(lake, crawler_settings(make_spec()))
    assert summary.tables_created == 1 and summary.bytes_read == footer.bytes_read


def test_a_file_that_is_not_parquet_is_skipped_not_fatal(lake: Path) -> None:
    write(lake, "order_date=2024-01-01/a.parquet", orders([1]))
    junk = lake / "lake/sales/orders/order_date=2024-01-01/notes.txt"
    junk.write_text("hello, I am not parquet")
    summary = crawl(lake, crawler_settings(make_spec()))
    assert summary.files_read == 1 and "order_date=2024-01-01/notes.txt" in summary.skipped
