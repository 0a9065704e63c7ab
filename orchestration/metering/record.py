"""One run's record: its measured cost next to the plan's estimate, as one row of the runs table.

``run_record`` joins what the plan estimated (the manifest: ``cost``, ``estimated_s``, each batch's
``estimated_s``) with what was measured (``measure.Measured.to_json()``) and how the run ended. The
same function builds the row on AWS (the record function, after the execution ended) and locally
(``lockgate run --local``), so the runs table reads the same on both.

Estimate/measured ratios: ``cost_ratio`` = the chosen route's estimated USD over the measured USD;
``engine_ratio`` = the estimated engine seconds over the measured ones (Lambda route: the batches'
Map state, without dedupe; Glue route: the job run's ``ExecutionTime``); each batch keeps ``estimated_s`` and
``actual_s`` (its last, successful attempt). A ratio above 1 means the router was cautious; below 1
means it promised more than the engine delivered (docs/routing.md, "Re-tuning from measurements").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from orchestration.machine_names import S

__all__ = ["run_record", "batch_times", "ROW_COUNTS"]

ROW_COUNTS = ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated")
_ENGINE_STATES = {"lambda": (S.PROCESS_BATCHES,)}
"""What the Lambda route's wall estimate (``Manifest.estimated_s.lambda``: waves of batches) covers; the
dedupe buckets are not in it."""


def _ratio(estimate: float | None, measured: float | None) -> float | None:
    if estimate is None or not measured or measured <= 0:
        return None
    return round(float(estimate) / float(measured), 4)


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def batch_times(manifest: Mapping[str, Any], measured: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"batch", "estimated_s", "actual_s", "attempts"}]``: each planned batch's estimate and the
    seconds of its last ProcessBatch invocation (None when it never ran)."""
    runs: dict[int, list[dict[str, Any]]] = {}
    for call in measured.get("invocations") or []:
        if call.get("state") == S.PROCESS_BATCH and isinstance(call.get("batch"), int):
            runs.setdefault(call["batch"], []).append(call)
    out = []
    for batch in manifest.get("batches") or []:
        calls = runs.get(int(batch["index"]), [])
        done = [c for c in calls if not c.get("failed")]
        actual = (done or calls)[-1]["seconds"] if calls else None
        out.append({"batch": batch["index"], "estimated_s": batch.get("estimated_s"), "actual_s": actual,
                    "attempts": len(calls)})
    return out


def _engine_seconds(route: str | None, measured: Mapping[str, Any]) -> float | None:
    if route == "glue":
        runs = measured.get("glue_job_runs") or []
        return float(sum(r.get("execution_time_s") or 0 for r in runs)) or None
    seconds = measured.get("state_seconds") or {}
    found = [float(seconds[s]) for s in _ENGINE_STATES.get(route or "", ()) if s in seconds]
    return sum(found) if found else None


def run_record(*, run_id: str, import_name: str, status: str, started_at: Any, finished_at: Any,
               manifest: Mapping[str, Any] | None, measured: Mapping[str, Any], counts: Mapping[str, Any] | None = None,
               mode: str | None = None, engine: str | None = None, error: str | None = None, cause: str | None = None,
               failed_state: str | None = None, recorded_by: str = "local") -> dict[str, Any]:
    """The runs table's row (docs/operations.md, "The runs table"); ``batches`` is JSON text."""
    manifest = manifest or {}
    cost = manifest.get("cost") or {}
    route = manifest.get("route")
    started, finished = _time(started_at), _time(finished_at)
    estimated_usd = (cost.get(route) or {}).get("usd") if route in ("lambda", "glue") else None
    measured_usd = float(measured.get("usd") or 0.0)
    if route == "glue" and measured.get("glue_job_runs"):
        glue_only, basis = measured_usd, "measured"
    elif (cost.get("glue") or {}).get("usd") is not None:
        glue_only, basis = float(cost["glue"]["usd"]), "estimated"
    else:  # failed before planning, or nothing to import: no Glue job would have run either
        glue_only, basis = measured_usd, "measured"
    engine_estimate = (manifest.get("estimated_s") or {}).get(route or "")
    engine_measured = _engine_seconds(route, measured)
    batches = batch_times(manifest, measured)
    return {
        "run_id": run_id, "import_name": import_name, "status": status, "mode": mode or manifest.get("mode"),
        "engine": engine, "route": route, "recorded_by": recorded_by,
        "started_at": started, "finished_at": finished,
        "month": started.strftime("%Y-%m") if started else None,
        "duration_s": round((finished - started).total_seconds(), 3) if started and finished else None,
        **{k: int((counts or {}).get(k) or 0) for k in ROW_COUNTS},
        "error": error, "cause": (cause or "")[:2000] or None, "failed_state": failed_state,
        "diagnosis_s": measured.get("diagnosis_s") if status != "SUCCEEDED" else None,
        "estimated_usd": estimated_usd, "measured_usd": round(measured_usd, 6),
        "lambda_usd": measured.get("lambda_usd"), "sfn_usd": measured.get("sfn_usd"), "glue_usd": measured.get("glue_usd"),
        "lambda_requests": int(measured.get("lambda_requests") or 0),
        "lambda_gb_seconds": float(measured.get("lambda_gb_seconds") or 0.0),
        "sfn_transitions": int(measured.get("sfn_transitions") or 0),
        "glue_dpu_seconds": float(measured.get("glue_dpu_seconds") or 0.0),
        "glue_only_usd": round(glue_only, 6), "glue_only_basis": basis,
        "estimated_engine_s": engine_estimate, "measured_engine_s": engine_measured,
        "cost_ratio": _ratio(estimated_usd, measured_usd), "engine_ratio": _ratio(engine_estimate, engine_measured),
        "batches": json.dumps(batches, separators=(",", ":")),
    }
