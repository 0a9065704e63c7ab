"""Succeed: ends the (sub-)program with the effective input as output."""

from __future__ import annotations

from orchestration.local.context import StateCall
from orchestration.local.json_types import Json
from orchestration.local.paths import View, apply_input_path, apply_output_path
from orchestration.local.runtime import Runtime, Scope, check_size
from orchestration.local.states.base import State, Step

__all__ = ["SucceedState"]


class SucceedState(State):
    kind = "Succeed"

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        if self.jsonata:
            step = self.finish_jsonata(raw, raw, self.query_env(raw, rt, scope, call), scope)
            return Step(step.output, None, step.text)
        view = View(raw, scope, call, rt.rng)
        value = apply_input_path(raw, self.input_path, view)
        output = apply_output_path(value, self.output_path, view.with_data(value))
        return Step(check_size(output, "state output"), None)
