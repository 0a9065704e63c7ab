"""A project with a local lake holding a crawled, partitioned orders table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawlers.local import crawl
from crawlers.settings import crawler_settings
from orchestration.config import Project

SPEC = """\
name: orders
source: {uri: "s3://raw/orders/", format: csv}
columns:
  - {name: order_id, type: bigint}
  - {name: qty, type: int}
  - {name: ordered_at, type: timestamp}
derive: {order_date: "CAST(ordered_at AS DATE)"}
target: {database: sales, table: orders, location: "s3://lake/sales/orders/", partition_by: [order_date]}
"""

DAYS = ["2024-01-01", "2024-01-02", "2024-01-03"]


def write_day(lake: Path, day: str, ids: list[int], qty_type: pa.DataType | None = None) -> Path:
    path = lake / "lake/sales/orders" / f"order_date={day}" / "part-0.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    moment = dt.datetime.fromisoformat(day)
    pq.write_table(pa.table({"order_id": pa.array(ids, pa.int64()),
                             "qty": pa.array([1] * len(ids), qty_type or pa.int32()),
                             "ordered_at": pa.array([moment] * len(ids), pa.timestamp("us"))}), path)
    return path


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    (tmp_path / "lockgate.yaml").write_text("imports: imports\nlocal: {lake: lake-dir}\n")
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports/orders.yaml").write_text(SPEC)
    p = Project.load(tmp_path)
    for i, day in enumerate(DAYS):
        write_day(p.lake, day, list(range(i * 10, i * 10 + i + 1)))  # 1, 2, 3 rows
    crawl(p.lake, crawler_settings(p.spec("orders")))
    return p
