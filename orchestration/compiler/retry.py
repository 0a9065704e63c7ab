"""Retry and Catch blocks, built from the project's error taxonomy (``orchestration.core.errors``).

Transient AWS errors and Lockgate's retryable errors retry with exponential backoff and full jitter;
validation, data, quality and accounting errors never retry. Every Task catches everything else into
``<State>Failed``, a Pass that records the state's name in ``$.failed_state``, then the failure path.
"""

from __future__ import annotations

from typing import Any

from orchestration.core.errors import RETRYABLE_ASL_ERRORS

__all__ = ["LAMBDA_TRANSIENT", "GLUE_JOB_TRANSIENT", "GLUE_API_TRANSIENT", "SNS_TRANSIENT", "lambda_retry",
           "glue_job_retry", "glue_api_retry", "sns_retry", "catch_all", "caught", "caught_state", "CRAWLER_RUNNING"]

LAMBDA_TRANSIENT = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
)
GLUE_JOB_TRANSIENT = ("Glue.ThrottlingException", "Glue.InternalServiceException", "Glue.OperationTimeoutException")
GLUE_API_TRANSIENT = GLUE_JOB_TRANSIENT
SNS_TRANSIENT = ("SNS.ThrottledException", "SNS.InternalErrorException", "SNS.KMSThrottlingException")
CRAWLER_RUNNING = "Glue.CrawlerRunningException"

Json = dict[str, Any]


def _retrier(errors: tuple[str, ...] | list[str], interval: int, attempts: int, backoff: float, max_delay: int) -> Json:
    return {
        "ErrorEquals": list(errors),
        "IntervalSeconds": interval,
        "MaxAttempts": attempts,
        "BackoffRate": backoff,
        "MaxDelaySeconds": max_delay,
        "JitterStrategy": "FULL",
    }


def _lockgate() -> Json:
    return _retrier(list(RETRYABLE_ASL_ERRORS), 5, 3, 2.0, 60)


def lambda_retry() -> list[Json]:
    """Lambda service hiccups, throttling, and Lockgate's retryable errors (StorageError, TransientError)."""
    return [_retrier(LAMBDA_TRANSIENT, 2, 6, 2.0, 60), _lockgate()]


def glue_job_retry() -> list[Json]:
    """Too many concurrent runs of the job: wait long; API throttling: wait short."""
    return [
        _retrier(("Glue.ConcurrentRunsExceededException",), 60, 10, 1.5, 600),
        _retrier(GLUE_JOB_TRANSIENT, 5, 5, 2.0, 120),
    ]


def glue_api_retry() -> list[Json]:
    return [_retrier(GLUE_API_TRANSIENT, 5, 5, 2.0, 120)]


def sns_retry() -> list[Json]:
    return [_retrier(SNS_TRANSIENT, 2, 4, 2.0, 30)]


def caught(state: str) -> str:
    """The Pass state that records which state failed (``PlanFailed``)."""
    return f"{state}Failed"


def catch_all(state: str) -> Json:
    """Catch everything into ``<state>Failed``, keeping the state's input; the error goes to ``$.error``."""
    return {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": caught(state)}


def caught_state(state: str, failure_entry: str) -> Json:
    """``<state>Failed``: note the failed state's name next to the error, then the failure path. (Catcher
    ``Assign`` would do this without a state, but statelint 3.1 accepts Assign only with JSONata.)"""
    return {"Type": "Pass", "Result": state, "ResultPath": "$.failed_state", "Next": failure_entry}
