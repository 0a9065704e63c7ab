"""Run records: what a local run keeps under ``<lake>/_runs/<run_id>/`` so a person can follow it.

| file | what |
|---|---|
| ``definition.asl.json`` | the executed definition (placeholders filled) |
| ``history.json`` | the execution history (GetExecutionHistory-shaped events) and every Distributed Map child's events |
| ``states.json`` | one row per state: status, visits, attempts, timings, last input/output, error and cause, calls |
| ``summary.json`` | the run summary ``lockgate run --json`` prints |
| ``report.html`` | the self-contained run report |
| ``logs/`` | each Lambda invocation's and Glue run's output |

A run writes a placeholder ``summary.json`` (status ``RUNNING``, its pid) when it starts. Ctrl-C turns it
into ``INTERRUPTED``; a run whose process died without a word (SIGKILL) is listed as ``INTERRUPTED`` too.

State status: ``succeeded``; ``retried`` (an attempt failed, a later one succeeded); ``caught`` (failed
and a Catch took over); ``failed`` (the execution failed in it, or a Fail state); ``not_run``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from .services.resolver import TaskCall

__all__ = ["RUNS_DIR", "run_dir", "walk_states", "build_states", "write_record", "read_summary", "list_runs",
           "read_states", "state_outcomes", "Outcome", "mark_running", "mark_interrupted"]

RUNS_DIR = "_runs"
Outcome = str  # "succeeded" | "failed" | "caught" | "retried" | "not_run"

_SCHEDULED = {"TaskScheduled", "LambdaFunctionScheduled", "MapRunStarted"}
_FAILED = {"TaskFailed", "LambdaFunctionFailed", "TaskTimedOut", "LambdaFunctionTimedOut", "MapRunFailed",
           "LambdaFunctionStartFailed", "TaskStartFailed", "TaskSubmitFailed", "LambdaFunctionScheduleFailed"}


def run_dir(lake: str | Path, run_id: str) -> Path:
    return Path(lake) / RUNS_DIR / run_id


def walk_states(definition: dict[str, Any], parent: str | None = None) -> Iterator[tuple[str, str, str | None]]:
    """Every state of a definition, nested ones included: ``(name, type, enclosing Map/Parallel)``."""
    for name, state in (definition.get("States") or {}).items():
        kind = str(state.get("Type", ""))
        yield name, kind, parent
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            yield from walk_states(processor, name)
        for branch in state.get("Branches") or []:
            yield from walk_states(branch, name)


def _json(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else value


def _details(event: dict[str, Any]) -> dict[str, Any]:
    found = next((v for k, v in event.items() if k.endswith("EventDetails")), None)
    return found if isinstance(found, dict) else {}


def _fold(rows: dict[str, dict[str, Any]], events: Iterable[dict[str, Any]], child: bool) -> str | None:
    """Fold one history into per-state rows; returns the state the execution was in when it ended."""
    current: str | None = None
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            current = details["name"]
            row = rows.setdefault(current, {})
            row["visits"] = row.get("visits", 0) + 1
            row.setdefault("entered", _iso(event["timestamp"]))
            row["_entered"] = event["timestamp"]
            row["input"] = _json(details.get("input"))
            row["_open"] = row.get("_open", 0) + 1
            row["type"] = kind.removesuffix("StateEntered")
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            row = rows.setdefault(details["name"], {})
            row["output"] = _json(details.get("output"))
            row["exited"] = _iso(event["timestamp"])
            row["_open"] = row.get("_open", 1) - 1
            row["exits"] = row.get("exits", 0) + 1
            if row.get("_entered") is not None:
                row["duration_s"] = round(row.get("duration_s", 0.0)
                                          + (event["timestamp"] - row["_entered"]).total_seconds(), 3)
        elif current is not None and kind in _SCHEDULED:
            rows[current]["attempts"] = rows[current].get("attempts", 0) + 1
        elif current is not None and kind in _FAILED:
            details = _details(event)
            row = rows[current]
            row["failures"] = row.get("failures", 0) + 1
            row["error"], row["cause"] = details.get("error"), details.get("cause")
        elif kind in ("ExecutionFailed", "ExecutionTimedOut") and current is not None:
            details = _details(event)
            row = rows[current]
            if row.get("_open", 0) > 0 or child:
                row["ended_execution"] = row.get("ended_execution", 0) + 1
                row.setdefault("error", details.get("error"))
                row.setdefault("cause", details.get("cause"))
    return current


def _status(row: dict[str, Any] | None, kind: str) -> Outcome:
    if not row or not row.get("visits"):
        return "not_run"
    if kind == "Fail" or row.get("ended_execution"):
        return "failed"
    failures, attempts = row.get("failures", 0), row.get("attempts", 0)
    if failures and failures >= attempts:
        return "caught"
    if failures:
        return "retried"
    return "succeeded"


def build_states(definition: dict[str, Any], events: list[dict[str, Any]], map_runs: list[Any],
                 calls: list[TaskCall]) -> list[dict[str, Any]]:
    """One row per state of ``definition``, in definition order."""
    rows: dict[str, dict[str, Any]] = {}
    _fold(rows, events, child=False)
    children: dict[str, int] = {}
    failed_children: dict[str, int] = {}
    for run in map_runs:
        for execution in run.executions:
            for name in {e["stateEnteredEventDetails"]["name"] for e in execution.events if e["type"].endswith("StateEntered")}:
                children[name] = children.get(name, 0) + 1
                if execution.status == "FAILED":
                    failed_children[name] = failed_children.get(name, 0) + 1
            _fold(rows, execution.events, child=True)
    by_state: dict[str, list[dict[str, Any]]] = {}
    for call in calls:
        by_state.setdefault(call.state, []).append(asdict(call))
    out = []
    for name, kind, parent in walk_states(definition):
        row = rows.get(name, {})
        entry = {"name": name, "type": kind, "parent": parent, "status": _status(row, kind),
                 "visits": row.get("visits", 0), "attempts": row.get("attempts", 0), "failures": row.get("failures", 0),
                 "entered": row.get("entered"), "exited": row.get("exited"), "duration_s": row.get("duration_s"),
                 "error": row.get("error"), "cause": row.get("cause"), "input": row.get("input"),
                 "output": row.get("output"), "calls": by_state.get(name, [])}
        if name in children:
            entry["executions"] = children[name]
            entry["failed_executions"] = failed_children.get(name, 0)
        out.append(entry)
    return out


def _events_json(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "timestamp": _iso(e["timestamp"])} for e in events]


def write_record(lake: str | Path, run_id: str, *, definition: dict[str, Any], result: Any,
                 states: list[dict[str, Any]], summary: dict[str, Any]) -> Path:
    """Write definition, history, states and summary; returns the run directory."""
    folder = run_dir(lake, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    history = {"events": _events_json(result.events), "map_runs": [
        {"arn": r.arn, "state": r.state_name, "status": r.status, "executions": [
            {"name": c.name, "status": c.status, "error": c.error, "cause": c.cause, "events": _events_json(c.events)}
            for c in r.executions]} for r in result.map_runs]}
    files = {"definition.asl.json": definition, "history.json": history,
             "states.json": {"run_id": run_id, "states": states}, "summary.json": summary}
    for name, value in files.items():
        tmp = folder / f".{name}.tmp"
        tmp.write_text(json.dumps(value, indent=2, default=str, ensure_ascii=False), encoding="utf-8")
        tmp.replace(folder / name)
    return folder


def mark_running(lake: str | Path, run_id: str, fields: dict[str, Any]) -> None:
    """A placeholder summary (status RUNNING, this process's pid) written when a run starts: a run killed
    before it could write its record is then listed as INTERRUPTED instead of missing."""
    folder = run_dir(lake, run_id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps({"run_id": run_id, "status": "RUNNING", "pid": os.getpid(),
                                                     **fields}, default=str), encoding="utf-8")


def mark_interrupted(lake: str | Path, run_id: str, **fields: Any) -> None:
    """Turn the placeholder summary of a run stopped by Ctrl-C into its INTERRUPTED record."""
    path = run_dir(lake, run_id) / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"run_id": run_id}
    summary.update(fields, status="INTERRUPTED", error="Interrupted",
                   cause="the run was stopped (Ctrl-C) before it finished", pid=None)
    path.write_text(json.dumps(summary, default=str), encoding="utf-8")


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _settle(summary: dict[str, Any]) -> dict[str, Any]:
    """A RUNNING placeholder whose process is gone was killed (SIGKILL, a crash): it is INTERRUPTED."""
    if summary.get("status") == "RUNNING" and "pid" in summary and not _alive(summary.get("pid")):
        return {**summary, "status": "INTERRUPTED", "error": "Interrupted",
                "cause": f"the process running it (pid {summary.get('pid')}) ended before the run finished"}
    return summary


def read_summary(lake: str | Path, run_id: str) -> dict[str, Any]:
    path = run_dir(lake, run_id) / "summary.json"
    if not path.is_file():
        from orchestration.core.errors import ConfigError

        raise ConfigError(f"no run {run_id!r} in {Path(lake) / RUNS_DIR}; `lockgate runs` lists the runs")
    return _settle(json.loads(path.read_text(encoding="utf-8")))


def read_states(lake: str | Path, run_id: str) -> list[dict[str, Any]]:
    read_summary(lake, run_id)  # the clear error for an unknown run
    path = run_dir(lake, run_id) / "states.json"
    if not path.is_file():  # an interrupted run has no state record
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["states"]


def list_runs(lake: str | Path, import_name: str | None = None) -> list[dict[str, Any]]:
    """Summaries of every recorded run, newest first (optionally of one import)."""
    root = Path(lake) / RUNS_DIR
    out = []
    for path in root.glob("*/summary.json") if root.is_dir() else []:
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if import_name is None or summary.get("import") == import_name:
            out.append(_settle(summary))
    out.sort(key=lambda s: (s.get("started_at") or "", s.get("run_id") or ""), reverse=True)
    return out


def state_outcomes(lake: str | Path, run_id: str) -> dict[str, Outcome]:
    """``state name -> "succeeded" | "failed" | "caught" | "retried" | "not_run"`` for ``lockgate graph --run``."""
    return {row["name"]: row["status"] for row in read_states(lake, run_id)}
