"""The generated ASL: golden files, statelint, moto's CreateStateMachine, Terraform-template safety.

Golden files under tests/compiler/golden/ show every change to the generated ASL in review; run with
LOCKGATE_UPDATE_GOLDEN=1 to rewrite them after an intended change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from statelint.linter import Linter

from orchestration.compiler import (
    PLACEHOLDERS,
    check_template_safe,
    compile_definition,
    placeholders_used,
    state_counts,
    success_path,
)
from orchestration.config import Project
from orchestration.core.errors import RETRYABLE_ASL_ERRORS
from orchestration.core.spec import Spec, parse_spec
from tests.compiler.fakes import ACCOUNT, fill

GOLDEN = Path(__file__).parent / "golden"
ROOT = Path(__file__).resolve().parents[2]

# statelint 3.1 predates ReaderConfig.InputType, which AWS requires to read a JSON array with
# s3:getObject (Step Functions guide, "ItemReader (Map)"); that single message is a linter gap.
STATELINT_GAPS = ('Field "InputType" not allowed in State Machine.States.ProcessBatches.ItemReader.ReaderConfig',
                  'Field "InputType" not allowed in State Machine.States.DownloadFiles.ItemReader.ReaderConfig')

MINIMAL = {
    "name": "minimal",
    "source": {"uri": "s3://raw-bucket/minimal/", "format": "parquet"},
    "columns": [{"name": "id", "type": "bigint"}],
    "target": {"database": "db", "table": "minimal", "location": "s3://lake-bucket/minimal/"},
    "crawler": {"run": "never"},
    "notifications": {"on_failure": False, "on_success": False},
}


def example_specs() -> dict[str, Spec]:
    specs = Project.load(ROOT).specs()
    specs["minimal"] = parse_spec(MINIMAL, "minimal.yaml")
    return specs


SPECS = example_specs()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_definition_matches_golden_file(name: str) -> None:
    text = json.dumps(compile_definition(SPECS[name]), indent=2) + "\n"
    golden = GOLDEN / f"{name}.asl.json"
    if os.environ.get("LOCKGATE_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"no golden file {golden}; run with LOCKGATE_UPDATE_GOLDEN=1 to create it"
    assert text == golden.read_text(), f"{name}: ASL changed; review and rerun with LOCKGATE_UPDATE_GOLDEN=1"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_definition_passes_statelint(name: str) -> None:
    problems = [p for p in Linter.validate(fill(compile_definition(SPECS[name]))) if p not in STATELINT_GAPS]
    assert problems == []


def test_statelint_reports_a_broken_definition() -> None:
    broken = compile_definition(SPECS["orders"])
    broken["States"]["Commit"]["Next"] = "NoSuchState"
    assert any("NoSuchState" in p for p in Linter.validate(fill(broken)))


def test_every_definition_is_accepted_by_moto(aws: str) -> None:
    import boto3

    sfn = boto3.client("stepfunctions", endpoint_url=aws)
    role = f"arn:aws:iam::{ACCOUNT}:role/lockgate-sfn"
    for name, spec in sorted(SPECS.items()):
        arn = sfn.create_state_machine(name=f"lockgate-{name}", definition=json.dumps(fill(compile_definition(spec))),
                                       roleArn=role, type="STANDARD")["stateMachineArn"]
        described = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])
        assert described["StartAt"] == ("ListDownloads" if spec.source.remote else "Plan")


def test_only_known_placeholders_and_no_other_template_syntax() -> None:
    for spec in SPECS.values():
        d = compile_definition(spec)
        assert set(placeholders_used(d)) <= set(PLACEHOLDERS)
        text = json.dumps(d)
        assert text.count("${") == sum(text.count("${" + p + "}") for p in PLACEHOLDERS)
        assert "%{" not in text
    bad = compile_definition(SPECS["orders"])
    bad["States"]["Published"]["Comment"] = "costs ${price}"
    with pytest.raises(ValueError, match="templatefile"):
        check_template_safe(bad)


def test_spark_only_spec_has_no_lambda_branch() -> None:
    d = compile_definition(SPECS["sessions"])
    assert "ProcessBatches" not in d["States"]
    assert "process_batch_function_arn" not in placeholders_used(d)
    assert [c["StringEquals"] for c in d["States"]["Route"]["Choices"]] == ["glue", "empty"]


def test_retry_comes_from_the_error_taxonomy_and_validation_errors_never_retry() -> None:
    plan = compile_definition(SPECS["orders"])["States"]["Plan"]
    retried = {e for r in plan["Retry"] for e in r["ErrorEquals"]}
    assert set(RETRYABLE_ASL_ERRORS) <= retried
    assert {"Lambda.TooManyRequestsException", "Lambda.ServiceException"} <= retried
    assert not retried & {"Lockgate.SpecError", "Lockgate.DataError", "Lockgate.QualityError", "States.ALL"}
    assert all(r["JitterStrategy"] == "FULL" and r["BackoffRate"] > 1 for r in plan["Retry"])


def test_every_task_catches_into_the_failure_path() -> None:
    for spec in SPECS.values():
        states = compile_definition(spec)["States"]
        for name, st in states.items():
            if st["Type"] in ("Task", "Map") and not name.startswith("Notify") and name != "DescribeFailure":
                assert st["Catch"][-1]["ErrorEquals"] == ["States.ALL"], name
                assert st["Catch"][-1]["Next"] == f"{name}Failed", name
                assert states[f"{name}Failed"]["Next"] == "DescribeFailure", name
        # If naming the root cause fails, the failure path goes on with the caught error as it is.
        assert states["DescribeFailure"]["Catch"] == [
            {"ErrorEquals": ["States.ALL"], "ResultPath": "$.describe_error", "Next": "CaughtErrorHasCause"}]
        assert states["Failed"] == {"Type": "Fail", "ErrorPath": "$.error", "CausePath": "$.cause"}


def test_glue_branch_passes_the_contract_arguments_and_worker_settings() -> None:
    glue = compile_definition(SPECS["events"])["States"]["RunGlueJob"]
    assert glue["Resource"] == "arn:aws:states:::glue:startJobRun.sync"
    args = glue["Parameters"]["Arguments"]
    assert {k.removesuffix(".$") for k in args} == {"--spec_uri", "--manifest_uri", "--run_id", "--staging_uri",
                                                    "--result_uri"}
    params = glue["Parameters"]
    # the run's size comes from the plan (chosen per run); the timeout from the spec
    assert (params["WorkerType.$"], params["NumberOfWorkers.$"], params["ExecutionClass.$"], params["Timeout"]) == (
        "$.plan.glue.worker_type", "$.plan.glue.workers", "$.plan.glue.execution_class", 60)


def test_cost_state_counts_follow_the_definition() -> None:
    for spec in SPECS.values():
        states = compile_definition(spec)["States"]
        for route in ("lambda", "glue", "empty"):
            if route == "lambda" and spec.spark_dependent:
                continue
            assert set(success_path(spec, route)) <= set(states), (spec.name, route)
    counts = state_counts(SPECS["orders"])
    assert counts.lambda_parent > counts.glue_parent  # the dedupe states


def test_failure_path_notifies_when_the_caught_error_has_no_cause() -> None:
    """States.Timeout and some service errors carry no ``Cause``; the failure path must still notify and fail
    with the caught error when naming the root cause fails too (DescribeFailureAsCaught)."""
    from orchestration.local.errors import TaskFailure
    from orchestration.local.interpreter import execute

    definition = compile_definition(SPECS["orders"])
    definition["StartAt"] = "DescribeFailure"
    published: list[dict[str, object]] = []

    def resolver(resource: str, parameters: dict[str, object], context: object) -> dict[str, object]:
        if resource.endswith("lambda:invoke"):
            raise TaskFailure("Lambda.Unknown", "the failure function itself failed")
        published.append(json.loads(str(parameters["Message"])))
        return {"MessageId": "1"}

    result = execute(definition, {"error": {"Error": "States.Timeout"}, "failed_state": "RunGlueJob"}, resolver=resolver)
    assert result.status == "FAILED"
    assert result.error == "States.Timeout", (result.error, result.cause)
    assert len(published) == 1 and published[0]["error"] == "States.Timeout"
    assert published[0]["failed_state"] == "RunGlueJob" and "States.Timeout" in str(published[0]["cause"])


def test_success_and_failure_notifications_go_to_different_topics() -> None:
    """The failures topic pages people: a successful run is announced on the runs topic instead."""
    states = compile_definition(SPECS["sessions"])["States"]  # notifications: on_failure and on_success
    assert states["NotifySuccess"]["Parameters"]["TopicArn"] == "${success_topic_arn}"
    assert states["NotifyFailure"]["Parameters"]["TopicArn"] == "${sns_topic_arn}"
    assert "NotifySuccess" not in compile_definition(SPECS["orders"])["States"]  # on_success: false
