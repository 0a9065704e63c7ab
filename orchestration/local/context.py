"""The execution context: who runs the state machine, and the ``$$`` context object built from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from orchestration.local.clock import format_timestamp
from orchestration.local.json_types import Json, JsonObject

__all__ = ["ExecutionContext", "StateCall"]

_REGION = "us-east-1"
_ACCOUNT = "123456789012"


@dataclass(frozen=True, slots=True)
class ExecutionContext:
    """Identity of one execution, the source of ``$$.Execution`` and ``$$.StateMachine``."""

    name: str = "local-execution"
    """``$$.Execution.Name``; Lockgate uses it as the run id."""
    state_machine_name: str = "local-state-machine"
    """``$$.StateMachine.Name``."""
    start_time: datetime | None = None
    """``$$.Execution.StartTime``; defaults to the clock's now when the execution starts."""
    role_arn: str = f"arn:aws:iam::{_ACCOUNT}:role/lockgate-local"
    """``$$.Execution.RoleArn``."""
    state_machine_arn: str | None = None
    """``$$.StateMachine.Id``; derived from the name when omitted."""
    region: str = _REGION
    account: str = _ACCOUNT

    @property
    def machine_arn(self) -> str:
        return self.state_machine_arn or f"arn:aws:states:{self.region}:{self.account}:stateMachine:{self.state_machine_name}"

    @property
    def execution_arn(self) -> str:
        tail = self.machine_arn.split(":stateMachine:", 1)[-1]
        return f"arn:aws:states:{self.region}:{self.account}:execution:{tail}:{self.name}"


@dataclass(slots=True)
class StateCall:
    """What ``$$`` shows while one state runs."""

    execution: JsonObject
    state_machine: JsonObject
    name: str
    entered_time: datetime
    retry_count: int = 0
    map_item: JsonObject | None = None
    task_token: str | None = None
    extra: JsonObject = field(default_factory=dict)

    def context_object(self) -> Json:
        obj: JsonObject = {
            "Execution": self.execution,
            "State": {"EnteredTime": format_timestamp(self.entered_time), "Name": self.name,
                      "RetryCount": self.retry_count},
            "StateMachine": self.state_machine,
        }
        if self.task_token is not None:
            obj["Task"] = {"Token": self.task_token}
        if self.map_item is not None:
            obj["Map"] = {"Item": self.map_item}
        return obj


def execution_object(ctx: ExecutionContext, start: datetime, payload: Json) -> tuple[JsonObject, JsonObject]:
    execution: JsonObject = {
        "Id": ctx.execution_arn,
        "Input": payload,
        "Name": ctx.name,
        "RoleArn": ctx.role_arn,
        "StartTime": format_timestamp(start),
        "RedriveCount": 0,
    }
    return execution, {"Id": ctx.machine_arn, "Name": ctx.state_machine_name}
