"""Choice: the first rule that matches picks ``Next``; otherwise ``Default`` or States.NoChoiceMatched."""

from __future__ import annotations

from orchestration.local.choice_rules import Rule, parse_rule
from orchestration.local.context import StateCall
from orchestration.local.errors import NO_CHOICE_MATCHED, InvalidDefinitionError, StatesError
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.paths import View, apply_input_path, render
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State, Step

__all__ = ["ChoiceState"]


class ChoiceState(State):
    kind = "Choice"
    fields = frozenset({"Choices", "Default"})

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        super().__init__(name, spec, where, builder)
        choices = spec.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise InvalidDefinitionError("Choices must be a non-empty array", where=where)
        self.rules: list[tuple[Rule, str, JsonObject | None]] = []
        for i, choice in enumerate(choices):
            at = f"{where}.Choices[{i}]"
            if not isinstance(choice, dict) or not isinstance(choice.get("Next"), str):
                raise InvalidDefinitionError("every choice rule needs Next", where=at)
            assign = choice.get("Assign")
            self.rules.append((parse_rule(choice, at), str(choice["Next"]), assign if isinstance(assign, dict) else None))
        self.default: str | None = spec.get("Default")  # type: ignore[assignment]

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        view = View(raw, scope, call, rt.rng)
        effective = apply_input_path(raw, self.input_path, view)
        data_view = view.with_data(effective)
        for rule, target, assign in self.rules:
            if rule.matches(data_view):
                assigned = render(assign, data_view) if assign is not None else None
                step = self.finish(raw, effective, view, scope, target)
                if assigned is not None:
                    scope.assign(assigned)  # type: ignore[arg-type]
                return step
        if self.default is None:
            raise StatesError(NO_CHOICE_MATCHED, f"No Matches for state '{self.name}'")
        return self.finish(raw, effective, view, scope, self.default)
