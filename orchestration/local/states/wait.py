"""Wait: lets time pass on the runtime's clock (virtual by default, so it costs nothing).

``SecondsPath`` must select a non-negative integer and ``TimestampPath`` an ISO-8601 timestamp; the
causes are the ones Step Functions gives ("The SecondsPath parameter cannot be parsed as a long value:
$.s == 1.5", ...). In a JSONata state ``Seconds`` and ``Timestamp`` may be ``{% %}`` expressions.
"""

from __future__ import annotations

from orchestration.local.choice_rules import parse_timestamp
from orchestration.local.context import StateCall
from orchestration.local.errors import RUNTIME, InvalidDefinitionError, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View, apply_input_path
from orchestration.local.query import compile_template, evaluate, is_expression, unexpected_type
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State, Step
from orchestration.local.states.map_limits import shown

__all__ = ["WaitState"]

_MODES = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")


def _is_long(value: Json) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class WaitState(State):
    kind = "Wait"
    fields = frozenset(_MODES)

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        super().__init__(name, spec, where, builder)
        given = [m for m in _MODES if m in spec]
        if len(given) != 1:
            raise InvalidDefinitionError("a Wait state needs exactly one of " + ", ".join(_MODES), where=where)
        self.mode = given[0]
        self.value: Json = spec[self.mode]
        if self.jsonata and is_expression(self.value):
            compile_template(self.value, self.mode, where)
        elif self.mode == "Seconds" and (not _is_long(self.value) or self.value < 0):  # type: ignore[operator]
            raise InvalidDefinitionError("Seconds must be a non-negative integer", where=where)
        elif self.mode == "Timestamp" and parse_timestamp(self.value) is None:
            raise InvalidDefinitionError(f"Timestamp {self.value!r} is not an ISO-8601 timestamp", where=where)

    def _value(self, effective: Json, view: View, rt: Runtime) -> Json:
        if self.mode == "SecondsPath":
            try:
                return view.with_data(effective).select(str(self.value))
            except PathError as exc:
                raise StatesError(RUNTIME, f"The SecondsPath parameter does not reference an input value: {self.value}") from exc
        if self.mode == "TimestampPath":
            try:
                return view.with_data(effective).select(str(self.value))
            except PathError as exc:
                raise StatesError(RUNTIME, f"The JSONPath '{self.value}' specified for the field 'TimestampPath' could "
                                           f"not be found in the input '{dumps(effective)}'") from exc
        if is_expression(self.value):
            return evaluate(str(self.value), self.query_env(effective, rt, view.scope, view.call), self.mode)
        return self.value

    def _seconds(self, effective: Json, view: View, rt: Runtime) -> float:
        value = self._value(effective, view, rt)
        if self.mode == "Seconds" and is_expression(self.value):
            if not _is_long(value) or value < 0:  # type: ignore[operator]
                raise unexpected_type(str(self.value), "Seconds", "integer", value)
        elif self.mode == "SecondsPath":
            if not _is_long(value):
                raise StatesError(RUNTIME, f"The SecondsPath parameter cannot be parsed as a long value: {self.value} == {shown(value)}")
            if value < 0:  # type: ignore[operator]
                raise StatesError(RUNTIME, f"The SecondsPath parameter references a negative value: {self.value} == {shown(value)}")
        if self.mode.startswith("Seconds"):
            return float(value)  # type: ignore[arg-type]
        moment = parse_timestamp(value)
        if moment is None:
            if is_expression(self.value):
                raise unexpected_type(str(self.value), "Timestamp", "timestamp", value)
            raise StatesError(RUNTIME, f"The {self.mode} parameter does not reference a valid ISO-8601 extended offset "
                                       f"date-time format string: {self.value} == {shown(value)}")
        return max((moment - rt.clock.now()).total_seconds(), 0.0)

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        view = View(raw, scope, call, rt.rng)
        if self.jsonata:
            rt.sleep(self._seconds(raw, view, rt))
            return self.finish_jsonata(raw, raw, self.query_env(raw, rt, scope, call), scope)
        effective = apply_input_path(raw, self.input_path, view)
        rt.sleep(self._seconds(effective, view, rt))
        return self.finish(raw, effective, view, scope)
