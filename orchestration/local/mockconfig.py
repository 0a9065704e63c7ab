"""Fault injection in the Step Functions Local mock-config format (also what LocalStack reads):

```json
{"StateMachines": {"lockgate-orders": {"TestCases": {"CommitFlaky": {"Commit": "FlakyThenOk"}}}},
 "MockedResponses": {"FlakyThenOk": {"0-1": {"Throw": {"Error": "Lockgate.TransientError", "Cause": "S3 busy"}},
                                     "2": {"Return": {"StatusCode": 200, "Payload": {...}}}}}}
```

A test case maps state names to mocked responses. A mocked response maps invocation numbers of
that state (0-based, counting every attempt, retries included, across Map iterations) to one
``Return`` (the task's result, as the service would answer) or one ``Throw`` (``Error``, ``Cause``).
Keys are single numbers or inclusive ranges ``"1-2"``, contiguous from 0. Once a state's entries run
out, the state calls its real local service, so ``{"0-1": {"Throw": ...}}`` means "fail the first two
attempts, then run for real". States a test case does not name always call their real local service.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.core.errors import ConfigError

from .errors import TaskFailure

__all__ = ["MockConfig", "MockedResponse", "MockedCall", "TestCase"]


@dataclass(frozen=True, slots=True)
class MockedCall:
    """One entry: ``returns`` the value, or throws ``error``/``cause`` when ``error`` is set."""

    returns: Any = None
    error: str | None = None
    cause: str = ""

    def apply(self) -> Any:
        if self.error is not None:
            raise TaskFailure(self.error, self.cause)
        return self.returns


@dataclass(frozen=True, slots=True)
class MockedResponse:
    name: str
    calls: tuple[tuple[int, int, MockedCall], ...]
    """(first, last, call) ranges, sorted, contiguous from 0."""

    def for_invocation(self, index: int) -> MockedCall | None:
        """The entry for the ``index``-th call (0-based); ``None`` once the entries have run out."""
        for first, last, call in self.calls:
            if first <= index <= last:
                return call
        return None


@dataclass(frozen=True, slots=True)
class TestCase:
    state_machine: str
    name: str
    states: dict[str, MockedResponse]

    def check_states(self, known: Iterable[str]) -> None:
        """Every mocked state must be a Task of the definition (a typo would silently mock nothing)."""
        names = set(known)
        for state in self.states:
            if state not in names:
                raise ConfigError(f"test case {self.name!r} mocks state {state!r}, which is not a Task state of "
                                  f"{self.state_machine}; Task states: {', '.join(sorted(names))}", where="mock config")


def _fail(where: str, message: str) -> ConfigError:
    return ConfigError(message, where=f"mock config: {where}")


def _parse_range(key: str, where: str) -> tuple[int, int]:
    first, sep, last = key.partition("-")
    try:
        a, b = int(first), int(last) if sep else int(first)
    except ValueError:
        raise _fail(where, f"key {key!r} must be an invocation number such as \"0\" or a range such as \"1-2\"") from None
    if a < 0 or b < a:
        raise _fail(where, f"range {key!r} must count up from 0 (\"1-2\", not \"2-1\")")
    return a, b


def _parse_call(value: Any, where: str) -> MockedCall:
    if not isinstance(value, dict) or len(value.keys() & {"Return", "Throw"}) != 1 or len(value) != 1:
        raise _fail(where, "each entry needs exactly one of Return or Throw")
    if "Return" in value:
        return MockedCall(returns=value["Return"])
    throw = value["Throw"]
    if not isinstance(throw, dict) or not isinstance(throw.get("Error"), str):
        raise _fail(where, "Throw needs an Error string (and optionally a Cause string)")
    cause = throw.get("Cause", "")
    return MockedCall(error=throw["Error"], cause=cause if isinstance(cause, str) else json.dumps(cause))


def _parse_response(name: str, value: Any) -> MockedResponse:
    where = f"MockedResponses.{name}"
    if not isinstance(value, dict) or not value:
        raise _fail(where, "a mocked response maps invocation numbers (\"0\", \"1-2\") to Return or Throw")
    calls = sorted((*_parse_range(k, where), _parse_call(v, f"{where}.{k}")) for k, v in value.items())
    expected = 0
    for first, last, _ in calls:
        if first != expected:
            raise _fail(where, f"invocation {expected} has no entry; keys must be contiguous from 0")
        expected = last + 1
    return MockedResponse(name, tuple(calls))


@dataclass(frozen=True, slots=True)
class MockConfig:
    data: dict[str, Any]
    source: str = "<memory>"

    @classmethod
    def load(cls, path: str | Path) -> MockConfig:
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"mock config {p} does not exist", where="--mock-config") from None
        except ValueError as e:
            raise ConfigError(f"mock config {p} is not valid JSON: {e}", where="--mock-config") from None
        return cls.parse(data, str(p))

    @classmethod
    def parse(cls, data: Any, source: str = "<memory>") -> MockConfig:
        if not isinstance(data, dict) or not isinstance(data.get("StateMachines"), dict):
            raise _fail(source, "the top level needs StateMachines (and MockedResponses)")
        if not isinstance(data.get("MockedResponses", {}), dict):
            raise _fail(source, "MockedResponses must be an object")
        for name, value in data.get("MockedResponses", {}).items():
            _parse_response(name, value)  # validate every response up front
        return cls(data, source)

    def test_case(self, state_machines: Iterable[str], case: str) -> TestCase:
        """The test case ``case`` of the first of ``state_machines`` (names tried in order) that has it."""
        names = list(state_machines)
        machines = self.data["StateMachines"]
        machine = next((n for n in names if n in machines), None)
        if machine is None:
            raise _fail(self.source, f"no state machine named {' or '.join(map(repr, names))} in StateMachines; "
                        f"found: {', '.join(sorted(machines)) or 'none'}")
        cases = (machines[machine] or {}).get("TestCases") or {}
        if case not in cases:
            raise _fail(f"StateMachines.{machine}.TestCases",
                        f"no test case {case!r}; found: {', '.join(sorted(cases)) or 'none'}")
        responses = self.data.get("MockedResponses", {})
        states: dict[str, MockedResponse] = {}
        for state, response in (cases[case] or {}).items():
            if response not in responses:
                raise _fail(f"StateMachines.{machine}.TestCases.{case}.{state}",
                            f"mocked response {response!r} is not defined in MockedResponses")
            states[state] = _parse_response(response, responses[response])
        return TestCase(machine, case, states)
