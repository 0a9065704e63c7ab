"""The task resolver of the local runtime: an explicit table from Task resources to local services.

| resource | local service |
|---|---|
| ``arn:aws:states:::lambda:invoke`` (FunctionName) and ``arn:aws:lambda:...:function:NAME`` | ``LambdaService`` (a process per invocation) |
| ``arn:aws:states:::glue:startJobRun.sync`` | ``GlueService`` (the Glue script under local Spark) |
| ``arn:aws:states:::aws-sdk:glue:startCrawler`` / ``getCrawler`` | ``CrawlerService`` (``crawlers.local``) |
| ``arn:aws:states:::sns:publish`` | ``SnsService`` (an outbox in the lake) |
| ``arn:aws:states:::s3:getObject`` / ``putObject`` / ``listObjectsV2`` | ``S3Service`` (the local lake) |

``lambda:invoke`` answers like the optimized integration (``Payload``, ``StatusCode``, ...); a function
error fails the Task with the function's ``errorType`` as the error name and the error payload (JSON)
as the cause. A mock-config test case, when given, answers for the states it names first.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import RUNTIME, TIMEOUT, TaskFailure
from ..json_types import Json
from ..mockconfig import TestCase
from ..runtime import TaskContext
from .crawler import CrawlerService
from .glue import GlueService
from .lambda_ import FunctionError, LambdaService
from .s3 import S3Service
from .sns import SnsService

__all__ = ["LocalResolver", "TaskCall", "LAMBDA_INVOKE", "GLUE_SYNC", "START_CRAWLER", "GET_CRAWLER", "SNS_PUBLISH"]

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
GLUE_SYNC = "arn:aws:states:::glue:startJobRun.sync"
START_CRAWLER = "arn:aws:states:::aws-sdk:glue:startCrawler"
GET_CRAWLER = "arn:aws:states:::aws-sdk:glue:getCrawler"
SNS_PUBLISH = "arn:aws:states:::sns:publish"
S3_GET = "arn:aws:states:::s3:getObject"
S3_PUT = "arn:aws:states:::s3:putObject"
S3_LIST = "arn:aws:states:::s3:listObjectsV2"


@dataclass(slots=True)
class TaskCall:
    """One call of a service by a state (one attempt), for the run record."""

    state: str
    resource: str
    attempt: int
    started: float
    duration_s: float = 0.0
    error: str | None = None
    mocked: bool = False
    detail: dict[str, Any] = field(default_factory=dict)


class LocalResolver:
    """Callable as the interpreter's ``resolver``; ``on_call(state, attempt, calls_of_state)`` reports progress."""

    def __init__(self, *, lambdas: LambdaService, s3: S3Service, sns: SnsService, glue: GlueService | None = None,
                 crawlers: CrawlerService | None = None, test_case: TestCase | None = None,
                 on_call: Callable[[str, int, int], None] | None = None) -> None:
        self.lambdas = lambdas
        self.s3 = s3
        self.sns = sns
        self.glue = glue
        self.crawlers = crawlers
        self.test_case = test_case
        self.on_call = on_call
        self.calls: list[TaskCall] = []
        self._counts: dict[str, int] = {}
        self._table: dict[str, Callable[[dict[str, Any]], Json]] = {
            LAMBDA_INVOKE: self._lambda_invoke,
            GLUE_SYNC: self._glue_sync,
            START_CRAWLER: lambda p: self._crawler().start_crawler(p),
            GET_CRAWLER: lambda p: self._crawler().get_crawler(p),
            SNS_PUBLISH: self.sns.publish,
            S3_GET: self.s3.get_object,
            S3_PUT: self.s3.put_object,
            S3_LIST: self.s3.list_objects_v2,
        }

    @property
    def resources(self) -> list[str]:
        return sorted(self._table)

    def __call__(self, resource: str, parameters: Json, context: TaskContext) -> Json:
        state = context.state_name
        index = self._counts.get(state, 0)
        self._counts[state] = index + 1
        call = TaskCall(state, resource, context.attempt, time.time())
        self.calls.append(call)
        if self.on_call is not None:
            self.on_call(state, context.attempt, index + 1)
        started = time.monotonic()
        try:
            response = self.test_case.states.get(state) if self.test_case else None
            mocked = response.for_invocation(index) if response is not None else None
            if mocked is not None:
                call.mocked = True
                return mocked.apply()
            return self._dispatch(resource, parameters if isinstance(parameters, dict) else {}, context)
        except TaskFailure as err:
            call.error = err.error
            raise
        except Exception as exc:
            call.error = getattr(exc, "asl_error", type(exc).__name__)
            raise
        finally:
            call.duration_s = round(time.monotonic() - started, 3)

    def _dispatch(self, resource: str, parameters: dict[str, Any], context: TaskContext) -> Json:
        if resource.startswith("arn:aws:lambda:") and ":function:" in resource:
            return self._invoke(resource, parameters, context.timeout_seconds)
        if resource == LAMBDA_INVOKE:
            return self._lambda_invoke(parameters, context.timeout_seconds)
        route = self._table.get(resource)
        if route is None:
            raise TaskFailure(RUNTIME, f"the local runtime has no service for resource {resource}; "
                              f"supported: {', '.join(self.resources)} and Lambda function ARNs")
        return route(parameters)

    def _invoke(self, function: str, event: Any, task_timeout_s: float | None) -> Json:
        try:
            payload, _ = self.lambdas.invoke(function, event, task_timeout_s=task_timeout_s)
        except FunctionError as err:
            if err.error_type == TIMEOUT:
                raise TaskFailure(TIMEOUT, str(err.payload.get("errorMessage", ""))) from None
            raise TaskFailure(err.error_type, json.dumps(err.payload)) from None
        self.calls[-1].detail["request_id"] = self.lambdas.invocations[-1].request_id
        return payload

    def _lambda_invoke(self, parameters: dict[str, Any], task_timeout_s: float | None = None) -> Json:
        function = parameters.get("FunctionName")
        if not isinstance(function, str) or not function:
            raise TaskFailure(RUNTIME, "lambda:invoke needs a FunctionName string parameter")
        payload = self._invoke(function, parameters.get("Payload", {}), task_timeout_s)
        request_id = self.calls[-1].detail.get("request_id") or str(uuid.uuid4())
        return {
            "ExecutedVersion": "$LATEST",
            "Payload": payload,
            "SdkHttpMetadata": {"HttpHeaders": {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST",
                                                "x-amzn-RequestId": request_id},
                                "HttpStatusCode": 200},
            "SdkResponseMetadata": {"RequestId": request_id},
            "StatusCode": 200,
        }

    def _glue_sync(self, parameters: dict[str, Any]) -> Json:
        if self.glue is None:
            raise TaskFailure(RUNTIME, "no local Glue service is configured for this run")
        run = self.glue.start_job_run_sync(parameters)
        self.calls[-1].detail["job_run_id"] = run["Id"]
        return run

    def _crawler(self) -> CrawlerService:
        if self.crawlers is None:
            raise TaskFailure(RUNTIME, "no local crawler service is configured for this run")
        return self.crawlers
