"""The events Step Functions sends to each handler (docs/contracts.md, "Handler events and results").

Tolerant readers: keys the compiler may add later are ignored, the ones named here are required.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ExecutionInfo", "PlanEvent", "BatchEvent", "DedupeEvent", "CommitEvent", "FailureEvent"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class ExecutionInfo(_Event):
    """``$$.Execution``: its name is the run id, its start time anchors the default window."""

    name: str = Field(min_length=1, max_length=80)
    start_time: str


class PlanEvent(_Event):
    import_: str = Field(alias="import")
    spec_uri: str
    execution: ExecutionInfo
    input: dict[str, Any] = Field(default_factory=dict)
    """The execution input: ``window``, ``mode``, ``engine`` (all optional)."""


class BatchEvent(_Event):
    manifest_uri: str
    batch: int = Field(ge=0)


class DedupeEvent(_Event):
    manifest_uri: str
    bucket: int = Field(ge=0)


class CommitEvent(_Event):
    manifest_uri: str


class FailureEvent(_Event):
    """The failure path's DescribeFailure: the machine's state when a Catch took over."""

    import_: str = Field(alias="import")
    run_id: str
    input: dict[str, Any] = Field(default_factory=dict)
    """``failed_state``, ``error`` (``{"Error", "Cause"}``) and ``plan`` when planning got that far."""
