"""The summary of one local run: what ``lockgate run --json`` prints and ``summary.json`` keeps.

Route, reasons and cost come from the run's manifest; row counts and outputs from its commit record
(or, for a run that failed before commit, the sum of the engine results written so far), so the
summary reads the same contract files on every route.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from orchestration.core.contracts import RunPaths
from orchestration.core.spec import Spec
from orchestration.core.storage import LocalLake

from ..config import Project
from ..failures import root_cause, unwrap
from .records import run_dir
from .report_data import rejected_by_rule, rows_by_partition
from .services.resolver import LocalResolver

if TYPE_CHECKING:
    from .interpreter import ExecutionResult
    from .runner import RunRequest

__all__ = ["summarize", "COUNTS"]

COUNTS = ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated")
_NOTIFY = ("NotifyFailure", "DescribeFailure", "NotifySuccess")
_DESCRIBED = ("DescribeFailure", "DescribeFailureAsCaught", "DescribeFailureWithoutCause")


def _read(store: LocalLake, uri: str) -> dict[str, Any] | None:
    return store.read_json(uri) if store.exists(uri) else None


def _failed_state(states: list[dict[str, Any]]) -> str | None:
    candidates = [s for s in states if s["status"] in ("caught", "failed") and s["type"] in ("Task", "Map", "Parallel")
                  and s["name"] not in _NOTIFY and s.get("entered")]
    candidates.sort(key=lambda s: s["entered"])
    top = [s for s in candidates if not s.get("parent")]  # the name the failure notification carries
    return (top or candidates)[0]["name"] if candidates else None


def _failures(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every state that failed or was caught, inner Map states included, with its error and cause (a
    Lambda's JSON error payload reduced to its message)."""
    out = []
    for s in states:
        if s["status"] in ("caught", "failed") and s["type"] != "Fail" and s.get("error"):
            error, cause = unwrap(s.get("error"), s.get("cause"))
            out.append({"state": s["name"], "status": s["status"], "error": error, "cause": (cause or "")[:2000]})
    return out


def _children(result: ExecutionResult) -> list[dict[str, Any]]:
    """Failed Distributed Map children in the order they ran: the state each failed in and its error."""
    out = []
    for run in result.map_runs:
        for index, child in enumerate(run.executions):
            if child.status != "FAILED":
                continue
            events: list[dict[str, Any]] = list(child.events)
            entered = [str(e["stateEnteredEventDetails"]["name"]) for e in events if str(e["type"]).endswith("StateEntered")]
            out.append({"state": entered[-1] if entered else run.state_name, "batch": index,
                        "error": child.error, "cause": child.cause})
    return out


def root_of(states: list[dict[str, Any]], result: ExecutionResult) -> dict[str, Any]:
    """The run's root cause: what the failure path's DescribeFailure named (the SNS message and the
    execution's error), else the same rule applied here (a run that failed outside the failure path)."""
    rows = {s["name"]: s for s in states}
    for name in _DESCRIBED:
        output = (rows.get(name) or {}).get("output")
        if rows.get(name, {}).get("status") == "succeeded" and isinstance(output, dict) and output.get("error"):
            return output
    return root_cause(state=_failed_state(states), error=result.error, cause=result.cause, children=_children(result))


def _partitions(store: LocalLake, commit: dict[str, Any] | None) -> list[str]:
    """The partitions a committed run wrote, from its ``partitions.json`` (never in the state payload)."""
    uri = (commit or {}).get("partitions_uri")
    found = _read(store, uri) if isinstance(uri, str) else None
    return list((found or {}).get("partitions", []))


def summarize(project: Project, spec: Spec, *, run_id: str, request: RunRequest, result: ExecutionResult,
              states: list[dict[str, Any]],
              started_at: datetime, duration_s: float, state_machine: str, resolver: LocalResolver) -> dict[str, Any]:
    store = LocalLake(project.lake)
    paths = RunPaths(project.config.aws.control_uri, spec.name, run_id)
    manifest = _read(store, paths.manifest) or {}
    commit = _read(store, paths.commit)
    counts = dict.fromkeys(COUNTS, 0)
    outputs: list[str] = []
    partitions: list[str] = []
    if commit:
        counts = {k: int(commit.get(k, 0)) for k in COUNTS}
        partitions = _partitions(store, commit)
        location = spec.target.location.rstrip("/") + "/"
        outputs = [location + p + "/" for p in partitions] if partitions else list(commit.get("outputs", []))
    else:
        for info in store.list(paths.results, "*.json"):
            part = store.read_json(info.uri)
            for k in COUNTS:
                counts[k] += int(part.get(k, 0))
    quarantine = (commit or {}).get("quarantine_uri")
    if quarantine is None and counts["rows_rejected"]:
        quarantine = spec.target.quarantine_uri.rstrip("/") + f"/run_id={run_id}/"
    folder = run_dir(project.lake, run_id)
    failed = result.status != "SUCCEEDED"
    staged = counts["rows_written"]
    if failed and not commit:
        counts["rows_written"] = 0  # staged rows of a failed run are never published
    root = root_of(states, result) if failed else {}
    return {
        "run_id": run_id,
        "import": spec.name,
        "mode": request.mode,
        "engine": request.engine,
        "status": result.status,
        "route": manifest.get("route"),
        "reasons": manifest.get("reasons", []),
        "window": manifest.get("window") or (request.window.to_json() if request.window else None),
        **counts,
        "rows_staged": staged,
        "published": bool(commit),  # a run that failed after its commit (e.g. in the crawler) did publish
        "accounted": counts["rows_in"] == staged + sum(counts[k] for k in COUNTS[2:]),
        "outputs": outputs,
        "partitions": partitions,
        "rows_by_partition": rows_by_partition(project.lake, spec.target.location, partitions, run_id) if commit else {},
        "quarantine": quarantine,
        "rejected_by_rule": rejected_by_rule(project.lake, quarantine),
        "cost": manifest.get("cost", {}),
        "duration_s": duration_s,
        "started_at": started_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "error": root.get("error") if failed else None,
        "cause": root.get("cause") if failed else None,
        "failed_state": (root.get("failed_state") or _failed_state(states)) if failed else None,
        "root_state": root.get("state") if failed else None,
        "wrapped_by": root.get("wrapped_by") if failed else None,
        "failures": _failures(states),
        "state_machine": state_machine,
        "test_case": request.test_case,
        "lambda_invocations": len(resolver.lambdas.invocations),
        "glue_job_runs": [r["Id"] for r in (resolver.glue.runs if resolver.glue else [])],
        "records": str(folder),
        "report": str(folder / "report.html"),
    }
