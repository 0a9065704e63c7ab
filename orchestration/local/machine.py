"""A program is a StartAt plus its States (the top level, a Parallel branch or a Map's processor).
``build_program`` turns the definition into state objects; ``run_program`` walks them."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.local.errors import InvalidDefinitionError, unsupported
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State
from orchestration.local.states.choice import ChoiceState
from orchestration.local.states.fail import FailState
from orchestration.local.states.language import JSONPATH, Language, language_of
from orchestration.local.states.map import MapState
from orchestration.local.states.parallel import ParallelState
from orchestration.local.states.pass_ import PassState
from orchestration.local.states.succeed import SucceedState
from orchestration.local.states.task import TaskState
from orchestration.local.states.wait import WaitState

__all__ = ["Program", "build_program", "run_program"]

STATE_TYPES: dict[str, type[State]] = {
    "Pass": PassState,
    "Task": TaskState,
    "Choice": ChoiceState,
    "Wait": WaitState,
    "Succeed": SucceedState,
    "Fail": FailState,
    "Parallel": ParallelState,
    "Map": MapState,
}
_TOP_FIELDS = frozenset({"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage", "ProcessorConfig"})


@dataclass(frozen=True, slots=True)
class Program:
    start_at: str
    states: dict[str, State]
    timeout_seconds: float | None = None


def build_program(spec: JsonObject, where: str = "$", language: Language = JSONPATH) -> Program:
    """Build (and validate) a program; raises ``InvalidDefinitionError`` or an unsupported-feature
    ``StatesError``. ``language`` is the enclosing program's query language (the default)."""
    if not isinstance(spec, dict):
        raise InvalidDefinitionError("a state machine must be a JSON object", where=where)
    language = language_of(spec, language, where)
    unknown = set(spec) - _TOP_FIELDS
    if unknown:
        raise InvalidDefinitionError(f"unknown top-level field(s) {sorted(unknown)}", where=where)
    states = spec.get("States")
    start = spec.get("StartAt")
    if not isinstance(states, dict) or not states or not isinstance(start, str):
        raise InvalidDefinitionError("a state machine needs StartAt and a non-empty States object", where=where)
    builder = Builder(build_program, run_program, language)
    built: dict[str, State] = {}
    for name, state_spec in states.items():
        at = f"{where}.States.{name}"
        if not isinstance(state_spec, dict):
            raise InvalidDefinitionError("a state must be an object", where=at)
        kind = state_spec.get("Type")
        cls = STATE_TYPES.get(str(kind))
        if cls is None:
            raise unsupported(f"State type {kind!r}", at)
        built[name] = cls(name, state_spec, at, builder)
    _check_targets(start, built, where)
    timeout = spec.get("TimeoutSeconds")
    program = Program(start, built, float(timeout) if isinstance(timeout, int | float) else None)
    if where == "$":
        check_scopes(program, frozenset())
    return program


def check_scopes(program: Program, outer: frozenset[str]) -> None:
    """A Parallel branch or Map iteration reads the variables of its enclosing scopes but cannot
    assign one of them (AWS rejects such a definition); it hands data back with its output instead.
    A distributed Map's children see no outer variables, so they start a fresh scope."""
    here = set().union(*(state.assigned_names for state in program.states.values()))
    for state in program.states.values():
        clash = sorted(state.assigned_names & outer)
        if clash:
            raise InvalidDefinitionError(
                f"variable(s) {', '.join('$' + n for n in clash)} belong to an outer scope; a Parallel branch or "
                "Map iteration can read but not assign them (return the value through the state output instead)",
                where=state.where)
    for state in program.states.values():
        for child, isolated in state.nested_programs():
            check_scopes(child, frozenset() if isolated else outer | here)


def _check_targets(start: str, states: dict[str, State], where: str) -> None:
    targets = [start]
    for state in states.values():
        targets += [state.next] if state.next else []
        targets += [c.next for c in state.catchers]
        if isinstance(state, ChoiceState):
            targets += [t for _, t, _ in state.rules] + ([state.default] if state.default else [])
    missing = sorted({t for t in targets if t and t not in states})
    if missing:
        raise InvalidDefinitionError(f"transition to missing state(s) {missing}", where=where)


def run_program(program: Program, value: Json, rt: Runtime, scope: Scope) -> Json:
    """Run from StartAt until a state ends the program; failures raise ``StatesError``."""
    state = program.states[program.start_at]
    while True:
        rt.check()
        step = state.run(value, rt, scope)
        value = step.output
        if step.next is None:
            return value
        state = program.states[step.next]
