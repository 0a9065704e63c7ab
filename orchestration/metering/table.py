"""The runs table: every run's record (``record.run_record``) as one Parquet file, catalogued so Athena
(on AWS) and ``lockgate query`` (locally, DuckDB) can chart it.

- Location: ``<control>/run_summaries/<import>/<YYYY-MM>/<run_id>.parquet``. The table is not
  partitioned (Athena reads every file under the location), so nothing registers partitions per run;
  the month folder only keeps a month's runs together for lifecycle rules.
- Catalog: database ``<prefix>_ops`` (``-`` becomes ``_``), table ``runs``. Terraform creates it on AWS
  (``lockgate render`` writes its TableInput into ``terraform.json`` as ``runs_table``); the local runtime
  registers the same TableInput in the local catalog.
- A run writes its file once, when it has ended; a run recorded again (the record function retried)
  overwrites the same key, so a run is never counted twice.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orchestration.core.spec.uris import join_uri

if TYPE_CHECKING:
    from orchestration.core.storage import Storage

__all__ = ["RUNS_TABLE", "COLUMNS", "ops_database", "table_location", "row_uri", "table_input", "parquet_bytes",
           "read_rows"]

RUNS_TABLE = "runs"
SUMMARIES_PREFIX = "run_summaries"

COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("run_id", "string", "the execution name"),
    ("import_name", "string", "the import"),
    ("status", "string", "SUCCEEDED, FAILED, TIMED_OUT, ABORTED"),
    ("mode", "string", "scheduled, manual or backfill"),
    ("engine", "string", "the engine the run input asked for (auto, lambda, glue)"),
    ("route", "string", "the route the plan chose (lambda, glue, empty); empty when planning failed"),
    ("recorded_by", "string", "aws (the record function) or local (lockgate run --local)"),
    ("started_at", "timestamp", "execution start (UTC)"),
    ("finished_at", "timestamp", "execution end (UTC)"),
    ("month", "string", "YYYY-MM of started_at"),
    ("duration_s", "double", "end-to-end seconds"),
    ("rows_in", "bigint", "rows read"),
    ("rows_written", "bigint", "rows published"),
    ("rows_rejected", "bigint", "rows quarantined"),
    ("rows_filtered", "bigint", "rows removed by the filter"),
    ("rows_deduplicated", "bigint", "duplicate rows dropped"),
    ("error", "string", "the root cause's error name (failed runs)"),
    ("cause", "string", "the root cause (failed runs)"),
    ("failed_state", "string", "the state the root cause happened in"),
    ("diagnosis_s", "double", "failed runs: seconds from the first failure to the root-cause notification"),
    ("estimated_usd", "double", "the plan's cost estimate for the chosen route"),
    ("measured_usd", "double", "measured cost: Lambda + Step Functions + Glue"),
    ("lambda_usd", "double", "Lambda GB-seconds and requests"),
    ("sfn_usd", "double", "Step Functions state transitions"),
    ("glue_usd", "double", "Glue DPU-seconds"),
    ("lambda_requests", "bigint", "Lambda invocations"),
    ("lambda_gb_seconds", "double", "billed Lambda GB-seconds"),
    ("sfn_transitions", "bigint", "state transitions, Map children included"),
    ("glue_dpu_seconds", "double", "billed Glue DPU-seconds (1-minute minimum)"),
    ("glue_only_usd", "double", "what the run costs on Glue alone"),
    ("glue_only_basis", "string", "measured (it ran on Glue) or estimated (the plan's Glue estimate)"),
    ("estimated_engine_s", "double", "the plan's engine seconds for the chosen route"),
    ("measured_engine_s", "double", "the engine's measured seconds"),
    ("cost_ratio", "double", "estimated_usd / measured_usd"),
    ("engine_ratio", "double", "estimated_engine_s / measured_engine_s"),
    ("batches", "string", "JSON: per batch estimated_s, actual_s, attempts"),
)
"""``(name, Glue type, comment)`` of every column, in order."""


def ops_database(prefix: str) -> str:
    """``lockgate_ops`` for prefix ``lockgate``: the catalog database of Lockgate's own tables."""
    return prefix.replace("-", "_") + "_ops"


def table_location(control_uri: str) -> str:
    return join_uri(control_uri, SUMMARIES_PREFIX) + "/"


def row_uri(control_uri: str, row: Mapping[str, Any]) -> str:
    month = row.get("month") or "unknown"
    return join_uri(control_uri, SUMMARIES_PREFIX, str(row["import_name"]), str(month), f"{row['run_id']}.parquet")


def table_input(control_uri: str) -> dict[str, Any]:
    """The Glue ``TableInput`` of the runs table (external Parquet, unpartitioned)."""
    from crawlers.table import parquet_storage_descriptor

    columns = [{"Name": n, "Type": t, "Comment": c} for n, t, c in COLUMNS]
    return {"Name": RUNS_TABLE, "TableType": "EXTERNAL_TABLE",
            "Description": "Lockgate runs: measured cost next to the plan's estimate, latency, root causes",
            "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"}, "PartitionKeys": [],
            "StorageDescriptor": parquet_storage_descriptor(table_location(control_uri), columns)}


def _arrow_type(glue: str) -> Any:
    import pyarrow as pa

    return {"string": pa.string(), "bigint": pa.int64(), "double": pa.float64(),
            "timestamp": pa.timestamp("us", tz="UTC")}[glue]


def parquet_bytes(row: Mapping[str, Any]) -> bytes:
    """One row as a Parquet file in the table's column order and types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(n, _arrow_type(t)) for n, t, _ in COLUMNS])
    values = {n: row.get(n) for n, _, _ in COLUMNS}
    table = _row_from_json(values, schema)
    if table is None:
        table = pa.Table.from_pylist([values], schema=schema)
    out = io.BytesIO()
    pq.write_table(table, out, compression="zstd")
    return out.getvalue()


def _row_from_json(values: Mapping[str, Any], schema: Any) -> Any:
    """``values`` as a one-row table, converted by Arrow's JSON reader (C++); None when JSON cannot carry
    them exactly (NaN, infinity, a value of another type). ``Table.from_pylist`` converts Python objects,
    and pyarrow's conversion imports pandas where it is installed: half a second of every local run."""
    import json
    from datetime import UTC, datetime

    import pyarrow as pa
    import pyarrow.json as pj

    def encode(value: Any) -> str:
        if isinstance(value, datetime):
            return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
        raise TypeError(type(value).__name__)

    try:
        line = json.dumps(values, default=encode, allow_nan=False).encode()
        table = pj.read_json(io.BytesIO(line), read_options=pj.ReadOptions(use_threads=False),
                             parse_options=pj.ParseOptions(explicit_schema=schema,
                                                           unexpected_field_behavior="error"))
    except (TypeError, ValueError, pa.ArrowException):
        return None
    return table if table.num_rows == 1 and table.schema == schema else None


def read_rows(store: Storage, control_uri: str, import_name: str | None = None,
              month: str | None = None) -> list[dict[str, Any]]:
    """The runs table's rows (of one import, of one ``YYYY-MM`` month), read from its files: the same
    for the local lake and S3. A file that is not a runs-table Parquet file is a DataError naming it."""
    import pyarrow.parquet as pq

    from orchestration.core.errors import DataError

    prefix = table_location(control_uri) + (f"{import_name}/" if import_name else "")
    rows: list[dict[str, Any]] = []
    for info in store.list(prefix, "*.parquet"):
        if month and f"/{month}/" not in info.uri:
            continue
        try:
            rows += pq.read_table(io.BytesIO(store.read_bytes(info.uri)), use_threads=False).to_pylist()
        except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for a damaged file
            raise DataError(f"{info.uri} is not a readable runs-table file ({e}); delete it, or record the run "
                            "again", where="runs table") from None
    return rows
