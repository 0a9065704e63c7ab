"""Engine fixtures: one ``storage`` fixture over both backends (the local lake and S3 through moto), and
helpers to build specs, manifests and read outputs."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from orchestration.core.contracts import Batch, Manifest, SourceObject
from orchestration.core.spec.models import Spec
from orchestration.core.storage import LocalLake, S3Storage, Storage

BUCKETS = ("raw", "lake", "control")
CONTROL = "s3://control/"


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Storage]:
    """The same behavioural tests run against the local lake and against S3 (moto over HTTP)."""
    if request.param == "local":
        yield LocalLake(tmp_path / "lake")
        return
    request.getfixturevalue("aws")
    from orchestration.core import aws

    s3 = aws.client("s3")
    for b in BUCKETS:
        s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": aws.region_name()})
    yield S3Storage()


def make_spec(**overrides: Any) -> Spec:
    """The orders spec used across engine tests; keyword arguments replace top-level fields."""
    base: dict[str, Any] = {
        "name": "orders",
        "source": {"uri": "s3://raw/orders/", "format": "csv", "compression": "auto",
                   "csv": {"null_values": ["", "NULL"]}},
        "columns": [
            {"name": "order_id", "type": "bigint", "nullable": False, "source": "OrderID"},
            {"name": "customer_id", "type": "bigint", "nullable": False},
            {"name": "amount", "type": "decimal(12,2)", "checks": ["amount >= 0"]},
            {"name": "currency", "type": "string", "allowed": ["EUR", "USD", "GBP"]},
            {"name": "status", "type": "string"},
            {"name": "ordered_at", "type": "timestamp", "format": "yyyy-MM-dd HH:mm:ss"},
        ],
        "derive": {"order_date": "CAST(ordered_at AS DATE)"},
        "filter": "status <> 'test'",
        "target": {"database": "sales", "table": "orders", "location": "s3://lake/orders/",
                   "partition_by": ["order_date"], "quarantine": "s3://lake/_quarantine/orders/"},
    }
    for k, v in overrides.items():
        if v is None:
            base.pop(k, None)
        else:
            base[k] = v
    if base["source"]["format"] != "csv":
        base["source"] = {k: v for k, v in base["source"].items() if k != "csv"}
    return Spec.model_validate(base)


def make_manifest(spec: Spec, storage: Storage, uris: Sequence[str], batches: Sequence[Sequence[int]] | None = None,
                  buckets: int = 0, run_id: str = "run-1") -> Manifest:
    objects = [SourceObject(uri=u, size=(info := storage.stat(u)).size, version=info.version) for u in uris]
    groups = batches if batches is not None else [list(range(len(uris)))]
    return Manifest(
        run_id=run_id, spec=spec.canonical(), window=None, started_at="2024-03-01T06:30:00Z", route="lambda",
        reasons=["test"], objects=objects,
        batches=[Batch(index=i, objects=list(g), bytes=sum(objects[j].size for j in g)) for i, g in enumerate(groups)],
        dedupe_buckets=buckets, control_uri=CONTROL, **{"import": spec.name},
    )


def read_parquet(storage: Storage, prefix: str) -> Any:
    """Every Parquet file under ``prefix`` as one table, with Hive partition columns restored as text."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for obj in storage.list(prefix, "*.parquet"):
        t = pq.read_table(io.BytesIO(storage.read_bytes(obj.uri)))
        rel = obj.uri[len(prefix.rstrip("/")) + 1:]
        for part in rel.split("/")[:-1]:
            k, _, v = part.partition("=")
            t = t.append_column(k, pa.array([v] * t.num_rows, pa.string()))
        tables.append(t)
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def rows(table: Any, *columns: str) -> list[tuple[Any, ...]]:
    """Sorted tuples of the given columns (all columns when none are given)."""
    if table is None:
        return []
    cols = list(columns) or table.column_names
    data = table.select(cols).to_pylist()
    return sorted((tuple(r[c] for c in cols) for r in data), key=repr)


def parquet_bytes(table: Any) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
