"""``execute(definition, input, **options)``: run a state machine locally and return its result.

Options: ``resolver`` (the task resolver; by default every Task fails with States.Runtime naming the
resource), ``clock`` (default: a ``VirtualClock`` at the start time), ``context`` (an
``ExecutionContext``: name, start time, role ARN, state machine name/ARN), ``seed`` (for
``States.UUID``/``MathRandom``/jitter), ``cancel`` (a callable polled before every state; true aborts),
``history_limit`` (default 25,000).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from orchestration.local.clock import Clock, VirtualClock
from orchestration.local.context import ExecutionContext, execution_object
from orchestration.local.errors import RUNTIME, TIMEOUT, HistoryLimitExceeded, StatesError, TaskFailure
from orchestration.local.history import HISTORY_LIMIT, History, dumps
from orchestration.local.json_types import Json
from orchestration.local.machine import build_program, run_program
from orchestration.local.runtime import (
    PAYLOAD_LIMIT,
    ExecutionAborted,
    ExecutionTimedOut,
    Runtime,
    Scope,
    TaskContext,
    TaskResolver,
)
from orchestration.local.states.distributed import MapRun

__all__ = ["ExecutionResult", "InputTooLargeError", "execute"]

Status = Literal["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"]


class InputTooLargeError(ValueError):
    """The execution input is over 256 KB; StartExecution would reject it."""


@dataclass(slots=True)
class ExecutionResult:
    status: Status
    output: Json = None
    error: str | None = None
    cause: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    map_runs: list[MapRun] = field(default_factory=list)
    """Distributed Map runs; each child execution keeps its own events."""


def no_resolver(resource: str, parameters: Json, context: TaskContext) -> Json:
    raise TaskFailure(RUNTIME, f"No task resolver was given to run {resource} (state {context.state_name})")


def execute(
    definition: dict[str, Any] | str,
    input: Json = None,  # noqa: A002 - the contract's name
    *,
    resolver: TaskResolver | None = None,
    clock: Clock | None = None,
    context: ExecutionContext | None = None,
    seed: int | None = 0,
    cancel: Callable[[], bool] | None = None,
    history_limit: int = HISTORY_LIMIT,
) -> ExecutionResult:
    """Run ``definition`` on ``input``; never raises for execution failures (see ``status``)."""
    ctx = context or ExecutionContext()
    clock = clock or VirtualClock(ctx.start_time)
    start = ctx.start_time or clock.now()
    payload = {} if input is None else input
    if len(dumps(payload).encode()) > PAYLOAD_LIMIT:
        raise InputTooLargeError(f"the execution input is larger than {PAYLOAD_LIMIT} bytes")
    history = History(clock, history_limit)
    execution, machine = execution_object(ctx, start, payload)
    history.add("ExecutionStarted", "executionStartedEventDetails",
                {"input": dumps(payload), "inputDetails": {"truncated": False}, "roleArn": ctx.role_arn})
    rt = Runtime(resolver or no_resolver, clock, history, execution, machine, random.Random(seed), cancel=cancel)
    try:
        program = build_program(json.loads(definition) if isinstance(definition, str) else definition)
        if program.timeout_seconds is not None:
            rt.deadline = start + timedelta(seconds=program.timeout_seconds)
        output = run_program(program, payload, rt, Scope())
    except StatesError as err:
        history.add("ExecutionFailed", "executionFailedEventDetails", _details(err.error, err.cause))
        return ExecutionResult("FAILED", None, err.error, err.cause, history.events, rt.map_runs)
    except HistoryLimitExceeded as exc:
        history.add("ExecutionFailed", "executionFailedEventDetails", {"error": RUNTIME, "cause": str(exc)})
        return ExecutionResult("FAILED", None, RUNTIME, str(exc), history.events, rt.map_runs)
    except ExecutionTimedOut:
        cause = "The execution ran longer than the state machine's TimeoutSeconds."
        history.add("ExecutionTimedOut", "executionTimedOutEventDetails", {"error": TIMEOUT, "cause": cause})
        return ExecutionResult("TIMED_OUT", None, TIMEOUT, cause, history.events, rt.map_runs)
    except ExecutionAborted:
        history.add("ExecutionAborted", "executionAbortedEventDetails", {})
        return ExecutionResult("ABORTED", None, None, None, history.events, rt.map_runs)
    history.add("ExecutionSucceeded", "executionSucceededEventDetails",
                {"output": dumps(output), "outputDetails": {"truncated": False}})
    return ExecutionResult("SUCCEEDED", output, None, None, history.events, rt.map_runs)


def _details(error: str | None, cause: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if error is not None:
        out["error"] = error
    if cause is not None:
        out["cause"] = cause
    return out
