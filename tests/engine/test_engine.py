"""process_batch and dedupe_bucket end to end, on the local lake and on S3 (moto)."""

from __future__ import annotations

import bz2
import gzip
import json
import os
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from lambdas.engine import dedupe_bucket, process_batch
from orchestration.core.contracts import BatchResult
from orchestration.core.errors import LockgateError
from orchestration.core.storage import Storage

from .conftest import CONTROL, make_manifest, make_spec, parquet_bytes, read_parquet, rows

HEADER = "OrderID,customer_id,amount,currency,status,ordered_at\n"


def put(storage: Storage, files: dict[str, bytes]) -> list[str]:
    uris = []
    for name, data in files.items():
        uri = f"s3://raw/orders/{name}"
        storage.write_bytes(uri, data)
        uris.append(uri)
    return uris


def run(storage: Storage, spec: Any, files: dict[str, bytes], **kw: Any) -> tuple[BatchResult, Any, Any]:
    uris = put(storage, files)
    m = make_manifest(spec, storage, uris, **kw)
    result = process_batch(spec, m, 0, storage)
    return result, read_parquet(storage, m.paths.staging_data), read_parquet(storage, "s3://lake/_quarantine/orders/")


def accounted(r: BatchResult) -> bool:
    return r.rows_in == r.rows_written + r.rows_rejected + r.rows_filtered + r.rows_deduplicated


def test_csv_run_writes_partitioned_staging_and_quarantine(storage: Storage) -> None:
    csv = (HEADER
           + "1,10,12.505,EUR,paid,2024-01-01 10:00:00\n"
           + "2,11,-1,XXX,paid,2024-01-01 11:00:00\n"      # check and allowed fail
           + "3,12,5,USD,test,2024-01-02 09:00:00\n"       # filtered
           + "4,13,7,GBP,new,2024-01-02 10:30:00\n"
           + "x,14,abc,EUR,new,2024-02-30 10:00:00\n"      # three casts fail
           + ",15,1,EUR,new,2024-01-03 00:00:00\n"         # not_null
           + "6,16,2,EUR\n")                                # wrong field count
    spec = make_spec()
    r, out, q = run(storage, spec, {"a.csv.gz": gzip.compress(csv.encode())})
    assert (r.rows_in, r.rows_written, r.rows_rejected, r.rows_filtered) == (7, 2, 4, 1) and accounted(r)
    assert r.partitions == ["order_date=2024-01-01", "order_date=2024-01-02"]
    assert all(f.startswith(CONTROL + "staging/orders/run-1/data/order_date=") for f in r.files_written)
    assert [f.rsplit("/", 1)[1] for f in r.files_written] == ["batch-00000-00000.parquet"] * 2
    assert rows(out, "order_id", "amount", "currency", "_record", "order_date") == [
        (1, Decimal("12.51"), "EUR", 2, "2024-01-01"), (4, Decimal("7.00"), "GBP", 5, "2024-01-02")]
    first = out.filter(pa.compute.equal(out.column("order_id"), 1)).to_pylist()[0]
    assert first["_source_file"] == "s3://raw/orders/a.csv.gz" and first["_run_id"] == "run-1"
    assert first["_ingested_at"] == datetime(2024, 3, 1, 6, 30) and first["ordered_at"] == datetime(2024, 1, 1, 10)
    assert out.schema.field("_record").type == pa.int64() and out.schema.field("_ingested_at").type == pa.timestamp("us")
    assert out.column_names[:7] == ["order_id", "customer_id", "amount", "currency", "status", "ordered_at", "_source_file"]
    assert rows(q, "_record", "OrderID", "amount", "_errors") == [
        (3, "2", "-1", ["check:amount >= 0", "allowed:currency"]),
        (6, "x", "abc", ["cast:order_id", "cast:amount", "cast:ordered_at"]),
        (7, "", "1", ["not_null:order_id"]),  # the original text, as read
        (8, "6", "2", ["parse:field count 4, expected 6"]),
    ]
    assert set(q.column("_run_id").to_pylist()) == {"run-1"}
    saved = storage.read_json(f"{CONTROL}runs/orders/run-1/results/batch-00000.json")
    assert BatchResult.model_validate(saved) == r


def _records() -> list[dict[str, Any]]:
    return [
        {"OrderID": 1, "customer_id": 10, "amount": "1.50", "currency": "EUR", "status": "paid", "ordered_at": "2024-01-01 10:00:00"},
        {"OrderID": 2, "customer_id": 11, "amount": "-3", "currency": "EUR", "status": "paid", "ordered_at": "2024-01-01 11:00:00"},
        {"OrderID": 3, "customer_id": 12, "amount": "2.25", "currency": "USD", "status": "test", "ordered_at": "2024-01-02 10:00:00"},
        {"OrderID": 4, "customer_id": None, "amount": "9", "currency": "GBP", "status": "new", "ordered_at": "2024-01-02 12:00:00"},
        {"OrderID": 5, "customer_id": 14, "amount": "0.005", "currency": "USD", "status": "new", "ordered_at": "2024-01-03 08:00:00"},
        {"OrderID": 6, "customer_id": 15, "amount": "7", "currency": "JPY", "status": "new", "ordered_at": "nope"},
    ]


def _csv(recs: list[dict[str, Any]], extra: str = "") -> bytes:
    lines = [HEADER.strip()]
    for rec in recs:
        lines.append(",".join("" if v is None else str(v) for v in rec.values()))
    return ("\n".join(lines) + "\n" + extra).encode()


def _jsonl(recs: list[dict[str, Any]], extra: str = "") -> bytes:
    out = []
    for rec in recs:
        r = dict(rec)
        r["amount"] = json.loads(r["amount"]) if r["amount"] not in ("0.005",) else r["amount"]  # numbers and strings
        out.append(json.dumps(r))
    return ("\n".join(out) + "\n" + extra).encode()


def _parquet(recs: list[dict[str, Any]]) -> bytes:
    t = pa.table({
        "OrderID": pa.array([r["OrderID"] for r in recs], pa.int64()),  # already bigint: taken as is
        "customer_id": pa.array([r["customer_id"] for r in recs], pa.int32()),  # int32 for bigint: cast as text
        "amount": pa.array([r["amount"] for r in recs], pa.string()),
        "currency": pa.array([r["currency"] for r in recs]),
        "status": pa.array([r["status"] for r in recs]),
        "ordered_at": pa.array([r["ordered_at"] for r in recs]),
        "unused": pa.array([1.5] * len(recs)),
    })
    return parquet_bytes(t)


def test_csv_jsonl_parquet_runs_agree_and_add_up(storage: Storage) -> None:
    """The same orders delivered as several CSV, JSON Lines and Parquet objects (plain, gzip, zstd,
    bz2), with malformed rows: every run's counts add up and the valid rows are identical."""
    import pyarrow as pa_
    import pyarrow.parquet as pq  # noqa: F401 - registers the codecs

    recs = _records()
    zstd = pa_.Codec("zstd")
    csv_files = {
        "1.csv": _csv(recs[:3]),
        "2.csv.gz": gzip.compress(_csv(recs[3:], extra="7,1,1,EUR\n")),   # wrong field count
        "3.csv.zst": zstd.compress(_csv(recs[:1])).to_pybytes(),            # detected by magic bytes
    }
    jsonl_files = {
        "1.jsonl": _jsonl(recs[:3], extra="\n[1, 2]\n"),                   # blank line, not an object
        "2.jsonl.bz2": bz2.compress(_jsonl(recs[3:], extra="{broken\n")),
        "3.jsonl": _jsonl(recs[:1]),
    }
    parquet_files = {"1.parquet": _parquet(recs[:3]), "2.parquet": _parquet(recs[3:]), "3.parquet": _parquet(recs[:1])}
    outputs = {}
    for fmt, files in (("csv", csv_files), ("jsonl", jsonl_files), ("parquet", parquet_files)):
        source = {"uri": "s3://raw/orders/", "format": fmt, "compression": "auto"}
        if fmt == "csv":
            source["csv"] = {"null_values": [""]}
        spec = make_spec(source=source)
        uris = put(storage, {f"{fmt}/{k}": v for k, v in files.items()})
        m = make_manifest(spec, storage, uris, run_id=f"run-{fmt}")
        r = process_batch(spec, m, 0, storage)
        assert accounted(r), r
        out = read_parquet(storage, m.paths.staging_data)
        outputs[fmt] = rows(out, "order_id", "customer_id", "amount", "currency", "status", "ordered_at", "order_date")
        parse_errors = 1 if fmt == "csv" else (2 if fmt == "jsonl" else 0)
        assert r.rows_in == 7 + parse_errors
        assert (r.rows_written, r.rows_filtered, r.rows_rejected) == (3, 1, 3 + parse_errors), (fmt, r)
        if fmt == "parquet":
            assert r.extra_columns == {u: ["unused"] for u in uris}
    assert outputs["csv"] == outputs["jsonl"] == outputs["parquet"]
    assert sorted((o[0], o[2]) for o in outputs["csv"]) == [(1, Decimal("1.50")), (1, Decimal("1.50")), (5, Decimal("0.01"))]
    q = read_parquet(storage, "s3://lake/_quarantine/orders/")
    errors = sorted(tuple(e) for e in q.column("_errors").to_pylist())
    assert errors.count(("parse:not a JSON object",)) == 2 and ("parse:field count 4, expected 6",) in errors
    assert errors.count(("not_null:customer_id",)) == 3
    assert errors.count(("allowed:currency", "cast:ordered_at")) == 3
    assert errors.count(("check:amount >= 0",)) == 3


DEDUPE = {"keys": ["customer_id"], "order_by": "amount DESC"}


def _dedupe_files() -> dict[str, bytes]:
    rows_ = []
    for i in range(40):
        cust = "" if i % 9 == 0 else str(i % 7)          # NULL keys group together
        amount = "" if i % 11 == 0 else str((i * 37) % 13)  # NULL amounts sort last for DESC
        day = 1 + i % 3
        rows_.append(f"{i},{cust},{amount},EUR,paid,2024-01-0{day} 0{i % 10}:00:00")
    files = {}
    for f in range(4):
        files[f"d{f}.csv"] = (HEADER + "\n".join(rows_[f::4]) + "\n").encode()
    return files


def test_dedupe_is_the_same_for_one_batch_or_many(storage: Storage) -> None:
    spec = make_spec(dedupe=DEDUPE, filter=None,
                     columns=[*make_spec().columns[:1],
                              {"name": "customer_id", "type": "bigint"}, *make_spec().columns[2:]])
    spec = make_spec(dedupe=DEDUPE, filter=None, columns=[c.model_dump() for c in spec.columns])
    uris = put(storage, _dedupe_files())
    one = make_manifest(spec, storage, uris, run_id="one")
    r1 = process_batch(spec, one, 0, storage)
    assert accounted(r1) and r1.rows_deduplicated > 0
    many = make_manifest(spec, storage, uris, batches=[[0], [1], [2], [3]], buckets=3, run_id="many")
    results = [process_batch(spec, many, i, storage) for i in range(4)]
    assert all(r.rows_written == 0 and r.files_written == [] for r in results)
    assert storage.list(many.paths.shuffle_bucket(0))
    results += [dedupe_bucket(spec, many, b, storage) for b in range(3)]
    total = {k: sum(getattr(r, k) for r in results) for k in ("rows_in", "rows_written", "rows_rejected",
                                                             "rows_filtered", "rows_deduplicated")}
    assert total == {k: getattr(r1, k) for k in total}
    cols = ("order_id", "customer_id", "amount", "_source_file", "_record", "order_date")
    a = rows(read_parquet(storage, one.paths.staging_data), *cols)
    b = rows(read_parquet(storage, many.paths.staging_data), *cols)
    assert a == b and len(a) == 8  # 7 customers + the NULL group
    kept = {r[1]: r[2] for r in a}
    assert kept[None] is not None and kept[1] == Decimal("11.00")  # highest amount wins, NULL last
    assert storage.exists(many.paths.dedupe_result(2))


def test_many_batches_need_dedupe_buckets(storage: Storage) -> None:
    spec = make_spec(dedupe=DEDUPE)
    uris = put(storage, _dedupe_files())
    m = make_manifest(spec, storage, uris, batches=[[0, 1], [2, 3]], buckets=0)
    with pytest.raises(LockgateError, match="dedupe_buckets"):
        process_batch(spec, m, 0, storage)


def test_retry_overwrites_instead_of_doubling(storage: Storage) -> None:
    spec = make_spec()
    uris = put(storage, {"a.csv": _csv(_records())})
    m = make_manifest(spec, storage, uris)
    first = process_batch(spec, m, 0, storage)
    second = process_batch(spec, m, 0, storage)
    assert first.files_written == second.files_written
    assert read_parquet(storage, m.paths.staging_data).num_rows == first.rows_written == second.rows_written
    assert [o.uri for o in storage.list(m.paths.staging_data)] == sorted(first.files_written)


def test_arrow_hook_runs_after_the_filter(storage: Storage) -> None:
    spec = make_spec(hooks={"arrow": "tests.engine.hooks:drop_eur"})
    r, out, _ = run(storage, spec, {"a.csv": _csv(_records())})
    assert set(out.column("currency").to_pylist()) == {"USD"} and "eur_dropped" in out.column_names
    assert out.column_names[-5:-1] == ["_source_file", "_record", "_run_id", "_ingested_at"]  # then the partition
    assert accounted(r) and r.rows_filtered == 2  # one by the filter, one by the hook


def test_arrow_hook_may_not_add_rows(storage: Storage) -> None:
    spec = make_spec(hooks={"arrow": "tests.engine.hooks:double"})
    with pytest.raises(LockgateError, match="added rows"):
        run(storage, spec, {"a.csv": _csv(_records())})


def test_large_input_rolls_files_and_keeps_order(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    from lambdas.engine import batch

    monkeypatch.setattr(batch.Settings, "block_bytes", 4096)
    monkeypatch.setenv("LOCKGATE_MAX_FILE_ROWS", "1000")
    monkeypatch.setenv("LOCKGATE_ROW_GROUP_ROWS", "300")
    lines = [f"{i},{i},{i % 100}.5,EUR,paid,2024-01-0{1 + i % 2} 10:00:00" for i in range(3000)]
    r, out, _ = run(storage, make_spec(), {"big.csv": (HEADER + "\n".join(lines) + "\n").encode()})
    assert r.rows_written == 3000 and accounted(r)
    assert len(r.files_written) > 2 and all(f.endswith(".parquet") for f in r.files_written)
    assert sorted(out.column("_record").to_pylist()) == list(range(2, 3002))
    ids = dict(zip(out.column("order_id").to_pylist(), out.column("_record").to_pylist(), strict=True))
    assert all(ids[i] == i + 2 for i in range(3000))


def test_derive_and_filter_in_spark_sql(storage: Storage) -> None:
    """Spark SQL (lambdas, datetime functions, later derives reading earlier ones) runs in DuckDB."""
    derive = {
        "order_date": "CAST(ordered_at AS DATE)",
        "doubled": "transform(array(order_id, customer_id), x -> x * 2)",
        "hour": "hour(ordered_at)",
        "month": "date_format(ordered_at, 'yyyy-MM')",
        "label": "concat(currency, '-', cast(hour AS STRING))",
    }
    spec = make_spec(derive=derive, filter="hour >= 10 AND size(doubled) = 2")
    csv = HEADER + "1,10,5,EUR,paid,2024-01-01 10:00:00\n2,11,5,USD,paid,2024-01-01 09:59:59\n"
    r, out, _ = run(storage, spec, {"a.csv": csv.encode()})
    assert (r.rows_written, r.rows_filtered) == (1, 1)
    assert rows(out, "order_id", "doubled", "hour", "month", "label") == [(1, [2, 20], 10, "2024-01", "EUR-10")]


def test_engine_runs_without_numpy_and_pandas(tmp_path: Any) -> None:
    """The Lambda package carries pyarrow and DuckDB but neither numpy nor pandas."""
    import subprocess
    import sys

    code = f"""
import sys
sys.modules['numpy'] = None
sys.modules['pandas'] = None
from tests.engine.conftest import make_manifest, make_spec
from orchestration.core.storage import LocalLake
from lambdas.engine import process_batch
lake = LocalLake({str(tmp_path)!r})
csv = 'OrderID,customer_id,amount,currency,status,ordered_at\\n1,10,5,EUR,paid,2024-01-01 10:00:00\\n\\n2,11,5,EUR,"a\\nb",2024-01-01 10:00:00\\n'
lake.write_bytes('s3://raw/orders/a.csv', csv.encode())
spec = make_spec()
r = process_batch(spec, make_manifest(spec, lake, ['s3://raw/orders/a.csv']), 0, lake)
assert r.rows_written == 2, r
assert 'numpy' not in [m for m in sys.modules if sys.modules[m] is not None]
print('ok')
"""
    from tests.conftest import ROOT

    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-3000:]


def test_engine_never_imports_pandas_where_it_is_installed(tmp_path: Any) -> None:
    """pyarrow imports pandas (0.5-1.5 s) the first time it converts a Python object where pandas is
    installed, as it is on a developer's machine: a run must build every Arrow value another way."""
    import subprocess
    import sys

    code = f"""
import importlib.util, sys
assert importlib.util.find_spec('pandas') is not None, 'pandas is not installed here'
from tests.engine.conftest import make_manifest, make_spec
from orchestration.core.storage import LocalLake
from lambdas.engine import process_batch
lake = LocalLake({str(tmp_path)!r})
rows = ''.join(f'{{i}},10,5,EUR,paid,2024-01-01 10:00:00\\n' for i in range(1, 2001))
csv = 'OrderID,customer_id,amount,currency,status,ordered_at\\n' + rows + '0,x,5,EUR,paid,2024-01-01 10:00:00\\n'
lake.write_bytes('s3://raw/orders/a.csv', csv.encode())
spec = make_spec()
r = process_batch(spec, make_manifest(spec, lake, ['s3://raw/orders/a.csv']), 0, lake)
assert (r.rows_written, r.rows_rejected) == (2000, 1), r
assert 'pandas' not in sys.modules, 'the run imported pandas'
print('ok')
"""
    from tests.conftest import ROOT

    env = dict(os.environ, LOCKGATE_BLOCK_BYTES="4096")  # many blocks: record numbers that start past line 2
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-3000:]


@pytest.mark.parametrize("workers", [2, 4])
def test_parallel_chunk_workers_write_what_one_writes(storage: Storage, monkeypatch: pytest.MonkeyPatch,
                                                      workers: int) -> None:
    """Chunks validated on several threads give byte-identical files: same rows, same order, the same
    quarantine (failed rows collected across chunks), whichever thread finished first."""
    from lambdas.engine import batch

    monkeypatch.setattr(batch.Settings, "block_bytes", 2048)
    lines = []
    for i in range(2500):
        bad = i % 97 == 5
        lines.append(f"{'x' if bad else i},{i},{i % 100}.5,{'EUR' if i % 3 else 'USD'},"
                     f"{'test' if i % 11 == 0 else 'paid'},2024-01-0{1 + i % 3} 10:00:00")
    files = {"a.csv": (HEADER + "\n".join(lines) + "\n").encode(), "a2-empty.csv": HEADER.encode(),
             "b.csv.gz": gzip.compress((HEADER + "\n".join(lines[:700]) + "\n6,16,2,EUR\n").encode())}
    uris = put(storage, files)
    from lambdas.engine import pipeline

    sessions: list[int] = []
    close = pipeline.Pipeline.close

    def counted(self: pipeline.Pipeline) -> None:
        sessions.append(len(self._sessions))
        close(self)

    monkeypatch.setattr(pipeline.Pipeline, "close", counted)
    outputs = []
    for n in (1, workers):
        monkeypatch.setattr(batch.Settings, "workers", n)
        m = make_manifest(spec := make_spec(), storage, uris)
        result = process_batch(spec, m, 0, storage)
        data = {f: storage.read_bytes(f) for f in result.files_written}
        quarantine = read_parquet(storage, "s3://lake/_quarantine/orders/")
        outputs.append((result.model_dump(exclude={"duration_s"}), data,
                        rows(quarantine, "_source_file", "_record", "_errors")))
    assert outputs[0][0]["rows_rejected"] > 20 and outputs[0][0]["rows_filtered"] > 100 and len(outputs[0][1]) == 3
    assert outputs[1] == outputs[0]
    # One connection per worker thread for the whole batch (the threads outlive each object), plus the main one.
    assert sessions == [1, workers + 1]


def test_next_object_is_read_while_the_last_chunks_of_one_are_validated(storage: Storage,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """One pipeline spans the batch's objects: the reader opens the next object before this one's last
    chunk is completed, so a batch of many small objects does not wait for the reader at every object."""
    from lambdas.engine import batch, pipeline

    monkeypatch.setattr(batch.Settings, "block_bytes", 2048)
    monkeypatch.setattr(batch.Settings, "workers", 4)
    body = HEADER + "".join(f"{i},{i},1.5,EUR,paid,2024-01-01 10:00:00\n" for i in range(400))
    uris = put(storage, {"a.csv": body.encode(), "b.csv": body.encode()})
    events: list[tuple[str, str]] = []
    open_reader, complete = batch.open_reader, pipeline.Pipeline.complete

    def opened(spec: Any, store: Storage, uri: str, *args: Any) -> Any:
        events.append(("open", uri.rsplit("/", 1)[1]))
        return open_reader(spec, store, uri, *args)

    def completed(self: pipeline.Pipeline, chunk: Any, out: Any, layout: Any, uri: str) -> Any:
        events.append(("complete", uri.rsplit("/", 1)[1]))
        return complete(self, chunk, out, layout, uri)

    monkeypatch.setattr(batch, "open_reader", opened)
    monkeypatch.setattr(pipeline.Pipeline, "complete", completed)
    result = process_batch(spec := make_spec(), make_manifest(spec, storage, uris), 0, storage)
    assert result.rows_written == 800
    a_chunks = [i for i, e in enumerate(events) if e == ("complete", "a.csv")]
    assert len(a_chunks) > 4, events
    assert events.index(("open", "b.csv")) < a_chunks[-1], events


@pytest.mark.parametrize("name", ["a.csv", "a.csv.gz", "a.jsonl", "a.parquet"])
def test_an_object_changed_after_plan_fails_the_batch_naming_it(storage: Storage, name: str) -> None:
    """A producer appends to (or rewrites) an object between plan and read: the batch fails naming the
    object and both sizes, before anything is published. The Glue job reads only the planned bytes, so
    reading on would give the two routes different rows (tests/glue/test_engine.py holds the Glue side)."""
    recs = _records()
    fmt = name.split(".")[1]
    encode = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet}[fmt]

    def body(n: int) -> bytes:
        data = encode(recs[:n])
        return gzip.compress(data) if name.endswith(".gz") else data

    source: dict[str, Any] = {"uri": "s3://raw/orders/", "format": fmt, "compression": "auto"}
    if fmt == "csv":
        source["csv"] = {"null_values": [""]}
    spec = make_spec(source=source)
    uri = put(storage, {name: body(2)})[0]
    m = make_manifest(spec, storage, [uri])
    assert process_batch(spec, m, 0, storage).rows_in == 2  # unchanged: the check passes
    storage.write_bytes(uri, body(len(recs)))  # the producer adds rows after the plan
    with pytest.raises(LockgateError, match="changed after the run was planned") as e:
        process_batch(spec, m, 0, storage)
    assert uri in str(e.value) and f"plan saw {m.objects[0].size} bytes" in str(e.value)
    assert f"found {storage.stat(uri).size}" in str(e.value)


@pytest.mark.parametrize("name", ["a.csv", "a.jsonl", "a.parquet"])
def test_an_object_rewritten_to_the_same_size_after_plan_fails_the_batch(storage: Storage, name: str) -> None:
    """A corrected export of exactly the same size (one currency code changed) written over the object
    after plan: its version (S3's ETag, the local file's inode and time) is not the planned one. A Parquet
    object's version is asked of the store once its rows are read (Arrow's reader gives none)."""
    fmt = name.split(".")[1]
    data = {"csv": _csv, "jsonl": _jsonl, "parquet": _parquet}[fmt](_records())
    source: dict[str, Any] = {"uri": "s3://raw/orders/", "format": fmt, "compression": "auto"}
    if fmt == "csv":
        source["csv"] = {"null_values": [""]}
    spec = make_spec(source=source)
    uri = put(storage, {name: data})[0]
    m = make_manifest(spec, storage, [uri])
    assert m.objects[0].version is not None and process_batch(spec, m, 0, storage).rows_in == 6
    fixed = data.replace(b"JPY", b"EUR")  # Parquet: the dictionary page holds the code as plain bytes
    assert fixed != data and len(fixed) == len(data)
    storage.write_bytes(uri, fixed)
    with pytest.raises(LockgateError, match="changed after the run was planned: plan saw version") as e:
        process_batch(spec, m, 0, storage)
    assert uri in str(e.value) and str(storage.stat(uri).version) in str(e.value)


def test_blank_lines_before_the_header_are_skipped_however_many(storage: Storage) -> None:
    """Blank lines before the header are skipped, as the Glue engine skips them (the parity corpus holds
    both to it). An object whose first 64 KB (the header's first read) were blank was taken for an empty
    one, and every row after them was dropped without a word."""
    source: dict[str, Any] = {"uri": "s3://raw/orders/", "format": "csv", "compression": "auto",
                              "csv": {"null_values": [""]}}
    spec = make_spec(source=source)
    counts = []
    records = []
    for i, blank in enumerate((b"", b"\n" * 3, b"\n" * 70_000, b"\r\n" * 40_000, b"\r" * 70_000)):
        uri = put(storage, {f"blank-{i}.csv": blank + _csv(_records())})[0]
        m = make_manifest(spec, storage, [uri], run_id=f"run-{i}")
        r = process_batch(spec, m, 0, storage)
        counts.append((r.rows_in, r.rows_written, r.rows_rejected, r.rows_filtered))
        lines = blank.count(b"\n") + blank.count(b"\r") - blank.count(b"\r\n")
        records.append([n - lines for n in read_parquet(storage, m.paths.staging_data).column("_record").to_pylist()])
    assert len(set(counts)) == 1 and counts[0][0] == 6  # as without the blank lines
    assert all(r == records[0] for r in records) and records[0]  # numbered from the file's first line
