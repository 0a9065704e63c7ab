"""Handlers the service tests deploy as local functions (real code in real processes)."""

from __future__ import annotations

import os
import time
from typing import Any

from orchestration.core.errors import QualityError


def echo(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"event": event, "function": context.function_name, "memory": context.memory_limit_in_mb,
            "lake": os.environ.get("LOCKGATE_LAKE"), "control": os.environ.get("LOCKGATE_CONTROL_URI")}


def sleepy(event: dict[str, Any], context: Any) -> None:
    time.sleep(float(event.get("seconds", 30)))


def hungry(event: dict[str, Any], context: Any) -> None:
    hoard = []
    for _ in range(int(event.get("mb", 2000)) // 16):
        hoard.append(bytearray(16 * 1024 * 1024))  # bytearray writes its zeros: pages are resident
        time.sleep(0.005)


def broken(event: dict[str, Any], context: Any) -> None:
    raise QualityError("3 of 10 rows rejected (30%) is over max_reject_ratio 0.01", where="orders")


def unmarshallable(event: dict[str, Any], context: Any) -> object:
    return {"when": object()}


def modules(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Which of the named modules this invocation's process has imported."""
    import sys

    return {name: name in sys.modules for name in event["names"]}
