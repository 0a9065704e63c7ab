"""Wait: lets time pass on the runtime's clock (virtual by default, so it costs nothing)."""

from __future__ import annotations

from orchestration.local.choice_rules import is_number, parse_timestamp
from orchestration.local.context import StateCall
from orchestration.local.errors import RUNTIME, InvalidDefinitionError, StatesError
from orchestration.local.history import dumps
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View, apply_input_path
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State, Step

__all__ = ["WaitState"]

_MODES = ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")


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
        if self.mode == "Seconds" and (not isinstance(self.value, int) or isinstance(self.value, bool) or self.value < 0):
            raise InvalidDefinitionError("Seconds must be a non-negative integer", where=where)

    def _seconds(self, effective: Json, view: View, rt: Runtime) -> float:
        value = self.value
        if self.mode.endswith("Path"):
            try:
                value = view.with_data(effective).select(str(self.value))
            except PathError as exc:
                raise StatesError(RUNTIME, f"The {self.mode} parameter does not reference an input value: {self.value}") from exc
        if self.mode.startswith("Seconds"):
            if not is_number(value):
                raise StatesError(RUNTIME, f"The {self.mode} parameter references a non-numeric value: {self.value} == {dumps(value)}")
            if value < 0:  # type: ignore[operator]
                raise StatesError(RUNTIME, f"The {self.mode} parameter references a negative value: {self.value} == {dumps(value)}")
            return float(value)  # type: ignore[arg-type]
        moment = parse_timestamp(value)
        if moment is None:
            raise StatesError(RUNTIME, f"The {self.mode} value {value!r} is not an RFC3339 timestamp")
        return max((moment - rt.clock.now()).total_seconds(), 0.0)

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        view = View(raw, scope, call, rt.rng)
        effective = apply_input_path(raw, self.input_path, view)
        rt.sleep(self._seconds(effective, view, rt))
        return self.finish(raw, effective, view, scope)
