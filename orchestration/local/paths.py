"""Path processing: InputPath, Parameters/ItemSelector/ResultSelector templates, ResultPath,
OutputPath. Paths may address the state data (``$``), the context object (``$$``) or a variable
(``$name``); template values whose key ends in ``.$`` may also be intrinsic calls."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from orchestration.local import jsonpath
from orchestration.local.context import StateCall
from orchestration.local.errors import RESULT_PATH_MATCH_FAILURE, RUNTIME, InvalidDefinitionError, StatesError
from orchestration.local.history import dumps
from orchestration.local.intrinsics import evaluate, is_intrinsic, validate
from orchestration.local.intrinsics.parser import IntrinsicSyntaxError
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.runtime import Scope

__all__ = ["View", "apply_input_path", "apply_output_path", "apply_result_path", "render", "validate_template"]

_VARIABLE = re.compile(r"\$([^\s.\[$]+)(.*)$", re.S)


@dataclass(slots=True)
class View:
    """What ``$``, ``$$`` and ``$name`` point at while a field is evaluated."""

    data: Json
    scope: Scope
    call: StateCall
    rng: random.Random

    def with_data(self, data: Json) -> View:
        return View(data, self.scope, self.call, self.rng)

    def select(self, path: str) -> Json:
        try:
            return self._select(path)
        except jsonpath.PathError as exc:
            raise jsonpath.PathError(str(exc), path) from exc

    def _select(self, path: str) -> Json:
        if path.startswith("$$"):
            return jsonpath.select("$" + path[2:], self.call.context_object())
        if path == "$" or path[1] in ".[":
            return jsonpath.select(path, self.data)
        match = _VARIABLE.match(path)
        if not match:
            raise jsonpath.PathError(f"bad path {path!r}")
        found, value = self.scope.lookup(match.group(1))
        if not found:
            raise jsonpath.PathError(f"Undefined variable ${match.group(1)}")
        return jsonpath.select("$" + match.group(2), value)

    def value_of(self, expression: str) -> Json:
        """A ``.$`` field's value: an intrinsic call or a path."""
        if is_intrinsic(expression):
            return evaluate(expression, self.select, self.rng)
        return self.select(expression)


def canonical(path: str) -> str:
    try:
        segments = jsonpath.parse(path).segments
    except jsonpath.PathError:
        return path
    out = "$"
    for seg in segments:
        if isinstance(seg, jsonpath.Name):
            out += f"['{seg.name}']"
        elif isinstance(seg, jsonpath.Index):
            out += f"[{seg.index}]"
        else:
            return path
    return out


def _invalid_path(path: str) -> StatesError:
    return StatesError(RUNTIME, f"Invalid path '{path}' : No results for path: {canonical(path)}")


def apply_input_path(value: Json, path: str | None, view: View) -> Json:
    if path is None:
        return {}
    if path == "$":
        return value
    try:
        return view.with_data(value).select(path)
    except jsonpath.PathError as exc:
        raise _invalid_path(path) from exc


def apply_output_path(value: Json, path: str | None, view: View) -> Json:
    return apply_input_path(value, path, view)


def apply_result_path(raw_input: Json, path: str | None, result: Json) -> Json:
    if path is None:
        return raw_input
    try:
        return jsonpath.assign(path, raw_input, result)
    except jsonpath.PathError as exc:
        raise StatesError(
            RESULT_PATH_MATCH_FAILURE,
            f"Unable to apply step \"{path}\" to input {dumps(raw_input)}",
        ) from exc


def render(template: Json, view: View) -> Json:
    """Evaluate a payload template (Parameters, ItemSelector, ResultSelector, Assign values)."""
    if isinstance(template, dict):
        out: JsonObject = {}
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str):
                out[key[:-2]] = _field(key, value, view)
            else:
                out[key] = render(value, view)
        return out
    if isinstance(template, list):
        return [render(v, view) for v in template]
    return template


def _field(key: str, expression: str, view: View) -> Json:
    try:
        return view.value_of(expression)
    except jsonpath.PathError as exc:
        path = exc.path or expression
        source = view.call.context_object() if path.startswith("$$") else view.data
        raise StatesError(
            RUNTIME,
            f"The JSONPath '{path}' specified for the field '{key}' could not be found in the input '{dumps(source)}'",
        ) from exc


def validate_template(template: Json, where: str) -> None:
    """Reject malformed intrinsic calls in a payload template when the definition is built."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str) and is_intrinsic(value):
                try:
                    validate(value)
                except IntrinsicSyntaxError as exc:
                    raise InvalidDefinitionError(f"invalid intrinsic function in field {key!r}: {exc}", where=where) from exc
            else:
                validate_template(value, where)
    elif isinstance(template, list):
        for value in template:
            validate_template(value, where)
