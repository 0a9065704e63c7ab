"""How a run ends: the success summary (with an optional SNS notification), or the failure path
(SNS notification with import, run id, failed state, error and cause, then Fail)."""

from __future__ import annotations

from typing import Any

from ..spec.models import Spec
from .names import S, ph
from .retry import sns_retry
from .tasks import COMMIT_FIELDS

__all__ = ["success_states", "failure_states", "failure_entry", "SNS_PUBLISH"]

Json = dict[str, Any]
SNS_PUBLISH = "arn:aws:states:::sns:publish"


def failure_entry(spec: Spec) -> str:
    return S.DESCRIBE_FAILURE if spec.notifications.on_failure else S.FAILED


def success_states(spec: Spec) -> dict[str, Json]:
    summary: Json = {
        "run_id.$": "$.plan.run_id",
        "import": spec.name,
        "route.$": "$.plan.route",
        "reasons.$": "$.plan.reasons",
        "window.$": "$.plan.window",
        "objects.$": "$.plan.objects",
        "bytes.$": "$.plan.bytes",
        "batches.$": "$.plan.batches",
        **{f"{f}.$": f"$.commit.{f}" for f in COMMIT_FIELDS},
        "partitions.$": "$.commit.partitions",
    }
    after = S.NOTIFY_SUCCESS if spec.notifications.on_success else S.PUBLISHED
    states: dict[str, Json] = {S.SUMMARIZE: {"Type": "Pass", "Parameters": summary, "Next": after}}
    if spec.notifications.on_success:
        states[S.NOTIFY_SUCCESS] = {
            "Type": "Task",
            "Resource": SNS_PUBLISH,
            "Parameters": {
                "TopicArn": ph("sns_topic_arn"),
                "Subject": f"Lockgate import {spec.name} published",
                "Message.$": "States.JsonToString($)",
            },
            "Retry": sns_retry(),
            "ResultPath": None,
            # The data is published either way: a lost success message does not fail the run.
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": S.PUBLISHED}],
            "Next": S.PUBLISHED,
        }
    states[S.PUBLISHED] = {"Type": "Succeed"}
    return states


def failure_states(spec: Spec) -> dict[str, Json]:
    fail = {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}
    if not spec.notifications.on_failure:
        return {S.FAILED: fail}
    return {
        S.DESCRIBE_FAILURE: {
            "Type": "Pass",
            "Parameters": {
                "import": spec.name,
                "run_id.$": "$$.Execution.Name",
                "failed_state.$": "$.failed_state",
                "error.$": "$.error.Error",
                "cause.$": "$.error.Cause",
            },
            "ResultPath": "$.notification",
            "Next": S.NOTIFY_FAILURE,
        },
        S.NOTIFY_FAILURE: {
            "Type": "Task",
            "Resource": SNS_PUBLISH,
            "Parameters": {
                "TopicArn": ph("sns_topic_arn"),
                "Subject": f"Lockgate import {spec.name} failed",
                "Message.$": "States.JsonToString($.notification)",
            },
            "Retry": sns_retry(),
            "ResultPath": None,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.notify_error", "Next": S.FAILED}],
            "Next": S.FAILED,
        },
        S.FAILED: fail,
    }
