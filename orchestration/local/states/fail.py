"""Fail: stops the (sub-)program with Error/Cause (or ErrorPath/CausePath, which may be intrinsics)."""

from __future__ import annotations

from orchestration.local.context import StateCall
from orchestration.local.errors import RUNTIME, InvalidDefinitionError, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View
from orchestration.local.query import compile_template, evaluate, is_expression
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State, Step

__all__ = ["FailState"]


class FailState(State):
    kind = "Fail"
    fields = frozenset({"Error", "Cause", "ErrorPath", "CausePath"})

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        super().__init__(name, spec, where, builder)
        self.error = spec.get("Error")
        self.cause = spec.get("Cause")
        self.error_path = spec.get("ErrorPath")
        self.cause_path = spec.get("CausePath")
        for fixed, path in (("Error", "ErrorPath"), ("Cause", "CausePath")):
            if fixed in spec and path in spec:
                raise InvalidDefinitionError(f"use {fixed} or {path}, not both", where=where)
            if self.jsonata:
                compile_template(spec.get(fixed), fixed, where)
        if "Output" in spec:
            raise InvalidDefinitionError("a Fail state has no Output", where=where)

    def _expression(self, value: Json, field: str, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> str | None:
        if not is_expression(value):
            return value if isinstance(value, str) else None
        result = evaluate(str(value), self.query_env(raw, rt, scope, call), field)
        if not isinstance(result, str):
            raise StatesError(RUNTIME, f"The {field} expression of a Fail state must give a string, got {dumps(result)}")
        return result

    def _text(self, fixed: Json, path: Json, field: str, view: View) -> str | None:
        if path is None:
            return fixed if isinstance(fixed, str) else None
        try:
            value = view.value_of(str(path))
        except PathError as exc:
            raise StatesError(RUNTIME, f"The JSONPath '{path}' specified for the field '{field}' could not be found in the input '{dumps(view.data)}'") from exc
        if not isinstance(value, str):
            raise StatesError(RUNTIME, f"The {field} '{path}' must resolve to a string, got {value!r}")
        return value

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        if self.jsonata:
            error = self._expression(self.error, "Error", raw, rt, scope, call)
            raise StatesError(error, self._expression(self.cause, "Cause", raw, rt, scope, call))
        view = View(raw, scope, call, rt.rng)
        error = self._text(self.error, self.error_path, "ErrorPath", view)
        cause = self._text(self.cause, self.cause_path, "CausePath", view)
        raise StatesError(error, cause)

    def exit(self, rt: Runtime, step: Step) -> None:  # pragma: no cover - Fail never exits normally
        return None
