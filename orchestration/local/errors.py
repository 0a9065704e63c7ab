"""Errors of the local ASL interpreter.

``StatesError`` is how a failure travels through the state lifecycle: it carries the ASL error name
and cause, exactly what a Retry/Catch matches and what ``ExecutionFailed`` reports. ``TaskFailure`` is
what a task resolver raises to make a Task fail with a chosen error name.
"""

from __future__ import annotations

from orchestration.core.errors import LockgateError, UnsupportedFeatureError

__all__ = [
    "ALL",
    "BRANCH_FAILED",
    "DATA_LIMIT_EXCEEDED",
    "EXCEED_TOLERATED_FAILURE_THRESHOLD",
    "HEARTBEAT_TIMEOUT",
    "INTRINSIC_FAILURE",
    "ITEM_READER_FAILED",
    "NO_CHOICE_MATCHED",
    "PARAMETER_PATH_FAILURE",
    "PERMISSIONS",
    "QUERY_EVALUATION_ERROR",
    "RESULT_PATH_MATCH_FAILURE",
    "RESULT_WRITER_FAILED",
    "RUNTIME",
    "TASK_FAILED",
    "TIMEOUT",
    "HistoryLimitExceeded",
    "InvalidDefinitionError",
    "StatesError",
    "TaskFailure",
    "unsupported",
]

ALL = "States.ALL"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
TASK_FAILED = "States.TaskFailed"
PERMISSIONS = "States.Permissions"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
PARAMETER_PATH_FAILURE = "States.ParameterPathFailure"
BRANCH_FAILED = "States.BranchFailed"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
INTRINSIC_FAILURE = "States.IntrinsicFailure"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"
ITEM_READER_FAILED = "States.ItemReaderFailed"
RESULT_WRITER_FAILED = "States.ResultWriterFailed"
DATA_LIMIT_EXCEEDED = "States.DataLimitExceeded"
RUNTIME = "States.Runtime"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"


class StatesError(Exception):
    """A state failed with an ASL error name and a cause (both end up in the history)."""

    def __init__(self, error: str | None, cause: str | None = "") -> None:
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}")


class TaskFailure(Exception):
    """Raised by a task resolver: the Task fails with ``error`` (an ASL error name) and ``cause``."""

    def __init__(self, error: str, cause: str = "") -> None:
        self.error = error
        self.cause = cause
        super().__init__(f"{error}: {cause}")


class HistoryLimitExceeded(Exception):
    """The execution history would pass 25,000 events; the execution fails, nothing can catch it."""


class InvalidDefinitionError(LockgateError):
    """The state machine definition is invalid (AWS rejects it at CreateStateMachine)."""

    asl_error = "States.Runtime"


def unsupported(feature: str, where: str) -> StatesError:
    """The error for an ASL feature this runtime does not implement; never silently ignored."""
    message = f"{feature} is not supported by the local runtime"
    return StatesError(UnsupportedFeatureError.asl_error, f"{message} (at {where})" if where else message)
