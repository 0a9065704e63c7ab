"""Choice: the first rule that matches picks ``Next``; otherwise ``Default`` or States.NoChoiceMatched.
JSONPath rules are comparison operators (``choice_rules.py``); JSONata rules are a ``Condition``
expression that must give a boolean, and may carry their own ``Output`` and ``Assign``."""

from __future__ import annotations

from orchestration.local.choice_rules import Rule, parse_rule
from orchestration.local.context import StateCall
from orchestration.local.errors import NO_CHOICE_MATCHED, InvalidDefinitionError, StatesError
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.paths import View, apply_input_path, render
from orchestration.local.query import (
    QueryEnv,
    compile_template,
    evaluate,
    is_expression,
    render_query,
    unexpected_type,
)
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State, Step
from orchestration.local.states.language import variable_names

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
        self.conditions: list[tuple[Json, bool, Json]] = []
        """JSONata rules: (Condition, has Output, Output)."""
        for i, choice in enumerate(choices):
            at = f"{where}.Choices[{i}]"
            if not isinstance(choice, dict) or not isinstance(choice.get("Next"), str):
                raise InvalidDefinitionError("every choice rule needs Next", where=at)
            assign = choice.get("Assign")
            self.assigned_names |= variable_names(assign, at)
            if self.jsonata:
                self._jsonata_rule(choice, i, at)
                self.rules.append((Rule(), str(choice["Next"]), assign if isinstance(assign, dict) else None))
            else:
                if "Output" in choice or "Condition" in choice:
                    raise InvalidDefinitionError("Condition and Output need QueryLanguage JSONata", where=at)
                self.rules.append((parse_rule(choice, at), str(choice["Next"]), assign if isinstance(assign, dict) else None))
        self.default: str | None = spec.get("Default")  # type: ignore[assignment]

    def _jsonata_rule(self, choice: JsonObject, index: int, at: str) -> None:
        unknown = sorted(set(choice) - {"Condition", "Next", "Comment", "Assign", "Output"})
        if unknown or "Condition" not in choice:
            raise InvalidDefinitionError(f"a JSONata choice rule has Condition, Next, Assign and Output only "
                                         f"(got {sorted(choice)})", where=at)
        for key in ("Condition", "Output", "Assign"):
            compile_template(choice.get(key), f"Choices[{index}]/{key}", at)
        self.conditions.append((choice["Condition"], "Output" in choice, choice.get("Output")))

    def _condition(self, index: int, env: QueryEnv) -> bool:
        condition = self.conditions[index][0]
        value = evaluate(str(condition), env, f"Choices[{index}]/Condition") if is_expression(condition) else condition
        if not isinstance(value, bool):
            raise unexpected_type(str(condition), f"Choices[{index}]/Condition", "boolean", value)
        return value

    def execute_jsonata(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        env = self.query_env(raw, rt, scope, call)
        for index, (_, target, assign) in enumerate(self.rules):
            if self._condition(index, env):
                _, has_output, output = self.conditions[index]
                step = self.finish_jsonata(raw, raw, env, scope, target,
                                           (True, output) if has_output else None, field=f"Choices[{index}]/" if has_output else "")
                if assign is not None:
                    scope.assign(render_query(assign, env, f"Choices[{index}]/Assign"))  # type: ignore[arg-type]
                return step
        if self.default is None:
            raise StatesError(NO_CHOICE_MATCHED, f"No Matches for state '{self.name}'")
        return self.finish_jsonata(raw, raw, env, scope, self.default)

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        if self.jsonata:
            return self.execute_jsonata(raw, rt, scope, call)
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
