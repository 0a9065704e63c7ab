"""Retry and Catch: retrier/catcher models, error-name matching and back-off.

Matching follows the AWS error-handling rules: ``States.ALL`` matches every error except the terminal
``States.Runtime`` and ``States.DataLimitExceeded``; ``States.TaskFailed`` additionally excludes
``States.Timeout``; ``States.Timeout`` also matches ``States.HeartbeatTimeout``; ``States.ALL`` must be
alone in the last retrier/catcher."""

from __future__ import annotations

import random
from dataclasses import dataclass

from orchestration.local.errors import (
    ALL,
    DATA_LIMIT_EXCEEDED,
    HEARTBEAT_TIMEOUT,
    RUNTIME,
    TASK_FAILED,
    TIMEOUT,
    InvalidDefinitionError,
)
from orchestration.local.json_types import Json, JsonObject

__all__ = ["Catcher", "Retrier", "error_matches", "parse_catchers", "parse_retriers"]

_TERMINAL = {RUNTIME, DATA_LIMIT_EXCEEDED}


def error_matches(names: tuple[str, ...], error: str | None) -> bool:
    if error == RUNTIME:
        return False
    for name in names:
        if name == error:
            return True
        if error == DATA_LIMIT_EXCEEDED:
            continue
        if name == ALL:
            return True
        if name == TASK_FAILED and error not in (TIMEOUT, HEARTBEAT_TIMEOUT):
            return True
        if name == TIMEOUT and error == HEARTBEAT_TIMEOUT:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval_seconds: float = 1.0
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter: str = "NONE"

    def delay(self, retry_number: int, rng: random.Random) -> float:
        """Seconds before retry ``retry_number`` (1 for the first retry)."""
        seconds = self.interval_seconds * self.backoff_rate ** (retry_number - 1)
        if self.max_delay_seconds is not None:
            seconds = min(seconds, self.max_delay_seconds)
        if self.jitter == "FULL":
            seconds = rng.uniform(0, seconds)
        return seconds


@dataclass(frozen=True, slots=True)
class Catcher:
    error_equals: tuple[str, ...]
    next: str
    result_path: str | None = "$"
    assign: JsonObject | None = None
    index: int = 0
    output: Json = None
    has_output: bool = False
    """JSONata catchers: ``Output`` (default: the error output ``{Error, Cause}``)."""


def _names(spec: JsonObject, where: str, last: bool) -> tuple[str, ...]:
    names = spec.get("ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise InvalidDefinitionError("ErrorEquals must be a non-empty array of error names", where=where)
    if ALL in names and (len(names) != 1 or not last):
        raise InvalidDefinitionError("States.ALL must appear alone in the last retrier/catcher", where=where)
    return tuple(names)  # type: ignore[arg-type]


def _number(spec: JsonObject, key: str, default: float, minimum: float, where: str) -> float:
    value: Json = spec.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value < minimum:
        raise InvalidDefinitionError(f"{key} must be a number >= {minimum}", where=where)
    return float(value)


def parse_retriers(specs: Json, where: str) -> tuple[Retrier, ...]:
    if specs is None:
        return ()
    if not isinstance(specs, list):
        raise InvalidDefinitionError("Retry must be an array", where=where)
    out = []
    for i, spec in enumerate(specs):
        at = f"{where}.Retry[{i}]"
        if not isinstance(spec, dict):
            raise InvalidDefinitionError("a retrier must be an object", where=at)
        jitter = spec.get("JitterStrategy", "NONE")
        if jitter not in ("FULL", "NONE"):
            raise InvalidDefinitionError("JitterStrategy must be FULL or NONE", where=at)
        max_delay = spec.get("MaxDelaySeconds")
        out.append(Retrier(
            _names(spec, at, i == len(specs) - 1),
            _number(spec, "IntervalSeconds", 1, 1, at),
            int(_number(spec, "MaxAttempts", 3, 0, at)),
            _number(spec, "BackoffRate", 2.0, 1.0, at),
            None if max_delay is None else _number(spec, "MaxDelaySeconds", 0, 1, at),
            str(jitter),
        ))
    return tuple(out)


def parse_catchers(specs: Json, where: str, jsonata: bool = False) -> tuple[Catcher, ...]:
    if specs is None:
        return ()
    if not isinstance(specs, list):
        raise InvalidDefinitionError("Catch must be an array", where=where)
    out = []
    for i, spec in enumerate(specs):
        at = f"{where}.Catch[{i}]"
        if not isinstance(spec, dict) or not isinstance(spec.get("Next"), str):
            raise InvalidDefinitionError("a catcher must be an object with Next", where=at)
        wrong = "ResultPath" if jsonata else "Output"
        if wrong in spec:
            raise InvalidDefinitionError(f"a {'JSONata' if jsonata else 'JSONPath'} catcher cannot have {wrong}", where=at)
        assign = spec.get("Assign")
        if assign is not None and not isinstance(assign, dict):
            raise InvalidDefinitionError("Assign must be a JSON object of variable names", where=at)
        out.append(Catcher(_names(spec, at, i == len(specs) - 1), str(spec["Next"]),
                           spec.get("ResultPath", "$"),  # type: ignore[arg-type]
                           assign if isinstance(assign, dict) else None, i, spec.get("Output"), "Output" in spec))
    return tuple(out)
