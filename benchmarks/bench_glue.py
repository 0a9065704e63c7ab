"""The Glue route against a hand-written PySpark job, and one object over 2 GiB.

Ratios: the whole Glue route in-process (``plan_run``, the job's ``run_manifest``, ``commit_run``) against
what a careful engineer writes by hand (Spark's CSV reader with a typed schema, the same filter, the
same partitioned Parquet write), in the same local Spark session, alternating, best of ``REPEAT``.
Two datasets: wide numeric sensor data (19 columns, 17 numeric; ``WIDE_ROWS`` rows) and the orders data
(``ORDER_ROWS`` rows), each plain and gzip, in ``FILES`` objects; and the wide data as an export with
aligned columns writes it (``padded``, plain: every number after a space, ``1, 12.5``; the hand-written
job then reads with ``ignoreLeadingWhiteSpace``); and the wide data as JSON Lines (``jsonl``, ``JSONL_ROWS``
rows, plain; the hand-written job reads it with Spark's JSON reader and the typed schema); and the same
JSON Lines as many small gzip objects (``small``: ``SMALL_FILES`` objects of 200 rows, a week of half-hourly
exports as the demo's backfill reads; the cost there is per object and per task, not per byte); and the wide
data as many plain CSV objects each over a block (``days``: ``DAYS_FILES`` objects of ``DAYS_ROWS`` rows,
about 2.5 MB each, every row of an object of its own day, with a 1 MB block: scaled down from months of
daily exports of some 80 MB against the default 32 MB block; each object is read by Spark's line reader,
and the cost beyond the bytes is per object). Target: at most 1.5x.

Big object: one generated CSV of ``BIG_GB`` GB (default 2.5, over 2 GiB) in /tmp, run through
``glue_jobs/job.py`` in its own process with 512 MB of Spark driver memory (the object is ~5x that);
reports exact counts and the peak resident memory of the job's JVM and of its largest Python worker.
The file is deleted afterwards. ``LOCKGATE_BENCH_GLUE_BIG_GB=0`` skips it.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

WIDE_ROWS = int(os.environ.get("LOCKGATE_BENCH_GLUE_WIDE_ROWS", "2500000"))
ORDER_ROWS = int(os.environ.get("LOCKGATE_BENCH_GLUE_ORDER_ROWS", "1600000"))
JSONL_ROWS = int(os.environ.get("LOCKGATE_BENCH_GLUE_JSONL_ROWS", "1000000"))
BIG_GB = float(os.environ.get("LOCKGATE_BENCH_GLUE_BIG_GB", "2.5"))
FILES = 2
SMALL_FILES = int(os.environ.get("LOCKGATE_BENCH_GLUE_SMALL_FILES", "336"))
"""A week of half-hourly objects, as the demo's events backfill reads: the shape whose cost is per object."""
SMALL_ROWS = SMALL_FILES * 200
DAYS_FILES = int(os.environ.get("LOCKGATE_BENCH_GLUE_DAYS_FILES", "120"))
"""Four months of daily objects, each over the (scaled-down) block: read by lines, one scan for all."""
DAYS_ROWS = DAYS_FILES * 20_000
DAYS_BLOCK = 1 << 20
REPEAT = int(os.environ.get("LOCKGATE_BENCH_GLUE_REPEAT", "3"))
TARGET = 1.5
ROOT = Path(__file__).resolve().parents[1]

_TARGET = {"database": "bench", "location": "s3://lake/{name}/", "partition_by": ["day"]}
SENSORS = [f"s{i:02d}" for i in range(15)]
WIDE_SPEC: dict[str, Any] = {
    "name": "bench_wide",
    "source": {"uri": "s3://raw/wide/", "format": "csv"},
    "columns": [{"name": "device", "type": "string", "nullable": False}, {"name": "day", "type": "date"},
                {"name": "seq", "type": "bigint"}, {"name": "altitude", "type": "int"},
                *[{"name": s, "type": "double"} for s in SENSORS]],
    "filter": "altitude >= 0",
    "target": {**_TARGET, "table": "wide", "location": "s3://lake/wide/"},
}
ORDERS_SPEC: dict[str, Any] = {
    "name": "bench_orders",
    "source": {"uri": "s3://raw/orders/", "format": "csv"},
    "columns": [
        {"name": "order_id", "type": "bigint"}, {"name": "customer_id", "type": "int"},
        {"name": "amount", "type": "decimal(12,2)"}, {"name": "currency", "type": "string"},
        {"name": "status", "type": "string"}, {"name": "day", "type": "date"},
    ],
    "filter": "amount >= 0",
    "target": {**_TARGET, "table": "orders", "location": "s3://lake/orders/"},
}


def _wide_table(rows: int, seed: int) -> Any:
    import numpy as np
    import pyarrow as pa

    rnd = np.random.default_rng(seed)
    cols: dict[str, Any] = {
        "device": pa.array(np.char.add("dev-", rnd.integers(0, 500, rows).astype(str))),
        "day": pa.array(np.char.add("2024-03-", np.char.zfill(rnd.integers(1, 29, rows).astype(str), 2))),
        "seq": pa.array(np.arange(rows, dtype=np.int64) + seed * rows),
        "altitude": pa.array(rnd.integers(-50, 12000, rows)),
    }
    for s in SENSORS:
        cols[s] = pa.array(np.round(rnd.normal(100, 30, rows), 4))
    return pa.table(cols)


def _daily_table(rows: int, seed: int) -> Any:
    """The wide data as one day's export: every row of object ``seed`` is of day ``seed`` (from 2024-01-01)."""
    from datetime import date, timedelta

    import pyarrow as pa

    table = _wide_table(rows, seed)
    day = (date(2024, 1, 1) + timedelta(days=seed)).isoformat()
    return table.set_column(table.schema.get_field_index("day"), "day", pa.array([day] * rows))


def _padded_table(rows: int, seed: int) -> Any:
    """The wide data as an export with aligned columns writes it: a space before every number."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = _wide_table(rows, seed)
    for name in ["seq", "altitude", *SENSORS]:
        i = table.schema.get_field_index(name)
        table = table.set_column(i, name, pc.binary_join_element_wise(pa.scalar(""), pc.cast(table[name], pa.string()),
                                                                      " "))
    return table


def _orders_table(rows: int, seed: int) -> Any:
    import numpy as np
    import pyarrow as pa

    rnd = np.random.default_rng(seed)
    return pa.table({
        "order_id": pa.array(np.arange(rows, dtype=np.int64) + seed * rows),
        "customer_id": pa.array(rnd.integers(1, 5000, rows)),
        "amount": pa.array(np.char.mod("%.2f", rnd.uniform(-1, 500, rows))),
        "currency": pa.array(rnd.choice(["EUR", "USD", "GBP"], rows)),
        "status": pa.array(rnd.choice(["paid", "shipped"], rows)),
        "day": pa.array(np.char.add("2024-03-", np.char.zfill(rnd.integers(1, 29, rows).astype(str), 2))),
        "channel": pa.array(np.full(rows, "web")),
    })


def _write(lake: Path, prefix: str, table: Any, compress: bool, index: int, fmt: str = "csv") -> None:
    import pyarrow.csv as pacsv

    path = lake / prefix / (f"part-{index}.{fmt}" + (".gz" if compress else ""))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":  # numbers as JSON numbers, text as JSON strings, one object per line
        import duckdb

        con = duckdb.connect()
        con.register("t", table)
        con.execute(f"COPY t TO '{path}' (FORMAT json{', COMPRESSION gzip' if compress else ''})")
        con.close()
        return
    opts = pacsv.WriteOptions(quoting_style="none")
    if compress:
        with gzip.open(path, "wb", compresslevel=1) as f:
            pacsv.write_csv(table, f, opts)
    else:
        pacsv.write_csv(table, path, opts)


def _typed_schema(spec: dict[str, Any]) -> Any:
    from pyspark.sql.types import (
        BooleanType,
        DateType,
        DecimalType,
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    kinds = {"string": StringType(), "date": DateType(), "bigint": LongType(), "int": IntegerType(),
             "double": DoubleType(), "boolean": BooleanType(), "decimal(12,2)": DecimalType(12, 2)}
    fields = [StructField(c["name"], kinds[c["type"]]) for c in spec["columns"]]
    if spec["name"] == "bench_orders":
        fields.append(StructField("channel", StringType()))
    return StructType(fields)


def _handwritten(spark: Any, lake: Path, spec: dict[str, Any], prefix: str, out: Path, padded: bool = False) -> int:
    """What a careful engineer writes by hand: typed read, the filter, partitioned Parquet (for an export
    with aligned columns, the reader told to skip the spaces before values: Spark's integer parse fails
    on them; JSON Lines through Spark's JSON reader with the same typed schema)."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    if spec["source"]["format"] == "jsonl":
        df = spark.read.schema(_typed_schema(spec)).json(f"file://{lake}/{prefix}")
    else:
        reader = spark.read.option("header", True).schema(_typed_schema(spec))
        if padded:
            reader = reader.option("ignoreLeadingWhiteSpace", True)
        df = reader.csv(f"file://{lake}/{prefix}")
    names = [c["name"] for c in spec["columns"]]
    seen = Observation("seen")
    df = df.observe(seen, F.count(F.lit(1)).alias("n")).where(spec["filter"]).select(*names)
    df.withColumn("_ingested_at", F.current_timestamp()).write.mode("overwrite").partitionBy("day").parquet(
        f"file://{out}")
    return int(seen.get["n"])


def _route(spark: Any, lake: Path, spec_raw: dict[str, Any], prefix: str, run: int) -> Any:
    """plan -> Glue job -> commit, in-process, as the local runtime chains them."""
    from glue_jobs.engine import run_manifest
    from lambdas.commit import commit_run, load_manifest
    from orchestration.core.spec import Spec
    from orchestration.core.storage import LocalLake
    from orchestration.planning import plan_run

    spec = Spec.model_validate({**spec_raw, "source": {**spec_raw["source"], "uri": f"s3://{prefix}/"},
                                "routing": {"engine": "glue"}})
    storage = LocalLake(lake)
    plan = plan_run(spec, run_id=f"bench-{run}", started_at="2024-03-30T00:00:00+00:00", execution_input={},
                    control_uri="s3://lockgate-control/", storage=storage)
    manifest = load_manifest(plan.manifest_uri, storage)
    run_manifest(spark, manifest, staging_uri=plan.staging_uri, result_uri=plan.glue_result_uri, storage=storage)
    return commit_run(manifest, storage)


def _measure(spark: Any, tmp: Path, name: str, spec: dict[str, Any], rows: int, compress: bool) -> list[dict[str, Any]]:
    lake = tmp / "lake"
    prefix = f"raw/{name}-{'gz' if compress else 'plain'}"
    make = {"wide": _wide_table, "padded": _padded_table, "jsonl": _wide_table, "small": _wide_table,
            "days": _daily_table, "orders": _orders_table}[name]
    padded = name == "padded"
    files = {"small": SMALL_FILES, "days": DAYS_FILES}.get(name, FILES)
    for f in range(files):
        _write(lake, prefix, make(rows // files, f), compress, f, spec["source"]["format"])
    hand_out = tmp / "hand"
    if name == "days":
        from glue_jobs.engine.readers import BLOCK_SIZE_ENV

        os.environ[BLOCK_SIZE_ENV] = str(DAYS_BLOCK)
        try:
            return _compare(spark, lake, name, spec, prefix, hand_out, rows, files, compress, padded)
        finally:
            os.environ.pop(BLOCK_SIZE_ENV, None)
    return _compare(spark, lake, name, spec, prefix, hand_out, rows, files, compress, padded)


def _compare(spark: Any, lake: Path, name: str, spec: dict[str, Any], prefix: str, hand_out: Path, rows: int,
             files: int, compress: bool, padded: bool) -> list[dict[str, Any]]:
    assert _handwritten(spark, lake, spec, prefix, hand_out, padded) == rows // files * files  # warm-up
    first = _route(spark, lake, spec, prefix, 0)
    assert first.rows_in == rows // files * files
    # Both peers keep the same rows: a route that rejected what the hand-written job reads (or the other
    # way round) would be timed doing different work.
    hand_rows = spark.read.parquet(f"file://{hand_out}").count()
    assert (first.rows_written, first.rows_rejected) == (hand_rows, 0), (first, hand_rows)
    hand, ours = [], []
    for i in range(REPEAT):
        t = time.perf_counter()
        _handwritten(spark, lake, spec, prefix, hand_out, padded)
        hand.append(time.perf_counter() - t)
        t = time.perf_counter()
        _route(spark, lake, spec, prefix, i + 1)
        ours.append(time.perf_counter() - t)
    shutil.rmtree(lake / prefix, ignore_errors=True)
    ratio = min(ours) / min(hand)
    what = {"padded": "wide, numbers space-padded", "jsonl": "wide", "small": "wide", "days": "wide"}.get(name, name)
    kind = "JSON Lines" if spec["source"]["format"] == "jsonl" else "CSV"
    where = {"small": f" in {files} objects", "days": f" in {files} objects of a day each over a {DAYS_BLOCK >> 20} MB block"}.get(
        name, "")
    label = f"glue route, {what} {rows:,} rows{where}, {'gzip' if compress else 'plain'} {kind}"
    return [
        {"benchmark": label, "metric": "wall time vs hand-written PySpark (plan + job + commit)",
         "value": round(ratio, 2), "target": f"<= {TARGET}", "ok": ratio <= TARGET},
        {"benchmark": label, "metric": f"hand-written job, best of {REPEAT} (s)", "value": round(min(hand), 2),
         "target": "reference", "ok": True},
        {"benchmark": label, "metric": f"lockgate glue route, best of {REPEAT} (s)", "value": round(min(ours), 2),
         "target": "reference", "ok": True},
    ]


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = []
        for task in Path(f"/proc/{p}/task").glob("*"):  # the JVM starts workers from other threads
            try:
                kids += [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue
        out += kids
        todo += kids
    return out


def _peak_rss(pid: int, peaks: dict[str, int], stop: threading.Event) -> None:
    """Track the largest resident memory of the JVM and of any one Python worker under ``pid``."""
    while not stop.is_set():
        for p in _descendants(pid):
            try:
                status = Path(f"/proc/{p}/status").read_text()
                cmd = Path(f"/proc/{p}/cmdline").read_bytes()
            except OSError:
                continue
            rss = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
            kind = "jvm" if b"java" in cmd else "python_worker" if b"pyspark.daemon" in cmd or b"glue_jobs.pydaemon" in cmd else ""
            if kind:
                peaks[kind] = max(peaks.get(kind, 0), rss)
        stop.wait(0.5)


def _big_object(tmp: Path) -> list[dict[str, Any]]:
    """One CSV object of BIG_GB GB through the real job script, with 512 MB of Spark memory."""
    import pyarrow.csv as pacsv

    from orchestration.core.contracts import Batch, Manifest, SourceObject
    from orchestration.core.spec import Spec

    lake = tmp / "big-lake"
    path = lake / "raw" / "big" / "export.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    block = _wide_table(200_000, 7)
    import io

    buf = io.BytesIO()
    pacsv.write_csv(block, buf, pacsv.WriteOptions(quoting_style="none", include_header=False))
    body = buf.getvalue()
    header = (",".join(block.column_names) + "\n").encode()
    reps = int(BIG_GB * 1e9 // len(body)) + 1
    with open(path, "wb") as f:
        f.write(header)
        for _ in range(reps):
            f.write(body)
    size = path.stat().st_size
    rows = reps * block.num_rows
    spec = Spec.model_validate({**WIDE_SPEC, "source": {"uri": "s3://raw/big/", "format": "csv"}})
    manifest = Manifest(run_id="big-1", import_=spec.name, spec=spec.canonical(), window=None,
                        started_at="2024-03-30T00:00:00+00:00", route="glue", reasons=["benchmark"],
                        objects=[SourceObject(uri="s3://raw/big/export.csv", size=size)],
                        batches=[Batch(index=0, objects=[0], bytes=size)], control_uri="s3://lockgate-control/")
    p = manifest.paths
    mpath = lake / p.manifest.removeprefix("s3://")
    mpath.parent.mkdir(parents=True, exist_ok=True)
    mpath.write_text(manifest.model_dump_json(by_alias=True))
    env = {**os.environ, "LOCKGATE_LAKE": str(lake), "LOCKGATE_SPARK_MEMORY": "512m",
           "PYTHONPATH": str(ROOT), "PYSPARK_PYTHON": sys.executable}
    argv = [sys.executable, str(ROOT / "glue_jobs" / "job.py"), "--JOB_NAME", "bench-big", "--spec_uri", "s3://x/s",
            "--manifest_uri", p.manifest, "--run_id", "big-1", "--staging_uri", p.staging, "--result_uri", p.glue_result]
    peaks: dict[str, int] = {}
    stop = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watcher = threading.Thread(target=_peak_rss, args=(proc.pid, peaks, stop), daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    stop.set()
    watcher.join()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        text = out.decode(errors="replace")
        cause = next((line for line in text.splitlines() if "OutOfMemoryError" in line or "Error:" in line), "")
        raise RuntimeError(f"the big-object job failed ({cause}): {text[-3000:]}")
    result = json.loads((lake / p.glue_result.removeprefix("s3://")).read_text())
    exact = result["rows_in"] == rows and result["rows_written"] + result["rows_filtered"] + result["rows_rejected"] == rows
    label = f"glue job, one {size / 1e9:.2f} GB CSV object ({rows:,} rows), 512 MB Spark memory"
    return [
        {"benchmark": label, "metric": "rows_in exact and accounted (written + filtered + rejected)",
         "value": f"{result['rows_in']:,} in, {result['rows_written']:,} written", "target": f"== {rows:,}",
         "ok": exact},
        {"benchmark": label, "metric": "peak RSS of the JVM (MB)", "value": round(peaks.get("jvm", 0) / 1024),
         "target": "info", "ok": True},
        {"benchmark": label, "metric": "peak RSS of one Python worker (MB)",
         "value": round(peaks.get("python_worker", 0) / 1024), "target": "info", "ok": True},
        {"benchmark": label, "metric": "wall time (s)", "value": round(seconds, 1), "target": "info", "ok": True},
    ]


def run() -> list[dict[str, Any]]:
    from glue_jobs.engine.session import local_session

    tmp = Path(tempfile.mkdtemp(prefix="lockgate-bench-glue-"))
    saved = os.environ.get("LOCKGATE_LAKE")
    os.environ["LOCKGATE_LAKE"] = str(tmp / "lake")
    os.environ.setdefault("LOCKGATE_SPARK_MEMORY", "2g")
    rows: list[dict[str, Any]] = []
    try:
        only = os.environ.get("LOCKGATE_BENCH_GLUE_ONLY", "wide,padded,jsonl,small,days,orders,big").split(",")
        if {"wide", "padded", "jsonl", "small", "days", "orders"} & set(only):
            spark = local_session("lockgate-bench-glue", cores=2, shuffle_partitions=4)
            try:
                jsonl = {**WIDE_SPEC, "source": {**WIDE_SPEC["source"], "format": "jsonl"}}
                for name, spec, n in (("wide", WIDE_SPEC, WIDE_ROWS), ("padded", WIDE_SPEC, WIDE_ROWS),
                                      ("jsonl", jsonl, JSONL_ROWS), ("small", jsonl, SMALL_ROWS),
                                      ("days", WIDE_SPEC, DAYS_ROWS), ("orders", ORDERS_SPEC, ORDER_ROWS)):
                    if name in only:
                        compressions = {"padded": (False,), "jsonl": (False,), "small": (True,),
                                        "days": (False,)}.get(name, (False, True))
                        for compress in compressions:
                            rows += _measure(spark, tmp, name, spec, n, compress)
            finally:
                spark.stop()
        if "big" in only and BIG_GB > 0:
            rows += _big_object(tmp)
        return rows
    finally:
        if saved is None:
            os.environ.pop("LOCKGATE_LAKE", None)
        else:
            os.environ["LOCKGATE_LAKE"] = saved
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(row)
