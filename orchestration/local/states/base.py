"""The state lifecycle every state type shares: enter, input processing (InputPath, Parameters),
work, output processing (ResultSelector, ResultPath, OutputPath, Assign), next, exit. Task, Parallel and
Map wrap the middle in Retry/Catch. Subclasses override ``work`` and, rarely, ``execute``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from orchestration.local import jsonpath
from orchestration.local.context import StateCall
from orchestration.local.errors import RUNTIME, InvalidDefinitionError, StatesError, unsupported
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.paths import (
    View,
    apply_input_path,
    apply_output_path,
    apply_result_path,
    render,
    validate_template,
)
from orchestration.local.retry import Catcher, Retrier, error_matches, parse_catchers, parse_retriers
from orchestration.local.runtime import Runtime, Scope, check_size, sized_text

if TYPE_CHECKING:
    from orchestration.local.machine import Program

__all__ = ["Builder", "State", "Step"]

_RUNTIME_PREFIX = "An error occurred while executing the state "
COMMON_FIELDS = frozenset({"Type", "Comment", "Next", "End", "InputPath", "OutputPath", "QueryLanguage", "Assign"})


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

    program: Callable[[JsonObject, str], Program]
    run: Callable[[Program, Json, Runtime, Scope], Json]


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
        for key in ("Arguments", "Output", "Items"):
            if key in unknown:
                raise unsupported(f"Field {key} (JSONata)", where)
        if unknown:
            raise InvalidDefinitionError(f"unknown field(s) {sorted(unknown)} for a {self.kind} state", where=where)
        if spec.get("QueryLanguage", "JSONPath") != "JSONPath":
            raise unsupported(f"QueryLanguage {spec['QueryLanguage']}", where)
        self.name = name
        self.where = where
        self.next: str | None = spec.get("Next")  # type: ignore[assignment]
        self.end = bool(spec.get("End", False))
        if self.kind not in ("Choice", "Succeed", "Fail") and (self.next is None) == (not self.end):
            raise InvalidDefinitionError("a state needs exactly one of Next or End: true", where=where)
        self.input_path = _path_field(spec, "InputPath", where)
        self.output_path = _path_field(spec, "OutputPath", where)
        assign = spec.get("Assign")
        self.assign: JsonObject | None = assign if isinstance(assign, dict) else None
        self.parameters: Json = spec.get("Parameters")
        self.has_parameters = "Parameters" in spec
        self.result_selector: Json = spec.get("ResultSelector")
        self.result_path = _path_field(spec, "ResultPath", where, reference=True)
        for key in ("Parameters", "ResultSelector", "ItemSelector", "Assign"):
            validate_template(spec.get(key), f"{where}.{key}")
        self.retriers: tuple[Retrier, ...] = parse_retriers(spec.get("Retry"), where)
        self.catchers: tuple[Catcher, ...] = parse_catchers(spec.get("Catch"), where)

    # -- lifecycle ---------------------------------------------------------------------------
    def run(self, value: Json, rt: Runtime, scope: Scope) -> Step:
        entered = rt.history.entered(self.kind, self.name, value)
        call = StateCall(rt.execution, rt.state_machine, self.name, rt.clock.now(), map_item=scope.map_item)
        try:
            step = self.execute(value, rt, scope, call) if not self.catchers and not self.retriers else self.guarded(value, rt, scope, call)
        except StatesError as err:
            if err.error == RUNTIME and not (err.cause or "").startswith(_RUNTIME_PREFIX):
                err.cause = f"{_RUNTIME_PREFIX}'{self.name}' (entered at the event id #{entered}). {err.cause}"
            raise
        self.exit(rt, step)
        return step

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
                view = View(error_output, scope, call, rt.rng)
                assigned = render(catcher.assign, view) if catcher.assign is not None else None
                output = check_size(apply_result_path(raw, catcher.result_path, error_output), "state output")
                if assigned is not None:
                    scope.assign(assigned)  # type: ignore[arg-type]
                return Step(output, catcher.next)

    def execute(self, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Step:
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
