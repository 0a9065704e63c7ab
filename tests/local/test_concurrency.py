"""Map MaxConcurrency and Parallel branches overlap in virtual time; runs stay deterministic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestration.local import SystemClock, TaskContext, VirtualClock, execute

START = datetime(2026, 1, 1, tzinfo=UTC)
LAMBDA = "arn:aws:states:::lambda:invoke"


def waiting_map(seconds: int = 10, items: int = 10, **fields: Any) -> dict[str, Any]:
    processor = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": True}}}
    return {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.xs", "End": True, "ItemProcessor": processor, **fields}}}


def elapsed(result: Any) -> float:
    return float((result.events[-1]["timestamp"] - START).total_seconds())


@pytest.mark.parametrize(("fields", "seconds"), [
    ({"MaxConcurrency": 2}, 50), ({"MaxConcurrency": 1}, 100), ({"MaxConcurrency": 3}, 40),
    ({"MaxConcurrency": 0}, 10), ({}, 10), ({"MaxConcurrency": 20}, 10), ({"MaxConcurrencyPath": "$.limit"}, 30),
])
def test_ten_iterations_of_ten_seconds(fields: dict[str, Any], seconds: float) -> None:
    result = execute(waiting_map(**fields), {"xs": list(range(10)), "limit": 4}, clock=VirtualClock(START))
    assert result.status == "SUCCEEDED"
    assert result.output == list(range(10))
    assert elapsed(result) == seconds


def test_results_stay_in_item_order_and_runs_are_repeatable() -> None:
    def slow_for_small(resource: str, parameters: Any, context: TaskContext) -> Any:
        context.clock.advance(100 - parameters * 10)
        return {"n": parameters, "at": context.clock.now().isoformat()}

    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "End": True, "ItemProcessor": {
        "StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "End": True}}}}}}
    first = execute(definition, [1, 2, 3, 4], resolver=slow_for_small, clock=VirtualClock(START))
    second = execute(definition, [1, 2, 3, 4], resolver=slow_for_small, clock=VirtualClock(START))
    assert [r["n"] for r in first.output] == [1, 2, 3, 4]
    assert first.output == second.output
    # slots: item 1 (90 s) and 2 (80 s) start at 0; 3 takes the slot freed at 80 s, 4 the one freed at 90 s
    assert [r["at"] for r in first.output] == [(START + timedelta(seconds=s)).isoformat() for s in (90, 80, 150, 150)]
    assert elapsed(first) == 150


def test_parallel_branches_start_together() -> None:
    branch = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [branch, branch, branch]}}}
    result = execute(definition, {"s": 30}, clock=VirtualClock(START))
    assert elapsed(result) == 30


def test_a_failing_iteration_stops_the_map_when_it_fails() -> None:
    processor = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Boom"}], "Default": "W"},
        "W": {"Type": "Wait", "Seconds": 60, "End": True},
        "Boom": {"Type": "Fail", "Error": "E"}}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "End": True, "ItemProcessor": processor}}}
    result = execute(definition, [1, 5, 2, 7], clock=VirtualClock(START))
    assert (result.status, result.error) == ("FAILED", "E")
    assert elapsed(result) == 60  # item 2 starts when item 1 finishes at 60 s and fails at once


def test_execution_timeout_inside_concurrent_iterations() -> None:
    definition = {**waiting_map(seconds=100, MaxConcurrency=1), "TimeoutSeconds": 250}
    result = execute(definition, {"xs": [1, 2, 3]}, clock=VirtualClock(START))
    assert result.status == "TIMED_OUT"
    assert elapsed(result) == 250


def test_a_clock_that_cannot_fork_runs_iterations_in_turn() -> None:
    class CountingClock(SystemClock):
        def __init__(self) -> None:
            self.slept = 0.0

        def advance(self, seconds: float) -> None:
            self.slept += seconds

    clock = CountingClock()
    assert execute(waiting_map(seconds=1, MaxConcurrency=0), {"xs": [1, 2, 3]}, clock=clock).status == "SUCCEEDED"
    assert clock.slept == 3
