"""Building a finished engine step by hand: a manifest, staged Parquet files and BatchResults.

Commit only reads these shapes (docs/contracts.md), so its tests do not depend on the engines.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.core.contracts import Batch, BatchResult, Manifest
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import join_uri
from orchestration.core.storage import Storage

CONTROL = "s3://lockgate-control/"
LOCATION = "s3://acme-lake/sales/orders/"
SOURCE = "s3://acme-raw/orders/{date}/"
DAY = "2024-01-01"


def make_spec(
    *, mode: str = "replace_window", crawler: str = "always", max_reject_ratio: float = 0.5,
    min_rows: int = 0, partition_by: tuple[str, ...] = ("day",), extra_column: bool = False,
    source: str = SOURCE,
) -> Spec:
    columns: list[dict[str, Any]] = [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "double"}]
    if extra_column:
        columns.append({"name": "note", "type": "string"})
    columns.append({"name": "day", "type": "string"})
    return Spec.model_validate({
        "name": "orders",
        "source": {"uri": source, "format": "csv"},
        "columns": columns,
        "quality": {"max_reject_ratio": max_reject_ratio, "min_rows": min_rows},
        "target": {"database": "sales", "table": "orders", "location": LOCATION,
                   "partition_by": list(partition_by), "mode": mode},
        "crawler": {"run": crawler},
    })


def table(n: int, start: int = 0, *, extra_column: bool = False, source: str = f"s3://acme-raw/orders/{DAY}/x.csv") -> pa.Table:
    cols: dict[str, Any] = {"id": pa.array(range(start, start + n), pa.int64()),
                            "amount": pa.array([float(i) for i in range(n)], pa.float64())}
    if extra_column:
        cols["note"] = pa.array(["x"] * n, pa.string())
    cols["_source_file"] = pa.array([source] * n, pa.string())
    return pa.table(cols)


def parquet_bytes(t: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(t, buf)
    return buf.getvalue()


def stage_run(
    store: Storage, spec: Spec, run_id: str, rows: dict[str, int], *, rejected: int = 0, filtered: int = 0,
    lost: int = 0, files_per_partition: int = 1, extra_column: bool = False, route: str = "lambda",
    window: str = DAY,
) -> Manifest:
    """A run whose engine finished: one batch per partition in ``rows`` (``{"day=2024-01-01": 3}``), each
    writing ``files_per_partition`` files. ``lost`` rows are counted in but never accounted for. With
    ``route="glue"`` the same files are reported by one ``glue.json``. The run's window is the day
    ``window``; its rows are read from ``<source for that day>/x.csv``."""
    start = date.fromisoformat(window)
    source = spec.source.uri.format(date=window) + ("x.csv" if spec.source.uri.endswith("/") else "")
    manifest = Manifest.model_validate({
        "run_id": run_id, "import": spec.name, "spec": spec.canonical(),
        "window": {"start": f"{start}T00:00:00+00:00", "end": f"{start + timedelta(days=1)}T00:00:00+00:00"},
        "started_at": "2024-01-02T00:00:00Z", "route": route, "reasons": ["test"], "objects": [],
        "batches": [Batch(index=i, objects=[], bytes=0).model_dump() for i in range(len(rows))] if route == "lambda" else [],
        "control_uri": CONTROL,
    })
    paths = manifest.paths
    results = []
    for i, (part, n) in enumerate(rows.items()):
        files = []
        for f in range(files_per_partition):
            uri = join_uri(paths.staging_data, *([part] if part else []), f"batch-{i:05d}-{f}.parquet")
            store.write_bytes(uri, parquet_bytes(table(n, start=1000 * i + 100 * f, extra_column=extra_column,
                                                                   source=source)))
            files.append(uri)
        written = n * files_per_partition
        extra = (rejected + filtered + lost) if i == 0 else 0
        result = BatchResult.model_validate({
            "run_id": run_id, "import": spec.name, "engine": "lambda", "unit": f"batch-{i:05d}",
            "rows_in": written + extra, "rows_written": written,
            "rows_rejected": rejected if i == 0 else 0, "rows_filtered": filtered if i == 0 else 0,
            "files_written": files, "partitions": [part] if part else [], "bytes_in": 10,
        })
        results.append(result)
        if route == "lambda":
            store.write_json(paths.batch_result(i), result.model_dump(mode="json", by_alias=True))
    if route == "glue":
        glue = results[0].model_copy(update={
            "engine": "glue", "unit": "glue", "files_written": [f for r in results for f in r.files_written],
            **{k: sum(getattr(r, k) for r in results) for k in
               ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "bytes_in")}})
        store.write_json(paths.glue_result, glue.model_dump(mode="json", by_alias=True))
    store.write_json(paths.manifest, manifest.model_dump(mode="json", by_alias=True))
    return manifest


def listing(store: Storage, prefix: str = LOCATION) -> list[str]:
    """Object URIs under ``prefix``, relative to it."""
    return [o.uri[len(prefix):] for o in store.list(prefix)]


def partitions_of(store: Storage, manifest: Manifest) -> list[str]:
    """The partitions a committed run wrote (its ``partitions.json``)."""
    return list(store.read_json(manifest.paths.run_dir + "/partitions.json")["partitions"])
