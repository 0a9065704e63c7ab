"""What every state sees while it runs: the shared runtime of one execution and the variable scope."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from orchestration.local.clock import Clock
from orchestration.local.errors import DATA_LIMIT_EXCEEDED, StatesError
from orchestration.local.history import History, dumps
from orchestration.local.json_types import Json, JsonObject

if TYPE_CHECKING:
    from orchestration.local.states.distributed import MapRun

__all__ = [
    "PAYLOAD_LIMIT",
    "ExecutionAborted",
    "ExecutionTimedOut",
    "Runtime",
    "Scope",
    "TaskContext",
    "TaskResolver",
    "check_size",
    "sized_text",
]

PAYLOAD_LIMIT = 262_144
"""256 KB: the largest state input or output, counted as UTF-8 bytes of the JSON text."""


class ExecutionAborted(Exception):
    """``cancel()`` returned true: the execution stops as if StopExecution had been called."""


class ExecutionTimedOut(Exception):
    """The state machine's own ``TimeoutSeconds`` passed on the clock."""


@dataclass(slots=True)
class TaskContext:
    """Handed to the task resolver with every call."""

    state_name: str
    attempt: int
    """1 for the first try, 2 for the first retry, ..."""
    context_object: Json
    """The ``$$`` object as the state sees it."""
    timeout_seconds: float | None
    heartbeat_seconds: float | None
    clock: Clock
    """Advance it to report how long the task took (``clock.advance(900)``); timeouts use it."""
    heartbeats: list[datetime] = field(default_factory=list)

    def heartbeat(self) -> None:
        """Record a SendTaskHeartbeat at the clock's current time."""
        self.heartbeats.append(self.clock.now())


class TaskResolver(Protocol):
    def __call__(self, resource: str, parameters: Json, context: TaskContext) -> Json:
        """Run ``resource`` with ``parameters``; return its result or raise ``TaskFailure``."""
        ...


class Scope:
    """Workflow variables. A child scope (Map iteration, Parallel branch) reads its parents' variables
    and writes only its own; a distributed Map child starts with no parent."""

    __slots__ = ("map_item", "parent", "values")

    def __init__(self, parent: Scope | None = None, map_item: JsonObject | None = None) -> None:
        self.parent = parent
        self.values: JsonObject = {}
        self.map_item: JsonObject | None = map_item if map_item is not None else (parent.map_item if parent else None)
        """``$$.Map.Item`` for the states of a Map iteration."""

    def lookup(self, name: str) -> tuple[bool, Json]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.values:
                return True, scope.values[name]
            scope = scope.parent
        return False, None

    def visible(self) -> JsonObject:
        """Every variable this scope can read, inner names shadowing outer ones (for JSONata)."""
        chain: list[Scope] = []
        scope: Scope | None = self
        while scope is not None:
            chain.append(scope)
            scope = scope.parent
        merged: JsonObject = {}
        for link in reversed(chain):
            merged.update(link.values)
        return merged

    def assign(self, values: JsonObject) -> None:
        self.values.update(values)

    def child(self, map_item: JsonObject | None = None) -> Scope:
        return Scope(self, map_item)


@dataclass(slots=True)
class Runtime:
    """Shared by all states of one execution (a distributed Map child gets its own)."""

    resolver: TaskResolver
    clock: Clock
    history: History
    execution: JsonObject
    state_machine: JsonObject
    rng: random.Random
    deadline: datetime | None = None
    cancel: Callable[[], bool] | None = None
    map_runs: list[MapRun] = field(default_factory=list)
    payload_limit: int = PAYLOAD_LIMIT

    def check(self) -> None:
        """Called before every state: honours cancellation and the execution timeout."""
        if self.cancel is not None and self.cancel():
            raise ExecutionAborted()
        if self.deadline is not None and self.clock.now() >= self.deadline:
            raise ExecutionTimedOut()

    def sleep(self, seconds: float) -> None:
        """Let time pass, but never past the execution deadline."""
        if self.deadline is not None:
            left = (self.deadline - self.clock.now()).total_seconds()
            if seconds >= left:
                self.clock.advance(max(left, 0.0))
                raise ExecutionTimedOut()
        self.clock.advance(seconds)

    def child(self, history: History, execution: JsonObject) -> Runtime:
        return Runtime(self.resolver, self.clock, history, execution, self.state_machine, self.rng,
                       self.deadline, self.cancel, self.map_runs, self.payload_limit)


def sized_text(value: Json, what: str, limit: int = PAYLOAD_LIMIT) -> str:
    """``value`` as compact JSON; ``States.DataLimitExceeded`` when its UTF-8 form is over the quota."""
    text = dumps(value)
    size = len(text) if text.isascii() else len(text.encode())
    if size > limit:
        raise StatesError(
            DATA_LIMIT_EXCEEDED,
            f"The {what} has a size of {size} bytes which exceeds the maximum of {limit} bytes.",
        )
    return text


def check_size(value: Json, what: str, limit: int = PAYLOAD_LIMIT) -> Json:
    """Raise ``States.DataLimitExceeded`` when ``value`` is larger than the payload quota."""
    sized_text(value, what, limit)
    return value
