"""The local Glue service: Glue-style arguments, JobRun results, failures as States.TaskFailed."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.local import execute
from orchestration.local.services import GlueService, LocalGlueJob
from tests.runtime.conftest import ROOT

JOB = str(ROOT / "tests" / "runtime" / "jobs" / "echo_job.py")


def _definition(fail: str) -> dict:
    return {"StartAt": "Glue", "States": {"Glue": {
        "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {"JobName": "lockgate-orders", "Arguments": {"--run_id.$": "$.run", "--fail": fail}},
        "End": True}}}


def test_a_job_run_that_succeeds_answers_with_the_job_run(make_resolver, lake):
    glue = GlueService({"lockgate-orders": LocalGlueJob("lockgate-orders", JOB, 5)}, cwd=ROOT, log_dir=lake / "logs")
    result = execute(_definition("no"), {"run": "r1"}, resolver=make_resolver({}, glue=glue))
    assert result.status == "SUCCEEDED", result.cause
    run = result.output
    assert run["JobRunState"] == "SUCCEEDED" and run["JobName"] == "lockgate-orders" and run["Id"].startswith("jr_")
    assert run["Arguments"] == {"--run_id": "r1", "--fail": "no"}
    printed = json.loads(Path(run["LogPath"]).read_text().splitlines()[0])
    assert printed["--JOB_NAME"] == "lockgate-orders" and printed["--run_id"] == "r1"


def test_a_failed_job_run_fails_the_task_with_states_task_failed_and_the_job_run_as_cause(make_resolver):
    glue = GlueService({"lockgate-orders": LocalGlueJob("lockgate-orders", JOB, 5)}, cwd=ROOT)
    result = execute(_definition("yes"), {"run": "r2"}, resolver=make_resolver({}, glue=glue))
    assert result.status == "FAILED" and result.error == "States.TaskFailed"
    run = json.loads(result.cause)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "orchestration.errors.QualityError: orders: 5 of 10 rows rejected"


def test_an_unknown_job_is_entity_not_found(make_resolver):
    glue = GlueService({}, cwd=ROOT)
    result = execute(_definition("no"), {"run": "r3"}, resolver=make_resolver({}, glue=glue))
    assert result.error == "Glue.EntityNotFoundException" and "lockgate-orders" in result.cause
