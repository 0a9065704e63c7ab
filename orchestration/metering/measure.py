"""What one run cost, measured from its execution history and its Glue job run, priced like the router.

The input is what both routes and both places have: the GetExecutionHistory events of the execution
and of every Distributed Map child execution (the local interpreter writes the same shape), the memory
of each function, and the Glue JobRun(s) (GetJobRun on AWS, the local Glue service locally).

- Lambda: every ``lambda:invoke`` Task attempt is one request; its billed duration is the time from
  ``TaskStarted`` to the attempt's end (Lambda bills the invocation rounded up to the millisecond; the
  history's span also holds the invoke round trip, so it is a slight over-estimate, never an under-one).
  Locally the history's task times are the local Lambda service's own (real time, no virtual waits).
- Step Functions (Standard): one transition per state entered, per retry attempt, and per Distributed
  Map child execution started (the same counting as ``orchestration.router.transitions``).
- Glue: ``DPUSeconds`` when the run reports it (auto scaling, Flex), else ``ExecutionTime`` times the
  run's DPUs; billed with Glue's 1-minute minimum at the run's execution class rate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from orchestration.router.config import Prices
from orchestration.router.estimate import GLUE_WORKER_DPUS

__all__ = ["MEMORY_ENV", "Invocation", "Measured", "measure", "lambda_invocations", "glue_dpu_seconds", "child_batch",
           "function_kind"]

MEMORY_ENV = "LOCKGATE_FUNCTION_MEMORY"
"""The record function's ``{"plan": 512, "process_batch": 1769, ...}`` (set by ``orchestration.wiring``)."""
_LAMBDA_END = {"TaskSucceeded", "TaskFailed", "TaskTimedOut"}
_GLUE_RESOURCES = ("startJobRun.sync", "startJobRun")


@dataclass(frozen=True, slots=True)
class Invocation:
    """One billed Lambda invocation."""

    function: str
    """The function's name (``lockgate-orders-process-batch``)."""
    seconds: float
    memory_mb: int
    state: str = ""
    batch: int | None = None
    """The Distributed Map item's ``batch`` when the invocation ran one."""
    failed: bool = False

    @property
    def billed_ms(self) -> int:
        """Lambda bills duration rounded up to the millisecond."""
        return math.ceil(round(self.seconds * 1000, 6))

    @property
    def gb_seconds(self) -> float:
        return self.billed_ms / 1000 * self.memory_mb / 1024


@dataclass
class Measured:
    """The run's measured usage and its price (``to_json`` is what the run summary keeps)."""

    invocations: list[Invocation] = field(default_factory=list)
    transitions: int = 0
    glue_runs: list[dict[str, Any]] = field(default_factory=list)
    prices: Prices = field(default_factory=Prices)
    state_seconds: dict[str, float] = field(default_factory=dict)
    """Seconds from a top-level Task/Map state's first entry to its last exit (``ProcessBatches``, ``Commit``)."""
    diagnosis_s: float | None = None
    """A failed run: seconds from its first failure to the notification naming the root cause."""

    @property
    def gb_seconds(self) -> float:
        return sum(i.gb_seconds for i in self.invocations)

    @property
    def glue_dpu_seconds(self) -> float:
        return sum(float(r["dpu_seconds"]) for r in self.glue_runs)

    def to_json(self) -> dict[str, Any]:
        p = self.prices
        lambda_compute = self.gb_seconds * p.lambda_gb_second
        requests = len(self.invocations) * p.lambda_request
        transitions = self.transitions * p.sfn_transition
        glue = sum(float(r["usd"]) for r in self.glue_runs)
        return {
            "usd": round(lambda_compute + requests + transitions + glue, 6),
            "lambda_usd": round(lambda_compute + requests, 6),
            "sfn_usd": round(transitions, 6),
            "glue_usd": round(glue, 6),
            "lambda_requests": len(self.invocations),
            "lambda_gb_seconds": round(self.gb_seconds, 4),
            "lambda_seconds": round(sum(i.seconds for i in self.invocations), 3),
            "sfn_transitions": self.transitions,
            "glue_dpu_seconds": round(self.glue_dpu_seconds, 3),
            "glue_job_runs": self.glue_runs,
            "state_seconds": {k: round(v, 3) for k, v in self.state_seconds.items()},
            "diagnosis_s": None if self.diagnosis_s is None else round(self.diagnosis_s, 3),
            "invocations": [{"function": i.function, "state": i.state, "batch": i.batch, "seconds": round(i.seconds, 3),
                             "billed_ms": i.billed_ms, "memory_mb": i.memory_mb, "failed": i.failed} for i in self.invocations],
        }


def function_kind(function: str, kinds: Iterable[str]) -> str | None:
    """``process_batch`` for ``arn:...:function:lockgate-orders-process-batch`` (names end in the kind)."""
    name = function.split(":function:", 1)[-1].split(":", 1)[0]
    for kind in sorted(kinds, key=len, reverse=True):
        if name.endswith("-" + kind.replace("_", "-")):
            return kind
    return None


def _loads(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return None


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def child_batch(events: Sequence[Mapping[str, Any]]) -> int | None:
    """The ``batch`` (or dedupe ``bucket``) a Distributed Map child execution ran, from its input."""
    for event in events:
        if event.get("type") == "ExecutionStarted":
            item = _loads((event.get("executionStartedEventDetails") or {}).get("input"))
            if isinstance(item, dict):
                found = item.get("batch", item.get("bucket"))
                return found if isinstance(found, int) else None
    return None


def lambda_invocations(events: Sequence[Mapping[str, Any]], memory_mb: Mapping[str, int],
                       batch: int | None = None) -> list[Invocation]:
    """Every ``lambda:invoke`` attempt in one history, timed from ``TaskStarted`` to its end.
    ``memory_mb`` maps a function kind (``process_batch``) to its memory."""
    out: list[Invocation] = []
    state = ""
    pending: tuple[str, datetime | None] | None = None
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            state = str(event["stateEnteredEventDetails"]["name"])
        elif kind == "TaskScheduled":
            details = event.get("taskScheduledEventDetails") or {}
            if details.get("resourceType") == "lambda":
                params = _loads(details.get("parameters")) or {}
                pending = (str(params.get("FunctionName", "")), None)
        elif kind == "TaskStarted" and pending is not None:
            pending = (pending[0], _when(event["timestamp"]))
        elif kind in _LAMBDA_END and pending is not None:
            function, started = pending
            pending = None
            if started is None:  # never started: nothing was billed
                continue
            fkind = function_kind(function, memory_mb)
            seconds = max((_when(event["timestamp"]) - started).total_seconds(), 0.001)
            out.append(Invocation(function.split(":function:", 1)[-1].split(":", 1)[0], seconds,
                                  memory_mb.get(fkind or "", 0), state, batch, kind != "TaskSucceeded"))
    return out


def transitions(parent: Sequence[Mapping[str, Any]], children: Sequence[Sequence[Mapping[str, Any]]]) -> int:
    """States entered plus retry attempts, in the execution and its children, plus one per child started."""
    total = len(children)
    for events in (parent, *children):
        attempts = 0
        for event in events:
            kind = str(event.get("type", ""))
            if kind.endswith("StateEntered"):
                total += 1
                attempts = 0
            elif kind in ("TaskScheduled", "LambdaFunctionScheduled"):
                attempts += 1
                if attempts > 1:
                    total += 1  # a retry is a transition of its own
    return total


def state_seconds(events: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Per Task, Map and Parallel state of one history: seconds from its first entry to its last exit or
    failure (Wait and Pass states are left out: a poll loop's span is not work)."""
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    current: str | None = None
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            current = str(event["stateEnteredEventDetails"]["name"])
            if kind.startswith(("Task", "Map", "Parallel")):
                first.setdefault(current, _when(event["timestamp"]))
        elif kind.endswith("StateExited"):
            last[str(event["stateExitedEventDetails"]["name"])] = _when(event["timestamp"])
        elif current is not None and (kind.endswith("Failed") or kind.endswith("TimedOut")):
            last[current] = _when(event["timestamp"])
    return {name: (last[name] - start).total_seconds() for name, start in first.items() if name in last}



_NOTIFIED = ("NotifyFailure",)
_FAILURE_EVENTS = ("TaskFailed", "TaskTimedOut", "LambdaFunctionFailed", "LambdaFunctionTimedOut", "MapRunFailed",
                   "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


def diagnosis_seconds(events: Sequence[Mapping[str, Any]],
                      children: Sequence[Sequence[Mapping[str, Any]]] = ()) -> float | None:
    """Seconds from the run's first failure (in it or in a Map child) to the failure notification that
    names the root cause leaving (``NotifyFailure`` exited), or to the execution's end when nothing
    notified; None for a run that never failed."""
    failures = [_when(e["timestamp"]) for events_ in (events, *children) for e in events_
                if str(e.get("type", "")) in _FAILURE_EVENTS]
    if not failures:
        return None
    told: datetime | None = None
    current = None
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
        elif kind == "TaskSucceeded" and current in _NOTIFIED:
            told = _when(event["timestamp"])
    end = told or (_when(events[-1]["timestamp"]) if events else None)
    if end is None:
        return None
    return max((end - min(failures)).total_seconds(), 0.0)


def glue_dpu_seconds(run: Mapping[str, Any], prices: Prices) -> dict[str, Any]:
    """One JobRun's billed DPU-seconds and price: ``{"id", "state", "execution_time_s", "workers",
    "worker_type", "execution_class", "dpu_seconds", "usd", "basis"}``."""
    worker_type = str(run.get("WorkerType") or "G.1X")
    workers = int(run.get("NumberOfWorkers") or 0)
    execution_time = float(run.get("ExecutionTime") or 0)
    dpus = GLUE_WORKER_DPUS.get(worker_type, 1) * workers if workers else float(run.get("MaxCapacity") or 0)
    minimum = dpus * prices.glue_minimum_s
    if run.get("DPUSeconds") is not None:
        dpu_seconds, basis = float(run["DPUSeconds"]), "DPUSeconds"
    else:
        dpu_seconds, basis = execution_time * dpus, "ExecutionTime x workers"
    billed = max(dpu_seconds, minimum) if execution_time or dpu_seconds else 0.0
    flex = str(run.get("ExecutionClass") or "STANDARD").upper() == "FLEX"
    rate = prices.glue_m_dpu_hour if worker_type.startswith("R.") else prices.glue_flex_dpu_hour if flex else prices.glue_dpu_hour
    return {"id": run.get("Id"), "state": run.get("JobRunState"), "execution_time_s": execution_time, "workers": workers,
            "worker_type": worker_type, "execution_class": "FLEX" if flex else "STANDARD",
            "dpu_seconds": round(billed, 3), "usd": round(billed / 3600 * rate, 6), "basis": basis}


def glue_runs_in(events: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The JobRuns the history's Glue ``startJobRun`` Tasks name, in order: the whole JobRun where the
    Task reported it (a ``.sync`` output, or the failed run in its cause), else ``{"JobName", "Id"}``
    from the submission (``TaskSubmitted``, or a request-response output): enough for GetJobRun, also
    for an execution that timed out or was stopped while the job ran."""
    found: dict[str, dict[str, Any]] = {}
    job: str | None = None
    for event in events:
        kind = str(event.get("type", ""))
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), None) or {}
        if kind == "TaskScheduled":
            params = _loads(details.get("parameters")) if details.get("resourceType") == "glue" else None
            job = str(params.get("JobName")) if isinstance(params, dict) and details.get("resource") in _GLUE_RESOURCES else None
            continue
        if job is None or kind not in ("TaskSubmitted", *_LAMBDA_END):
            continue
        body = _loads(details.get("cause") if kind == "TaskFailed" else details.get("output"))
        if isinstance(body, dict) and (body.get("Id") or body.get("JobRunId")):
            run_id = str(body.get("Id") or body.get("JobRunId"))
            known = found.get(run_id, {})
            found[run_id] = {**known, **body, "JobName": body.get("JobName") or job, "Id": run_id}
        if kind != "TaskSubmitted":
            job = None
    return list(found.values())


def measure(events: Sequence[Mapping[str, Any]], children: Sequence[Sequence[Mapping[str, Any]]], *,
            memory_mb: Mapping[str, int], prices: Prices, job_runs: Sequence[Mapping[str, Any]] | None = None
            ) -> Measured:
    """The run's measured usage. ``job_runs`` (GetJobRun's, or the local Glue service's) replace the
    JobRuns the history carries (a ``.sync`` output may predate the run's final ``DPUSeconds``)."""
    found = lambda_invocations(events, memory_mb)
    for child in children:
        found += lambda_invocations(child, memory_mb, child_batch(child))
    runs = list(job_runs) if job_runs is not None else glue_runs_in(events)
    return Measured(found, transitions(events, children), [glue_dpu_seconds(r, prices) for r in runs], prices,
                    state_seconds(events), diagnosis_seconds(events, children))
