"""Pass: the result is ``Result`` when given, else the effective input."""

from __future__ import annotations

from orchestration.local.context import StateCall
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State

__all__ = ["PassState"]


class PassState(State):
    kind = "Pass"
    fields = frozenset({"Parameters", "Result", "ResultPath"})
    has_result = True

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        super().__init__(name, spec, where, builder)
        self.has_fixed_result = "Result" in spec
        self.fixed_result: Json = spec.get("Result")

    def work(self, effective: Json, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Json:
        return self.fixed_result if self.has_fixed_result else effective
