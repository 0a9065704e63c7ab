"""Record a finished run: its measured cost next to the plan's estimate, as a row of the runs table.

Triggered by EventBridge (``Step Functions Execution Status Change`` of the import's state machine, any
terminal status: SUCCEEDED, FAILED, TIMED_OUT, ABORTED), so it records runs on both routes and runs that
failed, timed out or were stopped, without a state of its own in the ASL. It reads the execution
history (and each Distributed Map child's), refreshes the Glue job run with GetJobRun, reads the
manifest and the commit record, and writes
``<control>/run_summaries/<import>/<YYYY-MM>/<run_id>.parquet`` (``orchestration.metering``).
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from orchestration.core.contracts import RunPaths
from orchestration.core.errors import ConfigError
from orchestration.core.storage import Storage
from orchestration.metering.measure import MEMORY_ENV

from ._runtime import control_uri, lambda_handler, logger, parse_event, storage

__all__ = ["handler", "record", "ExecutionStatusChange", "MEMORY_ENV", "fetch_history"]

_HISTORY_THREADS = 8
"""Child histories read at once (GetExecutionHistory allows a burst of 250, refilling 5 per second)."""
_DESCRIBED = ("DescribeFailure", "DescribeFailureAsCaught", "DescribeFailureWithoutCause")


class _Detail(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    execution_arn: str = Field(alias="executionArn")
    name: str
    status: str
    start_date: int | None = Field(None, alias="startDate")
    stop_date: int | None = Field(None, alias="stopDate")
    error: str | None = None
    cause: str | None = None


class ExecutionStatusChange(BaseModel):
    """The EventBridge event Step Functions sends when an execution's status changes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    detail: _Detail


def _pages(method: Any, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = method(**kwargs, **({"nextToken": token} if token else {}))
        out += page.get(key) or []
        token = page.get("nextToken")
        if not token:
            return out


def fetch_history(sfn: Any, execution_arn: str) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """The execution's events and each Distributed Map child execution's events."""
    events = _pages(sfn.get_execution_history, "events", executionArn=execution_arn, includeExecutionData=True,
                    maxResults=1000)
    children: list[list[dict[str, Any]]] = []
    for run in _pages(sfn.list_map_runs, "mapRuns", executionArn=execution_arn):
        try:
            listed = _pages(sfn.list_executions, "executions", mapRunArn=run["mapRunArn"])
        except Exception as e:  # noqa: BLE001 - count the children at least, from the Map Run's items
            total = int(sfn.describe_map_run(mapRunArn=run["mapRunArn"]).get("itemCounts", {}).get("total") or 0)
            logger.warning("child executions could not be listed; their starts are counted, their work is not",
                           extra={"map_run": run["mapRunArn"], "children": total, "error": str(e)})
            children += [[] for _ in range(total)]
            continue
        # One GetExecutionHistory per child: a few at once (boto3 clients are thread-safe), in listing order.
        with ThreadPoolExecutor(max_workers=_HISTORY_THREADS) as pool:
            children += pool.map(lambda c: _pages(sfn.get_execution_history, "events", executionArn=c["executionArn"],
                                                  includeExecutionData=True, maxResults=1000), listed)
    return events, children


def _job_runs(glue: Any, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each JobRun the history names, as GetJobRun reports it now (final ``ExecutionTime``, ``DPUSeconds``)."""
    out = []
    for run in found:
        try:
            out.append(glue.get_job_run(JobName=run["JobName"], RunId=run["Id"])["JobRun"])
        except Exception as e:  # noqa: BLE001 - the history's copy is the next best measurement
            logger.warning("GetJobRun failed, using the history's job run", extra={"run": run.get("Id"), "error": str(e)})
            out.append(run)
    return out


def _root(events: list[dict[str, Any]]) -> dict[str, Any]:
    """What the failure path's DescribeFailure named (``error``, ``cause``, ``state``), if it ran."""
    current = None
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif kind.endswith("StateExited") and current in _DESCRIBED:
            try:
                found = json.loads(event["stateExitedEventDetails"].get("output") or "{}")
            except ValueError:
                continue
            if isinstance(found, dict) and found.get("error"):
                return found
    return {}


def _counts(store: Storage, paths: RunPaths) -> dict[str, int]:
    if store.exists(paths.commit):
        return dict(store.read_json(paths.commit))
    totals: dict[str, int] = {}
    for info in store.list(paths.results, "*.json"):
        for key, value in store.read_json(info.uri).items():
            if key.startswith("rows_") and isinstance(value, int):
                totals[key] = totals.get(key, 0) + value
    totals["rows_written"] = 0  # staged rows of a failed run are never published
    return totals


def _when(epoch_ms: int | None, events: list[dict[str, Any]], first: bool) -> datetime:
    if epoch_ms:
        return datetime.fromtimestamp(epoch_ms / 1000, UTC)
    if events:
        stamp = events[0 if first else -1]["timestamp"]
        return stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
    return datetime.now(UTC)


def record(event: ExecutionStatusChange, store: Storage, sfn: Any, glue: Any) -> dict[str, Any]:
    """Measure the run the event names and write its row; returns the row (without ``batches``)."""
    from orchestration.metering import measure, parquet_bytes, row_uri, run_record
    from orchestration.metering.measure import glue_runs_in
    from orchestration.planning import routing_config_from_env

    detail = event.detail
    import_name = os.environ.get("LOCKGATE_IMPORT", "")
    try:
        memory = {str(k): int(v) for k, v in json.loads(os.environ.get(MEMORY_ENV) or "{}").items()}
    except (ValueError, TypeError, AttributeError):
        raise ConfigError(f"{MEMORY_ENV} is not a JSON object of function kind to memory MB; render and apply "
                          "again (orchestration.wiring sets it)", where="Lambda environment") from None
    if not import_name:
        raise ConfigError("LOCKGATE_IMPORT is not set; Terraform sets it on every Lockgate function",
                          where="Lambda environment")
    events, children = fetch_history(sfn, detail.execution_arn)
    measured = measure(events, children, memory_mb=memory, prices=routing_config_from_env().prices,
                       job_runs=_job_runs(glue, glue_runs_in(events))).to_json()
    control = control_uri()
    paths = RunPaths(control, import_name, detail.name)
    manifest = store.read_json(paths.manifest) if store.exists(paths.manifest) else None
    root = _root(events) if detail.status != "SUCCEEDED" else {}
    started = next((e for e in events if e.get("type") == "ExecutionStarted"), {})
    try:
        run_input = json.loads((started.get("executionStartedEventDetails") or {}).get("input") or "{}")
    except ValueError:
        run_input = {}
    row = run_record(run_id=detail.name, import_name=import_name, status=detail.status,
                     started_at=_when(detail.start_date, events, True), finished_at=_when(detail.stop_date, events, False),
                     manifest=manifest, measured=measured, counts=_counts(store, paths),
                     mode=(manifest or {}).get("mode") or run_input.get("mode"),
                     engine=run_input.get("engine") or "auto",
                     error=root.get("error") or detail.error, cause=root.get("cause") or detail.cause,
                     failed_state=root.get("state") or root.get("failed_state"), recorded_by="aws")
    store.write_bytes(row_uri(control, row), parquet_bytes(row))
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items() if k != "batches"}


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from orchestration.core import aws

    row = record(parse_event(event, ExecutionStatusChange), storage(), aws.client("stepfunctions"), aws.client("glue"))
    logger.info("run recorded", extra={"run_id": row["run_id"], "status": row["status"],
                                       "measured_usd": row["measured_usd"], "estimated_usd": row["estimated_usd"]})
    return row
