"""Issue 3 end to end: plan -> process_batch x N -> dedupe x K -> commit over messy CSV, JSON Lines and Parquet
files, through the handlers' domain functions, on the local lake and on S3 (moto)."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lambdas.handlers.commit import commit
from lambdas.handlers.dedupe import dedupe
from lambdas.handlers.events import BatchEvent, CommitEvent, DedupeEvent, PlanEvent
from lambdas.handlers.plan import plan
from lambdas.handlers.process_batch import process
from orchestration.core.contracts import CommitResult, RunPaths
from orchestration.core.spec import Spec
from orchestration.core.storage import Storage

from .conftest import CONTROL

LOCATION = "s3://acme-lake/shop/orders/"
QUARANTINE = "s3://acme-lake/_quarantine/orders/"


def spec_for(fmt: str, *, dedupe: bool) -> Spec:
    return Spec.model_validate({
        "name": f"orders_{fmt}",
        "source": {"uri": f"s3://acme-raw/orders-{fmt}/", "format": fmt},
        "columns": [
            {"name": "order_id", "type": "bigint", "nullable": False},
            {"name": "amount", "type": "decimal(12,2)", "checks": ["amount >= 0"]},
            {"name": "currency", "type": "string", "allowed": ["EUR", "USD"]},
            {"name": "day", "type": "date"},
        ],
        "filter": "currency <> 'USD' OR amount < 1000",
        **({"dedupe": {"keys": ["order_id"], "order_by": "amount DESC"}} if dedupe else {}),
        "quality": {"max_reject_ratio": 0.5, "min_rows": 1},
        "target": {"database": "shop", "table": f"orders_{fmt}", "location": LOCATION + fmt + "/",
                   "partition_by": ["day"], "quarantine": QUARANTINE + fmt + "/"},
        "crawler": {"run": "never"},
    })


# Per file: 4 good rows (one filtered: USD 5000), then damaged rows with the rules they break.
CSV_FILES = {
    "a.csv": "order_id,amount,currency,day\n1,10.50,EUR,2024-01-01\n2,3.00,USD,2024-01-01\n"
             "3,5000,USD,2024-01-02\n4,7,EUR,2024-01-02\n",
    "b.csv": "order_id,amount,currency,day\n4,9,EUR,2024-01-02\n5,1.5,EUR,2024-01-03\n"
             "x,1,EUR,2024-01-03\n6,-2,GBP,2024-01-03\n7,1,EUR\n",
    "c.csv": "order_id,amount,currency,day\n,2,EUR,2024-01-01\n8,2,EUR,2024-01-01\n",
}
EXPECTED_CSV = {"rows_in": 11, "rejected": 4, "filtered": 1, "deduplicated": 1, "written": 5}
EXPECTED_RULES = {("cast:order_id",), ("check:amount >= 0", "allowed:currency"), ("parse",), ("not_null:order_id",)}


def jsonl(rows: list[object]) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"


JSONL_FILES = {
    "a.jsonl": jsonl([{"order_id": 1, "amount": 10.5, "currency": "EUR", "day": "2024-01-01"},
                      {"order_id": 2, "amount": "3.00", "currency": "USD", "day": "2024-01-01"},
                      {"order_id": 3, "amount": 5000, "currency": "USD", "day": "2024-01-02"},
                      "{not json", {"order_id": "x", "amount": 1, "currency": "EUR", "day": "2024-01-03"}]),
    "b.jsonl": jsonl([{"order_id": 4, "amount": 7, "currency": "EUR", "day": "2024-01-02"},
                      {"order_id": 5, "amount": 1.5, "currency": "GBP", "day": "2024-01-03"}]),
}
EXPECTED_JSONL = {"rows_in": 7, "rejected": 3, "filtered": 1, "deduplicated": 0, "written": 3}


def parquet(rows: list[tuple[object, ...]]) -> bytes:
    t = pa.table({"order_id": pa.array([r[0] for r in rows], pa.int64()),
                  "amount": pa.array([r[1] for r in rows], pa.string()),
                  "currency": pa.array([r[2] for r in rows], pa.string()),
                  "day": pa.array([r[3] for r in rows], pa.string())})
    buf = io.BytesIO()
    pq.write_table(t, buf)
    return buf.getvalue()


PARQUET_FILES = {
    "a.parquet": parquet([(1, "10.50", "EUR", "2024-01-01"), (2, "abc", "EUR", "2024-01-01")]),
    "b.parquet": parquet([(3, "1", "EUR", "2024-02-30"), (4, "2", "EUR", "2024-01-02"), (None, "2", "EUR", "2024-01-02"),
                           (5, " 3 ", "EUR", "2024-01-03")]),
}
EXPECTED_PARQUET = {"rows_in": 6, "rejected": 3, "filtered": 0, "deduplicated": 0, "written": 3}


def run_import(store: Storage, spec: Spec, files: dict[str, str | bytes], run_id: str) -> CommitResult:
    for name, body in files.items():
        store.write_bytes(f"{spec.source.uri}{name}", body.encode() if isinstance(body, str) else body)
    spec_uri = RunPaths.spec(CONTROL, spec.name)
    store.write_json(spec_uri, spec.canonical())
    planned = plan(PlanEvent.model_validate({
        "import": spec.name, "spec_uri": spec_uri, "execution": {"name": run_id, "start_time": "2024-01-04T00:00:00Z"},
        "input": {"engine": "lambda"}}), store, CONTROL)
    assert planned.route == "lambda", planned.reasons
    for b in range(planned.batches):
        process(BatchEvent(manifest_uri=planned.manifest_uri, batch=b), store)
    for k in range(planned.dedupe_buckets):
        dedupe(DedupeEvent(manifest_uri=planned.manifest_uri, bucket=k), store)
    return commit(CommitEvent(manifest_uri=planned.manifest_uri), store)


def read_dir(store: Storage, prefix: str) -> pa.Table:
    tables = [pq.read_table(io.BytesIO(store.read_bytes(o.uri))) for o in store.list(prefix) if o.uri.endswith(".parquet")]
    return pa.concat_tables(tables, promote_options="default") if tables else pa.table({})


@pytest.mark.parametrize(("fmt", "files", "expected", "dedupe"), [
    ("csv", CSV_FILES, EXPECTED_CSV, True),
    ("jsonl", JSONL_FILES, EXPECTED_JSONL, False),
    ("parquet", PARQUET_FILES, EXPECTED_PARQUET, False),
])
def test_import_end_to_end(store: Storage, monkeypatch: pytest.MonkeyPatch, fmt: str,
                           files: dict[str, str | bytes], expected: dict[str, int], dedupe: bool) -> None:
    # One object per batch, so the CSV run dedupes across batches through the shuffle and dedupe steps.
    monkeypatch.setenv("LOCKGATE_ROUTING", json.dumps({"throughput": {"max_objects_per_batch": 1}}))
    spec = spec_for(fmt, dedupe=dedupe)
    result = run_import(store, spec, files, "run-1")

    got = {"rows_in": result.rows_in, "rejected": result.rows_rejected, "filtered": result.rows_filtered,
           "deduplicated": result.rows_deduplicated, "written": result.rows_written}
    assert got == expected
    assert result.rows_in == result.rows_written + result.rows_rejected + result.rows_filtered + result.rows_deduplicated

    table = read_dir(store, spec.target.location)
    assert table.num_rows == result.rows_written
    assert {"_source_file", "_record", "_run_id", "_ingested_at"} <= set(table.column_names)
    assert result.partitions == len({o.uri[len(spec.target.location):].split("/")[0]
                                     for o in store.list(spec.target.location) if "/_lockgate/" not in o.uri})
    assert store.list(RunPaths(CONTROL, spec.name, "run-1").staging) == []

    quarantine = read_dir(store, f"{spec.target.quarantine_uri}run_id=run-1/")
    assert quarantine.num_rows == result.rows_rejected
    assert result.quarantine_uri == f"{spec.target.quarantine_uri}run_id=run-1/"
    errors = [tuple(e) for e in quarantine.column("_errors").to_pylist()]
    assert all(errors), "every quarantined row names the rules it broke"
    if fmt == "csv":
        assert {tuple(r.split(":")[0] if r.startswith("parse:") else r for r in e) for e in errors} == EXPECTED_RULES
        kept = dict(zip(table.column("order_id").to_pylist(), table.column("amount").to_pylist(), strict=True))
        assert sorted(kept) == [1, 2, 4, 5, 8]
        assert str(kept[4]) == "9.00"  # dedupe across batches kept the larger amount
