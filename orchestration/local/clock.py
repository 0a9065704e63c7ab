"""Clocks. The interpreter never sleeps: Wait states, retry back-off and task durations advance an
injected clock. ``VirtualClock`` (the default) makes a 30-minute poll loop run in milliseconds;
``SystemClock`` really sleeps, for demos that should feel real."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SystemClock", "VirtualClock", "format_timestamp"]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` pass (a virtual clock jumps, a real one sleeps)."""
        ...


class VirtualClock:
    """A clock that only moves when told to. Starts at ``start`` (default: the real now)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        if self._now.tzinfo is None:
            self._now = self._now.replace(tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._now += timedelta(seconds=seconds)

    def fork(self, start: datetime) -> VirtualClock:
        """A clock for one of several concurrent iterations, starting at ``start`` (see
        ``concurrency.py``); a clock without ``fork`` makes concurrent iterations run in turn."""
        return VirtualClock(start)


class SystemClock:
    """Wall-clock time; ``advance`` sleeps."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 with milliseconds and ``Z``, as ``$$.Execution.StartTime`` shows it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
