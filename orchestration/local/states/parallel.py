"""Parallel: runs every branch on the effective input (``Parameters`` or, in JSONata, ``Arguments``),
all starting at once in virtual time (``concurrency.py``), and returns their outputs in branch order.
A failing branch fails the state with the branch's error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestration.local.concurrency import run_concurrently
from orchestration.local.context import StateCall
from orchestration.local.errors import InvalidDefinitionError, StatesError
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.runtime import Runtime, Scope
from orchestration.local.states.base import Builder, State

if TYPE_CHECKING:
    from orchestration.local.machine import Program

__all__ = ["ParallelState"]


class ParallelState(State):
    kind = "Parallel"
    fields = frozenset({"Branches", "Parameters", "ResultSelector", "ResultPath", "Retry", "Catch", "Arguments"})
    has_result = True

    def __init__(self, name: str, spec: JsonObject, where: str, builder: Builder) -> None:
        super().__init__(name, spec, where, builder)
        branches = spec.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise InvalidDefinitionError("Branches must be a non-empty array", where=where)
        self.run_program = builder.run
        self.branches: list[Program] = [builder.nested(b, f"{where}.Branches[{i}]") for i, b in enumerate(branches)]  # type: ignore[arg-type]

    def nested_programs(self) -> list[tuple[Program, bool]]:
        return [(branch, False) for branch in self.branches]

    def work(self, effective: Json, raw: Json, rt: Runtime, scope: Scope, call: StateCall) -> Json:
        rt.history.add("ParallelStateStarted")
        try:
            results = run_concurrently(rt, len(self.branches), 0,
                                       lambda i, branch_rt: self.run_program(self.branches[i], effective, branch_rt, scope.child()))
        except StatesError as err:
            rt.history.add("ParallelStateFailed", "parallelStateFailedEventDetails", {"error": err.error, "cause": err.cause})
            raise
        rt.history.add("ParallelStateSucceeded")
        return results
