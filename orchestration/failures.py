"""The root cause of a failed run: the first real failure, never a Step Functions wrapper.

A Distributed Map whose child failed reports ``States.ExceedToleratedFailureThreshold``; a Lambda task
reports its error as a JSON string with a stack trace; a Glue ``.sync`` task reports the whole JobRun
as JSON. None of these is what a person needs first. This module turns them into one
``{"error", "cause", "state", ...}`` naming the object, position and rule, and keeps the wrapper as
``wrapped_by``. The failure-path Lambda (``lambdas.handlers.failure``) and the local run summary both
call it, so AWS and the local runtime lead with the same error.

Batch failure records: a process-batch invocation that fails writes
``<run>/failures/batch-NNNNN.json`` (``{"state", "batch", "error", "cause", "at"}``) before it
re-raises, because the Distributed Map's own error does not carry its children's errors.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["WRAPPERS", "unwrap", "failure_record", "root_cause", "failure_record_uri", "FAILURES_DIR"]

WRAPPERS = frozenset({
    "States.ExceedToleratedFailureThreshold",
    "States.BranchFailed",
})
"""Errors that only say "something inside failed"; the root cause is one of the children's errors."""

FAILURES_DIR = "failures"
_CAUSE_LIMIT = 4000


def failure_record_uri(manifest_uri: str, batch: int) -> str:
    """Where batch ``batch`` of the run whose manifest is ``manifest_uri`` records its failure."""
    return f"{manifest_uri.rsplit('/', 1)[0]}/{FAILURES_DIR}/batch-{batch:05d}.json"


def unwrap(error: str | None, cause: str | None) -> tuple[str | None, str | None]:
    """``(error, cause)`` with the transport removed: a Lambda error payload becomes its ``errorType``
    and ``errorMessage`` (no stack trace), a Glue JobRun its ``ErrorMessage``; anything else is kept."""
    if not cause or not cause.lstrip().startswith("{"):
        return error, cause
    try:
        body = json.loads(cause)
    except ValueError:
        return error, cause
    if not isinstance(body, dict):
        return error, cause
    if "errorMessage" in body:
        kind = body.get("errorType")
        name = str(kind) if kind and (not error or error.startswith("States.")) else error
        return name, str(body["errorMessage"])
    if "JobRunState" in body or "ErrorMessage" in body:
        job = f"Glue job {body.get('JobName', '?')} run {body.get('Id', '?')}"
        message = str(body.get("ErrorMessage") or f"job run ended {body.get('JobRunState', 'FAILED')}")
        named, rest = _lockgate_error(message)
        return (named, f"{rest} ({job})") if named else (error, f"{job}: {message}")
    return error, cause


def _lockgate_error(message: str) -> tuple[str | None, str]:
    """``orchestration.core.errors.DataError: s3://...: corrupt`` (a Glue ErrorMessage, the driver's last
    exception line) -> ``("Lockgate.DataError", "s3://...: corrupt")``; other messages -> ``(None, message)``."""
    from orchestration.core.errors import ASL_ERROR_NAMES

    head, sep, rest = message.partition(": ")
    if sep and " " not in head:
        name = head.rsplit(".", 1)[-1]
        for asl, cls in ASL_ERROR_NAMES.items():
            if head == asl or name == cls.__name__:
                return asl, rest
    return None, message


def failure_record(state: str, batch: int, err: BaseException, at: str) -> dict[str, Any]:
    """What a failed batch writes to :func:`failure_record_uri`."""
    error = getattr(err, "asl_error", None) or type(err).__name__
    return {"state": state, "batch": batch, "error": error, "cause": str(err)[:_CAUSE_LIMIT], "at": at}


def root_cause(*, state: str | None, error: str | None, cause: str | None,
               children: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The run's root cause from the failure the execution caught (``state``, ``error``, ``cause``)
    and, when that is a wrapper, the children's failures (``[{"state", "error", "cause", ...}]``, in
    the order they happened). The wrapper stays as ``wrapped_by``."""
    error, cause = unwrap(error, cause)
    outer = {"state": state, "error": error, "cause": cause}
    if error in WRAPPERS:
        for child in children or []:
            if child.get("error") in WRAPPERS or not child.get("error"):
                continue
            inner_error, inner_cause = unwrap(child.get("error"), child.get("cause"))
            found = {k: v for k, v in child.items() if k not in ("error", "cause", "at")}
            return {**found, "state": child.get("state") or state, "error": inner_error,
                    "cause": (inner_cause or "")[:_CAUSE_LIMIT], "wrapped_by": outer}
        cause = (f"{cause or error}; no batch recorded its error (a timeout or an out-of-memory kill leaves "
                 f"none): open the failed child executions of {state or 'the Map'}'s Map Run in the Step "
                 "Functions console")
    return {**outer, "cause": (cause or "")[:_CAUSE_LIMIT], "wrapped_by": None}
