"""The state lifecycle every state type shares: enter, input processing, work, output processing,
next, exit. A JSONPath state processes input with InputPath/Parameters and output with
ResultSelector/ResultPath/OutputPath/Assign; a JSONata state with Arguments and Output/Assign, all
expressions seeing ``$states`` (``states/language.py`` says which fields exist where). Task, Parallel
and Map wrap the middle in Retry/Catch. Subclasses override ``work`` and, rarely, ``execute``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from orchestration.local import jsonpath
from orchestration.local.context import StateCall
from orchestration.local.errors import QUERY_EVALUATION_ERROR, RUNTIME, InvalidDefinitionError, StatesError
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.paths import (
    View,
    apply_input_path,
    apply_output_path,
    apply_result_path,
    render,
    validate_template,
)
from orchestration.local.query import QueryEnv, compile_template, render_query
from orchestration.local.retry import Catcher, Retrier, error_matches, parse_catchers, parse_retriers
from orchestration.local.runtime import Runtime, Scope, check_size, sized_text
from orchestration.local.states.language import (
    JSONATA,
    JSONPATH,
    Language,
    check_fields,
    language_of,
    variable_names,
)

if TYPE_CHECKING:
    from orchestration.local.machine import Program

__all__ = ["Builder", "State", "Step"]

_RUNTIME_PREFIX = "An error occurred while executing the state "
COMMON_FIELDS = frozenset({"Type", "Comment", "Next", "End", "InputPath", "OutputPath", "QueryLanguage", "Assign", "Output"})
_PREFIXED = (RUNTIME, QUERY_EVALUATION_ERROR)
_FIELD = re.compile(r"specified for the field '([^']*)'")


@dataclass(frozen=True, slots=True)
class Step:
    output: Json
    next: str | None
    """The next state's name; ``None`` ends the (sub-)program."""
    text: str | None = None
    """``output`` as JSON text when already serialised (for the size check), reused by the exit event."""


@dataclass(frozen=True, slots=True)
class Builder:
    """Passed to state constructors so Parallel and Map can build their nested programs."""

    program: Callable[[JsonObject, str, Language], Program]
    run: Callable[[Program, Json, Runtime, Scope], Json]
    language: Language = JSONPATH
    """The enclosing program's query language, the default for its states."""

    def nested(self, spec: JsonObject, where: str) -> Program:
        """A Parallel branch or Map processor, whose states default to this program's language."""
        return self.program(spec, where, self.language)


def _path_field(spec: JsonObject, key: str, where: str, reference: bool = False) -> str | None:
    """A path field as written, after checking its syntax (``reference``: names and indices only)."""
    value = spec.get(key, "$")
    if value is None:
        return None
    if not isinstance(value, str) or not value.startswith("$"):
        raise InvalidDefinitionError(f"{key} must be a path or null", where=where)
    if value.startswith("$$") or not (value == "$" or value[1] in ".["):
        return value  # context object and variable paths are resolved at run time
    try:
        parsed = jsonpath.parse(value)
    except jsonpath.PathError as exc:
        raise InvalidDefinitionError(f"{key} {value!r} is not a valid path: {exc}", where=where) from exc
    if reference and not parsed.definite:
        raise InvalidDefinitionError(f"{key} {value!r} must be a reference path (names and indices only)", where=where)
    return value


class State:
    kind: ClassVar[str] = ""
    fields: ClassVar[frozenset[str]] = frozenset()
    has_result: ClassVar[bool] = False

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        unknown = set(spec) - COMMON_FIELDS - self.fields
        if unknown:
            raise InvalidDefinitionError(f"unknown field(s) {sorted(unknown)} for a {self.kind} state", where=where)
        if "Assign" in spec and self.kind in ("Succeed", "Fail"):
            raise InvalidDefinitionError(f"a {self.kind} state cannot Assign variables (only Pass, Task, Map, Parallel, "
                                         "Choice and Wait states can)", where=where)
        self.language = language_of(spec, builder.language, where)
        self.jsonata = self.language == JSONATA
        check_fields(spec, self.language, where)
        self.name = name
        self.where = where
        self.next: str | None = spec.get("Next")  # type: ignore[assignment]
        self.end = bool(spec.get("End", False))
        if self.kind not in ("Choice", "Succeed", "Fail") and (self.next is None) == (not self.end):
            raise InvalidDefinitionError("a state needs exactly one of Next or End: true", where=where)
        self.input_path = _path_field(spec, "InputPath", where)
        self.output_path = _path_field(spec, "OutputPath", where)
        assign = spec.get("Assign")
        self.assigned_names = variable_names(assign, where)
        self.assign: JsonObject | None = assign if isinstance(assign, dict) else None
        self.output: Json = spec.get("Output")
        self.has_output = "Output" in spec
        self.arguments: Json = spec.get("Arguments")
        self.has_arguments = "Arguments" in spec
        for key in ("Output", "Arguments", "Assign"):
            if self.jsonata and key in spec:
                compile_template(spec[key], key, where)
        self.parameters: Json = spec.get("Parameters")
        self.has_parameters = "Parameters" in spec
        self.result_selector: Json = spec.get("ResultSelector")
        self.result_path = _path_field(spec, "ResultPath", where, reference=True)
        for key in ("Parameters", "ResultSelector", "ItemSelector", "Assign"):
            validate_template(spec.get(key), f"{where}.{key}")
        self.retriers: tuple[Retrier, ...] = parse_retriers(spec.get("Retry"), where)
        self.catchers: tuple[Catcher, ...] = parse_catchers(spec.get("Catch"), where, self.jsonata)
        for catcher in self.catchers:
            self.assigned_names |= variable_names(catcher.assign, where)
            if self.jsonata:
                compile_template(catcher.output, "Output", where)
                compile_template(catcher.assign, "Assign", where)

    def nested_programs(self) -> list[tuple[Program, bool]]:
        """Programs run in a child variable scope (``True``: an isolated one, as in a distributed Map)."""
        return []

    # -- lifecycle ---------------------------------------------------------------------------
    def run(self, value: Json, rt: Runtime, scope: Scope) -> Step:
        entered = rt.history.entered(self.kind, self.name, value)
        call = StateCall(rt.execution, rt.state_machine, self.name, rt.clock.now(), map_item=scope.map_item)
        try:
            step = self.execute(value, rt, scope, call) if not self.catchers and not self.retriers else self.guarded(value, rt, scope, call)
        except StatesError as err:
            if err.error in _PREFIXED and not (err.cause or "").startswith(_RUNTIME_PREFIX):
                err.cause = f"{_RUNTIME_PREFIX}'{self.name}' (entered at the event id #{entered}). {err.cause}"
                if err.error == QUERY_EVALUATION_ERROR:
                    self._evaluation_failed(rt, err)
            raise
        self.exit(rt, step)
        return step

    def _evaluation_failed(self, rt: Runtime, err: StatesError) -> None:
        """The ``EvaluationFailed`` event AWS records for a JSONata failure, with the field as location."""
        details: JsonObject = {"state": self.name, "error": err.error, "cause": err.cause}
        field = _FIELD.search(err.cause or "")
        if field:
            details["location"] = field.group(1)
        rt.history.add("EvaluationFailed", "evaluationFailedEventDetails", details)

    def exit(self, rt: Runtime, step: Step) -> None:
        rt.history.exited(self.kind, self.name, step.output, step.text)

    def guarded(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        """``execute`` under the state's Retry and Catch."""
        attempts = [0] * len(self.retriers)
        while True:
            try:
                return self.execute(raw, rt, scope, call)
            except StatesError as err:
                index = next((i for i, r in enumerate(self.retriers) if error_matches(r.error_equals, err.error)), None)
                if index is not None and attempts[index] < self.retriers[index].max_attempts:
                    attempts[index] += 1
                    call.retry_count += 1
                    rt.sleep(self.retriers[index].delay(attempts[index], rt.rng))
                    continue
                catcher = next((c for c in self.catchers if error_matches(c.error_equals, err.error)), None)
                if catcher is None:
                    raise
                error_output: JsonObject = {"Error": err.error or "", "Cause": err.cause or ""}
                if self.jsonata:
                    return self.caught(raw, error_output, catcher, self.query_env(raw, rt, scope, call), scope)
                view = View(error_output, scope, call, rt.rng)
                assigned = render(catcher.assign, view) if catcher.assign is not None else None
                output = check_size(apply_result_path(raw, catcher.result_path, error_output), "state output")
                if assigned is not None:
                    scope.assign(assigned)  # type: ignore[arg-type]
                return Step(output, catcher.next)

    def caught(self, raw: Json, error_output: JsonObject, catcher: Catcher, env: QueryEnv, scope: Scope) -> Step:
        """A JSONata catcher: Output (default: the error output) and Assign see $states.errorOutput."""
        env = env.with_states(errorOutput=error_output)
        field = f"Catch[{catcher.index}]"
        assigned = render_query(catcher.assign, env, f"{field}/Assign") if catcher.assign is not None else None
        output = render_query(catcher.output, env, f"{field}/Output") if catcher.has_output else error_output
        output = check_size(output, "state output")
        if assigned is not None:
            scope.assign(assigned)  # type: ignore[arg-type]
        return Step(output, catcher.next)

    # -- JSONata -----------------------------------------------------------------------------
    def query_env(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> QueryEnv:
        """``$states.input``/``$states.context`` and the scope's variables, as of entering the state."""
        return QueryEnv({"input": raw, "context": call.context_object()}, scope.visible(), rt.clock.now(), rt.rng)

    def execute_jsonata(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        env = self.query_env(raw, rt, scope, call)
        effective = raw
        if self.has_arguments:
            effective = check_size(render_query(self.arguments, env, "Arguments"), "state input")
        result = self.work(effective, raw, rt, scope, call)
        return self.finish_jsonata(raw, result, env, scope)

    def finish_jsonata(self, raw: Json, result: Json, env: QueryEnv, scope: Scope, next_state: str | None = None,
                       output: tuple[bool, Json] | None = None, assign: JsonObject | None = None, field: str = "") -> Step:
        """Assign and Output, both evaluated with the variables from before the state."""
        if self.has_result and self.kind != "Pass":
            env = env.with_states(result=result)
        has_output, template = output if output is not None else (self.has_output, self.output)
        assign = assign if assign is not None else self.assign
        assigned = render_query(assign, env, "Assign") if assign is not None else None
        value = render_query(template, env, f"{field}Output") if has_output else (result if self.has_result else raw)
        text = sized_text(value, "state output")
        if assigned is not None:
            scope.assign(assigned)  # type: ignore[arg-type]
        return Step(value, next_state if next_state is not None else (None if self.end else self.next), text)

    # -- JSONPath ----------------------------------------------------------------------------
    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
        if self.jsonata:
            return self.execute_jsonata(raw, rt, scope, call)
        view = View(raw, scope, call, rt.rng)
        effective = apply_input_path(raw, self.input_path, view)
        effective = self.prepare(effective, view.with_data(effective))
        result = self.work(effective, raw, rt, scope, call)
        if self.result_selector is not None:
            result = render(self.result_selector, view.with_data(result))
        return self.finish(raw, result, view, scope)

    def prepare(self, effective: Json, view: View) -> Json:
        """Parameters; the effective input must fit the payload quota."""
        if self.has_parameters:  # InputPath only ever selects part of an input that was already checked
            effective = check_size(render(self.parameters, view), "state input")
        return effective

    def work(self, effective: Json, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Json:
        return effective

    def finish(self, raw: Json, result: Json, view: View, scope: Scope, next_state: str | None = None) -> Step:
        assigned = render(self.assign, view.with_data(result)) if self.assign is not None else None
        output = apply_result_path(raw, self.result_path, result) if self.has_result else result
        output = apply_output_path(output, self.output_path, view.with_data(output))
        text = sized_text(output, "state output")
        if assigned is not None:
            scope.assign(assigned)  # type: ignore[arg-type]
        return Step(output, next_state if next_state is not None else (None if self.end else self.next), text)
