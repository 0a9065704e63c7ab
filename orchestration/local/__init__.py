"""Lockgate's local runtime: a pure Amazon States Language interpreter (``interpreter.execute``).

Local AWS services (Lambda handlers, Glue, S3) plug in through the task resolver; see
``docs/local-runtime.md``.
"""

from __future__ import annotations

from orchestration.local.clock import Clock, SystemClock, VirtualClock
from orchestration.local.context import ExecutionContext
from orchestration.local.errors import InvalidDefinitionError, StatesError, TaskFailure
from orchestration.local.interpreter import ExecutionResult, InputTooLargeError, execute
from orchestration.local.runtime import TaskContext, TaskResolver

__all__ = [
    "Clock",
    "ExecutionContext",
    "ExecutionResult",
    "InputTooLargeError",
    "InvalidDefinitionError",
    "StatesError",
    "SystemClock",
    "TaskContext",
    "TaskFailure",
    "TaskResolver",
    "VirtualClock",
    "execute",
]
