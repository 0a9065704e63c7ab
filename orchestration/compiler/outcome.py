"""How a run ends: the success summary (with an optional SNS notification on the runs topic,
``success_topic_arn``), or the failure path (SNS notification on the failures topic, ``sns_topic_arn``, with
import, run id, failed state, error and cause, then Fail)."""

from __future__ import annotations

from typing import Any

from orchestration.core.spec.models import Spec

from ..machine_names import S, ph
from .retry import lambda_retry, sns_retry
from .tasks import COMMIT_FIELDS, LAMBDA_INVOKE

__all__ = ["success_states", "failure_states", "failure_entry", "SNS_PUBLISH"]

Json = dict[str, Any]
SNS_PUBLISH = "arn:aws:states:::sns:publish"


def failure_entry(spec: Spec) -> str:
    """Every caught failure enters the failure path here."""
    return S.DESCRIBE_FAILURE


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
                "TopicArn": ph("success_topic_arn"),  # not the failures topic: that one pages people
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
    """DescribeFailure (a Lambda) names the root cause: the first real failure, not a Step Functions
    wrapper such as a Distributed Map's ``States.ExceedToleratedFailureThreshold`` (it parses the
    Lambda/Glue error payloads and reads the failed batches' records; ``orchestration.failures``). If
    that Lambda itself fails, DescribeFailureAsCaught (or DescribeFailureWithoutCause) keeps the caught error as it is. Their output (``error``,
    ``cause``, ``state``, ``failed_state``, ``wrapped_by``) is the SNS message and the execution's error and
    cause."""
    notify = S.NOTIFY_FAILURE if spec.notifications.on_failure else S.FAILED
    describe = {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {
            "FunctionName": ph("failure_function_arn"),
            "Payload": {"import": spec.name, "run_id.$": "$$.Execution.Name", "input.$": "$"},
        },
        "Retry": lambda_retry(),
        "ResultPath": "$",
        "OutputPath": "$.Payload",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.describe_error", "Next": S.CAUGHT_HAS_CAUSE}],
        "Next": notify,
    }
    caught = {
        "import": spec.name,
        "run_id.$": "$$.Execution.Name",
        "failed_state.$": "$.failed_state",
        "state.$": "$.failed_state",
        "error.$": "$.error.Error",
    }
    # Some errors (States.Timeout, a few service errors) carry no Cause: a path that does not exist would
    # fail the Pass and lose the notification, so those name the caught error as JSON instead.
    has_cause = {
        "Type": "Choice",
        "Choices": [{"Variable": "$.error.Cause", "IsPresent": True, "Next": S.DESCRIBE_AS_CAUGHT}],
        "Default": S.DESCRIBE_WITHOUT_CAUSE,
    }
    as_caught = {"Type": "Pass", "Parameters": {**caught, "cause.$": "$.error.Cause"}, "Next": notify}
    without_cause = {"Type": "Pass", "Parameters": {**caught, "cause.$": "States.JsonToString($.error)"}, "Next": notify}
    states: dict[str, Json] = {S.DESCRIBE_FAILURE: describe, S.CAUGHT_HAS_CAUSE: has_cause,
                               S.DESCRIBE_AS_CAUGHT: as_caught, S.DESCRIBE_WITHOUT_CAUSE: without_cause}
    if spec.notifications.on_failure:
        states[S.NOTIFY_FAILURE] = {
            "Type": "Task",
            "Resource": SNS_PUBLISH,
            "Parameters": {
                "TopicArn": ph("sns_topic_arn"),
                "Subject": f"Lockgate import {spec.name} failed",
                "Message.$": "States.JsonToString($)",
            },
            "Retry": sns_retry(),
            "ResultPath": None,
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": S.FAILED}],
            "Next": S.FAILED,
        }
    states[S.FAILED] = {"Type": "Fail", "ErrorPath": "$.error", "CausePath": "$.cause"}
    return states
