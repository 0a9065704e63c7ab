"""Conformance cases: ASL definitions and inputs run through both the local interpreter and moto.

``Case.aws`` is set only where moto is known to differ from AWS; it then holds the AWS result, and
``Case.spec`` quotes the specification text that decides it (also listed in docs/local-runtime.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "Outcome", "all_cases", "machine", "pass_state"]


@dataclass(frozen=True)
class Outcome:
    status: str
    output: Any = None
    error: str | None = None
    cause: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    definition: dict[str, Any]
    input: Any = field(default_factory=dict)
    aws: Outcome | None = None
    spec: str = ""
    check_cause: bool = True
    """False only where the cause text is free-form in AWS (documented per case)."""


def machine(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states, **top}


def pass_state(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", **({"End": True} if "Next" not in fields else {}), **fields}


def all_cases() -> list[Case]:
    from tests.local.asl_cases import choice, flow, intrinsics, jsonata, paths, validation
    from tests.local.asl_cases.divergences import attach

    cases = [attach(c) for c in (*choice.CASES, *intrinsics.CASES, *paths.CASES, *flow.CASES, *validation.CASES)]
    cases += jsonata.CASES  # each carries the AWS outcome and the page it is recorded on
    ids = [c.id for c in cases]
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates, f"duplicate case ids: {sorted(duplicates)}"
    return cases
