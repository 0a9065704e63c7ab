"""Concurrent iterations (Map items, Parallel branches, distributed Map children) in virtual time.

The interpreter runs iterations one after another (deterministic, results in order), but each one
gets its own virtual clock starting when a concurrency slot is free: with ``limit`` slots an iteration
starts when the earliest running one finishes, with ``limit == 0`` every iteration starts at once.
The state's clock then moves to the time the last iteration finished, so ten items that each wait
10 s take 10 s unbounded, 50 s with ``MaxConcurrency`` 2 and 100 s with 1. A failing iteration stops
the state at the time it failed. This needs a clock with ``fork(start)`` (``VirtualClock`` has one);
with any other clock (e.g. ``SystemClock``, which really sleeps) iterations simply run in turn.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from orchestration.local.runtime import Runtime

__all__ = ["run_concurrently"]

T = TypeVar("T")


def run_concurrently(rt: Runtime, count: int, limit: int, body: Callable[[int, Runtime], T]) -> list[T]:
    """``body(index, runtime)`` for every index, as if at most ``limit`` (0: all) ran at a time."""
    fork = getattr(rt.clock, "fork", None)
    if count <= 1 or fork is None:
        return [body(index, rt) for index in range(count)]
    start = rt.clock.now()
    running: list[datetime] = []  # finish times of the iterations holding a slot
    finished = start
    history = rt.history
    saved = history.clock
    results: list[T] = []
    try:
        for index in range(count):
            begin = heapq.heappop(running) if limit and len(running) >= limit else start
            clock = fork(begin)
            history.clock = clock
            try:
                results.append(body(index, replace(rt, clock=clock)))
            except BaseException:
                finished = clock.now()
                raise
            heapq.heappush(running, clock.now())
            finished = max(finished, clock.now())
    finally:
        history.clock = saved
        rt.clock.advance((finished - rt.clock.now()).total_seconds())
    return results
