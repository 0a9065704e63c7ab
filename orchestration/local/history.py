"""Execution history shaped like GetExecutionHistory: ``id``, ``previousEventId``, ``timestamp``,
``type`` and one ``*EventDetails`` dict. Enforces the 25,000-event hard quota the way AWS does:
the 25,000th event may only be ``ExecutionSucceeded``; anything else makes the execution fail."""

from __future__ import annotations

import json
from typing import Any

from orchestration.local.clock import Clock
from orchestration.local.errors import HistoryLimitExceeded
from orchestration.local.json_types import Json

__all__ = ["HISTORY_LIMIT", "History", "dumps"]

HISTORY_LIMIT = 25_000


def dumps(value: Json) -> str:
    """Compact JSON, as Step Functions shows payloads in history and DescribeExecution."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class History:
    """An append-only event list. ``limit`` defaults to the AWS quota."""

    def __init__(self, clock: Clock, limit: int = HISTORY_LIMIT) -> None:
        self.clock = clock
        self.limit = limit
        self.events: list[dict[str, Any]] = []

    def add(self, event_type: str, details_key: str | None = None, details: dict[str, Any] | None = None) -> int:
        final = event_type.startswith("Execution") and event_type != "ExecutionStarted"
        if not final and len(self.events) >= self.limit - 1:
            raise HistoryLimitExceeded(f"The execution reached the maximum number of history events ({self.limit}).")
        event_id = len(self.events) + 1
        event: dict[str, Any] = {
            "id": event_id,
            "previousEventId": event_id - 1,
            "timestamp": self.clock.now(),
            "type": event_type,
        }
        if details_key is not None:
            event[details_key] = details or {}
        self.events.append(event)
        return event_id

    def entered(self, state_type: str, name: str, payload: Json) -> int:
        return self.add(f"{state_type}StateEntered", "stateEnteredEventDetails",
                 {"name": name, "input": dumps(payload), "inputDetails": {"truncated": False}})

    def exited(self, state_type: str, name: str, payload: Json, text: str | None = None) -> None:
        self.add(f"{state_type}StateExited", "stateExitedEventDetails",
                 {"name": name, "output": dumps(payload) if text is None else text, "outputDetails": {"truncated": False}})
