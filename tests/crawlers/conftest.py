"""Helpers for the crawler suites: a spec and Parquet files written into a temporary lake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crawlers.catalog import Catalog
from crawlers.glue_catalog import GlueCatalog
from crawlers.local_catalog import LocalCatalog
from orchestration.core import aws
from orchestration.core.spec import Spec, parse_spec

LOCATION = "s3://lake/sales/orders/"


def make_spec(**target: Any) -> Spec:
    return parse_spec({
        "name": "orders",
        "source": {"uri": "s3://raw/orders/", "format": "csv"},
        "columns": [{"name": "order_id", "type": "bigint"}, {"name": "qty", "type": "int"},
                    {"name": "amount", "type": "decimal(12,2)", "description": "order total"},
                    {"name": "ordered_at", "type": "timestamp"}],
        "derive": {"order_date": "CAST(ordered_at AS DATE)"},
        "target": {"database": "sales", "table": "orders", "location": LOCATION,
                   "partition_by": ["order_date"], **target},
    })


def write(lake: Path, relative: str, table: pa.Table, location: str = LOCATION) -> Path:
    """Write ``table`` to ``<lake>/<bucket>/<key>/<relative>``."""
    bucket, _, key = location[len("s3://"):].partition("/")
    path = lake / bucket / key / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def orders(ids: list[int], qty_type: pa.DataType | None = None, **extra: list[Any]) -> pa.Table:
    cols: dict[str, Any] = {
        "order_id": pa.array(ids, pa.int64()),
        "qty": pa.array([i % 7 for i in ids], qty_type or pa.int32()),
        "amount": pa.array([f"{i}.50" for i in ids]).cast(pa.decimal128(12, 2)),
    }
    cols.update({k: pa.array(v) for k, v in extra.items()})
    return pa.table(cols)


@pytest.fixture()
def lake(tmp_path: Path) -> Path:
    d = tmp_path / "lake"
    d.mkdir()
    return d


@pytest.fixture(params=["local", "glue"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    """The same catalog behaviour against the local catalog and the Glue Data Catalog (moto over HTTP)."""
    if request.param == "local":
        yield LocalCatalog(tmp_path)
        return
    request.getfixturevalue("aws")
    aws.clear_cache()
    yield GlueCatalog()
