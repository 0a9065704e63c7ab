"""Placeholders filled with fake ARNs, and a scripted task resolver for the local interpreter."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from orchestration.compiler import PLACEHOLDERS
from orchestration.local.errors import TaskFailure

ACCOUNT = "123456789012"
REGION = "eu-central-1"
FAKE = {
    "plan_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-plan",
    "process_batch_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-process-batch",
    "dedupe_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-dedupe",
    "commit_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-commit",
    "failure_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-failure",
    "download_list_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-download-list",
    "download_file_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-download-file",
    "download_finish_function_arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-download-finish",
    "glue_job_name": "lockgate-job",
    "crawler_name": "lockgate-crawler",
    "sns_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:lockgate-failures",
    "success_topic_arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:lockgate-runs",
    "control_bucket": "lockgate-control",
    "spec_key": "specs/orders.json",
}
assert set(FAKE) == set(PLACEHOLDERS)


def fill(definition: dict[str, Any]) -> dict[str, Any]:
    """What Terraform's templatefile does: every ${name} replaced by its value."""
    text = json.dumps(definition)
    for name, value in FAKE.items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text
    return json.loads(text)


Handler = Callable[[dict[str, Any]], Any]


class FakeAws:
    """A task resolver: per resource (or Lambda function), a list of scripted answers; the last one
    repeats. An answer is a value, a callable of the parameters, or a TaskFailure to raise."""

    def __init__(self, script: dict[str, list[Any]]) -> None:
        self.script = script
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, resource: str, parameters: Any, context: Any) -> Any:
        key = resource
        if resource == "arn:aws:states:::lambda:invoke":
            key = parameters["FunctionName"].rsplit(":", 1)[-1]
        self.calls.append((key, parameters))
        answers = self.script[key]
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, TaskFailure):
            raise answer
        return answer(parameters) if callable(answer) else answer

    def called(self, key: str) -> list[dict[str, Any]]:
        return [p for k, p in self.calls if k == key]


def describe_failure(store: Any) -> Callable[[dict[str, Any]], Any]:
    """The failure Lambda's answer: the real ``lambdas.handlers.failure.describe`` over ``store``."""
    from lambdas.handlers.failure import FailureEvent, describe

    return lambda params: lambda_result(describe(FailureEvent.model_validate(params["Payload"]), store))


def lambda_result(payload: Any) -> dict[str, Any]:
    return {"Payload": payload, "StatusCode": 200, "ExecutedVersion": "$LATEST"}


def commit_result(run_id: str = "run-1", crawl_needed: bool = True) -> dict[str, Any]:
    return {"run_id": run_id, "import": "orders", "status": "published", "engine": "lambda", "rows_in": 10,
            "rows_written": 9, "rows_rejected": 1, "rows_filtered": 0, "rows_deduplicated": 0, "bytes_in": 100,
            "outputs": ["s3://lake-bucket/orders/"], "partitions": 1,
            "partitions_added": 0, "schema_changed": False, "crawl_needed": crawl_needed, "quarantine_uri": None,
            "duration_s": 1.0}


def crawler(state: str, status: str | None = None, message: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"Name": FAKE["crawler_name"], "State": state}
    if status:
        c["LastCrawl"] = {"Status": status, "LogGroup": "/aws-glue/crawlers"}
        if message:
            c["LastCrawl"]["ErrorMessage"] = message
    return {"Crawler": c}
