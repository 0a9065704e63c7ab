"""Map settings read from the input at run time (``MaxConcurrencyPath``, ``ToleratedFailureCountPath``,
``ToleratedFailurePercentagePath``) and the ``States.Runtime`` causes Step Functions gives when the value
does not fit. A numeric string is read as its number, as Step Functions does; JSON text of anything
else is quoted in the cause (strings bare)."""

from __future__ import annotations

from orchestration.local.choice_rules import is_number
from orchestration.local.errors import RUNTIME, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View

__all__ = ["max_concurrency_from_path", "shown", "tolerated_count_from_path", "tolerated_percentage_from_path"]


def shown(value: Json) -> str:
    """A value as the runtime causes quote it: strings bare, everything else as JSON."""
    return value if isinstance(value, str) else dumps(value)


def _select(path: str, view: View) -> Json:
    try:
        return view.select(path)
    except PathError as exc:
        raise StatesError(RUNTIME, f"The JSONPath '{path}' could not be found in the input '{dumps(view.data)}'") from exc


def _as_int(value: Json) -> int | None:
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    if is_number(value):
        return int(value)  # type: ignore[arg-type]
    return None


def max_concurrency_from_path(path: str, view: View) -> int:
    value = _select(path, view)
    number = _as_int(value)
    if number is None:
        raise StatesError(RUNTIME, f'The MaxConcurrencyPath field refers to value "{shown(value)}" which is not a valid integer: {path}')
    if number < 0:
        raise StatesError(RUNTIME, f"Expected non-negative integer for MaxConcurrency, got '{number}' instead.")
    return number


def tolerated_count_from_path(path: str, view: View) -> float:
    value = _select(path, view)
    number = _as_int(value) if not isinstance(value, float) or value.is_integer() else None
    if number is None:
        raise StatesError(RUNTIME, f'The ToleratedFailureCountPath field refers to value "{shown(value)}" which is not a valid integer: {path}')
    if number < 0:
        raise StatesError(RUNTIME, "ToleratedFailureCount cannot be negative.")
    return float(number)


def tolerated_percentage_from_path(path: str, view: View) -> float:
    value = _select(path, view)
    number: float | None = float(value) if is_number(value) else None  # type: ignore[arg-type]
    if isinstance(value, str):
        as_int = _as_int(value)
        number = float(as_int) if as_int is not None else None
    if number is None:
        raise StatesError(RUNTIME, f'The ToleratedFailurePercentagePath field refers to value "{shown(value)}" which is not a valid float: {path}')
    if not 0.0 <= number <= 100.0:
        raise StatesError(RUNTIME, "ToleratedFailurePercentage must be between 0 and 100.")
    return number
