"""Task: hands the Resource and effective Parameters to the task resolver.

The resolver returns the result or raises: ``TaskFailure(error, cause)`` fails with that error name,
a ``LockgateError`` with its ``asl_error`` and message, any other exception with its class name (as
Lambda reports unhandled errors). Durations are virtual: a resolver reports how long it took by
advancing ``context.clock``; ``TimeoutSeconds``/``HeartbeatSeconds`` are then checked on that clock.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from orchestration.core.errors import LockgateError
from orchestration.local.choice_rules import is_number
from orchestration.local.context import StateCall
from orchestration.local.errors import (
    HEARTBEAT_TIMEOUT,
    RUNTIME,
    TIMEOUT,
    InvalidDefinitionError,
    StatesError,
    TaskFailure,
    unsupported,
)
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View, canonical
from orchestration.local.query import evaluate, is_expression, unexpected_type
from orchestration.local.runtime import Runtime, Scope, TaskContext, check_size
from orchestration.local.states.base import Builder, State, Step

__all__ = ["TaskState", "invoke_resolver"]

DEFAULT_TIMEOUT = 99_999_999


def _kind(resource: str) -> tuple[str, str, str]:
    """(event prefix, resourceType, resource) as the history shows them."""
    if resource.startswith("arn:aws:lambda:"):
        return "LambdaFunction", "lambda", resource
    if resource.startswith("arn:aws:states:::"):
        service = resource.removeprefix("arn:aws:states:::")
        head, _, tail = service.rpartition(":")
        return "Task", head, tail
    return "Task", "activity" if ":activity:" in resource else "unknown", resource


def invoke_resolver(rt: Runtime, resource: str, parameters: Json, ctx: TaskContext) -> Json:
    """Call the resolver and turn whatever it raises into a ``StatesError``."""
    try:
        return rt.resolver(resource, parameters, ctx)
    except (TaskFailure, StatesError) as exc:
        raise StatesError(exc.error, exc.cause) from exc
    except LockgateError as exc:
        raise StatesError(exc.asl_error, exc.message) from exc
    except Exception as exc:  # noqa: BLE001 - any resolver error fails the task, like Lambda's unhandled errors
        raise StatesError(type(exc).__name__, str(exc)) from exc


class TaskState(State):
    kind = "Task"
    fields = frozenset({
        "Resource", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "TimeoutSeconds",
        "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Arguments",
    })
    has_result = True

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        super().__init__(name, spec, where, builder)
        if "Credentials" in spec:
            raise unsupported("Task field Credentials (cross-account role)", where)
        resource = spec.get("Resource")
        if not isinstance(resource, str):
            raise InvalidDefinitionError("a Task state needs a Resource string", where=where)
        self.resource = resource
        self.timeout: Json = spec.get("TimeoutSeconds")
        self.timeout_path: Json = spec.get("TimeoutSecondsPath")
        self.heartbeat: Json = spec.get("HeartbeatSeconds")
        self.heartbeat_path: Json = spec.get("HeartbeatSecondsPath")
        if self.timeout is not None and self.timeout_path is not None:
            raise InvalidDefinitionError("use TimeoutSeconds or TimeoutSecondsPath, not both", where=where)
        for value in (self.timeout, self.heartbeat):
            if self.jsonata and is_expression(value):
                continue
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
                raise InvalidDefinitionError("TimeoutSeconds/HeartbeatSeconds must be positive integers", where=where)
        if isinstance(self.timeout, int) and isinstance(self.heartbeat, int) and self.heartbeat >= self.timeout:
            raise InvalidDefinitionError("HeartbeatSeconds must be smaller than TimeoutSeconds", where=where)
        self.prefix, self.resource_type, self.resource_name = _kind(resource)

    def _seconds(self, fixed: Json, path: Json, view: View, rt: Runtime, field: str) -> float | None:
        if self.jsonata and is_expression(fixed):
            value = evaluate(str(fixed), self.query_env(view.data, rt, view.scope, view.call), field)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0 or int(value) != value:
                raise unexpected_type(str(fixed), field, "integer", value)
            return float(value)
        if path is None:
            return float(fixed) if is_number(fixed) else None  # type: ignore[arg-type]
        try:
            value = view.select(str(path))
        except PathError as exc:
            raise StatesError(RUNTIME, f"Invalid path '{path}' : No results for path: {canonical(str(path))}") from exc
        if not is_number(value) or value <= 0:  # type: ignore[operator]
            raise StatesError(RUNTIME, f"The value of '{path}' must be a positive integer, got {dumps(value)}")
        return float(value)  # type: ignore[arg-type]

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        if ".waitForTaskToken" in self.resource and call.task_token is None:
            call.task_token = str(uuid.UUID(int=rt.rng.getrandbits(128), version=4))
        return super().execute(raw, rt, scope, call)

    def work(self, effective: Json, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Json:
        input_view = View(raw, scope, call, rt.rng)
        timeout = self._seconds(self.timeout, self.timeout_path, input_view, rt, "TimeoutSeconds")
        heartbeat = self._seconds(self.heartbeat, self.heartbeat_path, input_view, rt, "HeartbeatSeconds")
        details: JsonObject = {"resourceType": self.resource_type, "resource": self.resource_name,
                               "region": str(rt.execution["Id"]).split(":")[3], "parameters": dumps(effective)}
        if timeout is not None:
            details["timeoutInSeconds"] = int(timeout)
        if heartbeat is not None:
            details["heartbeatInSeconds"] = int(heartbeat)
        event: JsonObject = {"resourceType": self.resource_type, "resource": self.resource_name}
        if self.prefix == "LambdaFunction":
            rt.history.add("LambdaFunctionScheduled", "lambdaFunctionScheduledEventDetails",
                           {"resource": self.resource, "input": dumps(effective)})
            rt.history.add("LambdaFunctionStarted")
        else:
            rt.history.add("TaskScheduled", "taskScheduledEventDetails", details)
            rt.history.add("TaskStarted", "taskStartedEventDetails", event)
        ctx = TaskContext(self.name, call.retry_count + 1, call.context_object(), timeout, heartbeat, rt.clock)
        started = rt.clock.now()
        try:
            result = invoke_resolver(rt, self.resource, effective, ctx)
            self._check_time(started, ctx, timeout or DEFAULT_TIMEOUT, heartbeat)
            check_size(result, f"result of the task '{self.name}'")
        except StatesError as err:
            self._failed(rt, err, event)
            raise
        if self.prefix == "LambdaFunction":
            rt.history.add("LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", {"output": dumps(result)})
        else:
            rt.history.add("TaskSucceeded", "taskSucceededEventDetails", {**event, "output": dumps(result)})
        return result

    def _check_time(self, started: datetime, ctx: TaskContext, timeout: float, heartbeat: float | None) -> None:
        finished = ctx.clock.now()
        if (finished - started).total_seconds() > timeout:
            raise StatesError(TIMEOUT, f"The task '{self.name}' ran longer than its timeout of {int(timeout)} seconds.")
        if heartbeat is not None:
            marks = [started, *ctx.heartbeats, finished]
            if any((b - a).total_seconds() > heartbeat for a, b in zip(marks, marks[1:], strict=False)):
                raise StatesError(HEARTBEAT_TIMEOUT, f"The task '{self.name}' sent no heartbeat for more than {int(heartbeat)} seconds.")

    def _failed(self, rt: Runtime, err: StatesError, event: JsonObject) -> None:
        timed_out = err.error in (TIMEOUT, HEARTBEAT_TIMEOUT)
        if self.prefix == "LambdaFunction":
            kind = "LambdaFunctionTimedOut" if timed_out else "LambdaFunctionFailed"
            rt.history.add(kind, kind[0].lower() + kind[1:] + "EventDetails", {"error": err.error, "cause": err.cause})
        else:
            kind = "TaskTimedOut" if timed_out else "TaskFailed"
            rt.history.add(kind, kind[0].lower() + kind[1:] + "EventDetails", {**event, "error": err.error, "cause": err.cause})
