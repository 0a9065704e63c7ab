"""The JSONata query language of Step Functions: ``{% expression %}`` values, evaluated with the
``jsonata-python`` library against ``$states`` (``input``, ``context``, ``result``, ``errorOutput``) and
the workflow variables, plus the functions Step Functions adds (``$partition``, ``$range``, ``$hash``,
``$random``, ``$uuid``, ``$parse``; ``$eval`` is not available) and a ``$now``/``$millis`` that read
the runtime's clock, so runs stay reproducible.

Failures are ``States.QueryEvaluationError`` with the cause texts AWS writes: "The JSONata expression
'<expr>' specified for the field '<field>' returned nothing (undefined)." / "... threw an error during
evaluation. <code>: <message>". Fields are named as AWS names them: ``Output/v``, ``Arguments/a[0]``,
``Choices[0]/Condition``, ``Catch[1]/Assign/x``.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from jsonata import Jsonata
from jsonata.utils import Utils

from orchestration.local.errors import QUERY_EVALUATION_ERROR, InvalidDefinitionError, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.query_functions import step_functions_functions

__all__ = ["QueryEnv", "compile_template", "evaluate", "expression_of", "is_expression", "json_type", "render_query", "unexpected_type"]

_OPEN, _CLOSE = "{%", "%}"


def is_expression(value: Json) -> bool:
    """A JSONata expression is a string that starts with ``{%`` and ends with ``%}``, nothing around."""
    return isinstance(value, str) and value.startswith(_OPEN) and value.endswith(_CLOSE) and len(value) >= 4


def expression_of(value: str) -> str:
    return value[2:-2].strip()


@lru_cache(maxsize=4096)
def _compiled(text: str) -> Jsonata:
    expression = Jsonata(text)
    expression.set_output_convert_nulls(False)
    return expression


def compile_template(template: Json, field: str, where: str) -> None:
    """Reject a template whose expressions do not parse (CreateStateMachine does the same)."""
    if isinstance(template, dict):
        for key, value in template.items():
            compile_template(value, f"{field}/{key}", where)
    elif isinstance(template, list):
        for i, value in enumerate(template):
            compile_template(value, f"{field}[{i}]", where)
    elif is_expression(template):
        text = expression_of(str(template))
        if text in ("$", "$$") or text.startswith(("$$", "$.", "$[")):
            raise InvalidDefinitionError(
                f"the JSONata expression {text!r} in {field} uses $ or $$ at the top level, which Step Functions does "
                "not allow; read the input as $states.input and the context as $states.context", where=where)
        try:
            _compiled(text)
        except Exception as exc:  # noqa: BLE001 - the library raises its own and Python errors
            raise InvalidDefinitionError(f"the JSONata expression {text!r} in {field} does not parse: {exc}", where=where) from exc


@dataclass(slots=True)
class QueryEnv:
    """What an expression sees: ``$states`` and the variables of the state's scope."""

    states: JsonObject
    variables: JsonObject
    """The variables as of entering the state (assignments take effect after it)."""
    now: datetime
    rng: random.Random

    def with_states(self, **values: Json) -> QueryEnv:
        return QueryEnv({**self.states, **values}, self.variables, self.now, self.rng)


def json_type(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _bindings(env: QueryEnv) -> dict[str, Any]:
    bindings: dict[str, Any] = {name: Utils.NULL_VALUE if value is None else value
                                for name, value in env.variables.items()}
    bindings["states"] = env.states
    millis = int(env.now.timestamp() * 1000)
    bindings.update(step_functions_functions(env.rng, millis))
    bindings["eval"] = None  # "$eval is not available - use $parse instead"
    return bindings


class _Unsupported(Exception):
    pass


def _plain(value: Any) -> Json:
    """The library's result as plain JSON; ``Utils.NULL_VALUE`` is JSON null."""
    if value is Utils.NULL_VALUE or value is None:
        return None
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise _Unsupported()
        return int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    raise _Unsupported()


_ARRAY_OF = {"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings"}


def _message(exc: Exception) -> str:
    """The error message as JavaScript JSONata (which AWS runs) words it, for the codes whose text the
    Python port renders differently; other messages pass through unchanged."""
    code = getattr(exc, "error", None)
    current, expected, extra = (getattr(exc, name, None) for name in ("current", "expected", "extra"))
    if code == "T0410":
        return f"Argument {current} of function {json.dumps(expected)} does not match function signature"
    if code == "T0412":
        return f"Argument {current} of function {json.dumps(expected)} must be an array of {json.dumps(_ARRAY_OF.get(str(extra), extra))}"
    if code in ("T2001", "T2002"):
        side = "left" if code == "T2001" else "right"
        return f"The {side} side of the {json.dumps(current)} operator must evaluate to a number"
    return str(exc) if str(exc) else type(exc).__name__


def _fail(text: str, field: str, tail: str) -> StatesError:
    return StatesError(QUERY_EVALUATION_ERROR, f"The JSONata expression '{text}' specified for the field '{field}' {tail}")


def evaluate(expression: str, env: QueryEnv, field: str) -> Json:
    """Evaluate one ``{% ... %}`` value; undefined and errors are ``States.QueryEvaluationError``."""
    text = expression_of(expression)
    try:
        raw = _compiled(text).evaluate(None, _bindings(env))
    except Exception as exc:  # noqa: BLE001 - JException, and Python errors (ZeroDivisionError, ...)
        code = getattr(exc, "error", None)
        message = _message(exc)
        detail = f". {code}: {message}" if isinstance(code, str) and code else f": {message}"
        raise _fail(text, field, "threw an error during evaluation" + detail) from exc
    if raw is None:
        raise _fail(text, field, "returned nothing (undefined).")
    try:
        return _plain(raw)
    except _Unsupported:
        raise _fail(text, field, "returned an unsupported result type.") from None


def render_query(template: Json, env: QueryEnv, field: str) -> Json:
    """Evaluate every expression in a JSON template (objects and arrays at any depth)."""
    if isinstance(template, str):
        return evaluate(template, env, field) if is_expression(template) else template
    if isinstance(template, dict):
        return {key: render_query(value, env, f"{field}/{key}") for key, value in template.items()}
    if isinstance(template, list):
        return [render_query(value, env, f"{field}[{i}]") for i, value in enumerate(template)]
    return template


def unexpected_type(expression: str, field: str, expected: str, value: Json) -> StatesError:
    """A field whose expression returned the wrong JSON type (``Items`` not an array, ...)."""
    shown = f'"{value}"' if isinstance(value, str) else dumps(value)
    return _fail(expression_of(expression), field,
                 f"returned an unexpected result type. Expected '{expected}', but was '{json_type(value)}' for value: {shown}")
