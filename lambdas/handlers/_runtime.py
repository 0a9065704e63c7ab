"""What every handler shares: Powertools logger and metrics, event parsing, storage, and the error names
Step Functions sees.

Error names: the Python Lambda runtime reports ``errorType`` as the raised exception's class
``__name__`` and Step Functions matches ``ErrorEquals`` against it verbatim. A LockgateError is therefore
re-raised as itself with its class swapped for a subclass *named* its ``asl_error``
(``Lockgate.QualityError``), so the generated Retry/Catch blocks match (ADR 0003, "Error names").
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ValidationError

from orchestration.core.errors import ConfigError, LockgateError
from orchestration.core.storage import Storage, get_storage

__all__ = [
    "logger", "metrics", "lambda_handler", "parse_event", "storage", "control_uri", "asl_named",
    "add_row_metrics", "CONTROL_ENV",
]

CONTROL_ENV = "LOCKGATE_CONTROL_URI"

logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "lockgate"))
metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "Lockgate"))

M = TypeVar("M", bound=BaseModel)
_ASL_CLASSES: dict[type[LockgateError], type[LockgateError]] = {}


def asl_named(err: LockgateError) -> LockgateError:
    """The same error object, its class now a subclass whose ``__name__`` is ``err.asl_error``.

    ``isinstance`` checks keep working; only the name Lambda reports changes.
    """
    cls = type(err)
    if cls.__name__ == cls.asl_error:
        return err
    named = _ASL_CLASSES.get(cls)
    if named is None:
        named = type(cls.asl_error, (cls,), {"__module__": cls.__module__, "__qualname__": cls.asl_error})
        _ASL_CLASSES[cls] = named
    err.__class__ = named
    return err


def parse_event(event: Any, model: type[M]) -> M:
    """The event as ``model``; a malformed event is a ConfigError (the state machine passed the wrong shape)."""
    from aws_lambda_powertools.utilities.parser import parse

    try:
        return parse(event=event, model=model)
    except ValidationError as e:
        first = e.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(event)"
        raise ConfigError(
            f"{first['msg']}; the state machine must send the shape in docs/contracts.md "
            "(regenerate it with `lockgate render`)",
            where=f"{model.__name__} event field {loc}",
        ) from None


def storage() -> Storage:
    """The local lake when LOCKGATE_LAKE is set, else S3."""
    return get_storage()


def control_uri() -> str:
    uri = os.environ.get(CONTROL_ENV, "")
    if not uri.startswith("s3://"):
        raise ConfigError(
            f"{CONTROL_ENV} is {uri!r}; set it to the control location, e.g. s3://my-control-bucket/ "
            "(Terraform sets it on every Lockgate function)",
            where="Lambda environment",
        )
    return uri


def add_row_metrics(import_name: str, counts: Any) -> None:
    """rows_in / rows_written / rows_rejected / rows_filtered / rows_deduplicated of a result."""
    metrics.add_dimension(name="import", value=import_name)
    for name in ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated"):
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=int(getattr(counts, name)))
    if getattr(counts, "bytes_in", None) is not None:
        metrics.add_metric(name="bytes_in", unit=MetricUnit.Bytes, value=int(counts.bytes_in))


_LOCAL_CONTEXT = SimpleNamespace(
    function_name="lockgate-local", memory_limit_in_mb=0, invoked_function_arn="local", aws_request_id="local"
)


def lambda_handler(fn: Callable[[Any, Any], dict[str, Any]]) -> Callable[[Any, Any], dict[str, Any]]:
    """Wrap a handler: Lambda context in every log line, metrics flushed as EMF, ASL error names."""

    inner = metrics.log_metrics(logger.inject_lambda_context(fn, clear_state=True), capture_cold_start_metric=True)

    @functools.wraps(fn)
    def wrapper(event: Any, context: Any = None) -> dict[str, Any]:
        try:
            return inner(event, context if context is not None else _LOCAL_CONTEXT)
        except LockgateError as e:
            logger.error("%s: %s", e.asl_error, e)
            asl_named(e)
            raise

    return wrapper
