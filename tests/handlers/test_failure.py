"""The root cause of a failed run (orchestration.failures) and the failure Lambda that names it."""

from __future__ import annotations

import json
from pathlib import Path

from lambdas.handlers.failure import FailureEvent, describe
from lambdas.handlers.process_batch import handler as process_batch_handler
from orchestration.core.storage import LocalLake
from orchestration.failures import root_cause, unwrap

WRAPPER = "States.ExceedToleratedFailureThreshold"


def test_a_lambda_error_payload_becomes_its_type_and_message_without_the_stack_trace() -> None:
    cause = json.dumps({"errorMessage": "s3://raw/a.gz (line 7): bad", "errorType": "Lockgate.DataError",
                        "requestId": "r", "stackTrace": ["  File x"]})
    assert unwrap("Lockgate.DataError", cause) == ("Lockgate.DataError", "s3://raw/a.gz (line 7): bad")
    # an unhandled exception surfaces as States.TaskFailed on some integrations: the type is the better name
    assert unwrap("States.TaskFailed", json.dumps({"errorMessage": "boom", "errorType": "KeyError"})) == ("KeyError", "boom")


def test_a_glue_job_run_becomes_its_error_message_and_a_lockgate_error_its_name() -> None:
    run = {"Id": "jr_1", "JobName": "lockgate-orders", "JobRunState": "FAILED"}
    cause = json.dumps({**run, "ErrorMessage": "orchestration.core.errors.DataError: s3://raw/a.gz (line 7): corrupt"})
    assert unwrap("States.TaskFailed", cause) == (
        "Lockgate.DataError", "s3://raw/a.gz (line 7): corrupt (Glue job lockgate-orders run jr_1)")
    cause = json.dumps({**run, "ErrorMessage": "java.lang.OutOfMemoryError: Java heap space"})
    assert unwrap("States.TaskFailed", cause) == (
        "States.TaskFailed", "Glue job lockgate-orders run jr_1: java.lang.OutOfMemoryError: Java heap space")


def test_plain_causes_and_non_wrappers_are_kept() -> None:
    assert unwrap("Lockgate.QualityError", "12 rows over") == ("Lockgate.QualityError", "12 rows over")
    found = root_cause(state="Commit", error="Lockgate.QualityError", cause="12 rows over",
                       children=[{"state": "ProcessBatch", "error": "Lockgate.DataError", "cause": "x"}])
    assert found == {"state": "Commit", "error": "Lockgate.QualityError", "cause": "12 rows over", "wrapped_by": None}


def test_a_wrapper_leads_with_the_first_real_child_failure_and_keeps_itself_as_context() -> None:
    found = root_cause(state="ProcessBatches", error=WRAPPER, cause="threshold exceeded", children=[
        {"state": "ProcessBatch", "batch": 3, "error": "Lockgate.DataError", "cause": "s3://raw/c.gz: corrupt", "at": "1"},
        {"state": "ProcessBatch", "batch": 4, "error": "Lockgate.DataError", "cause": "s3://raw/d.gz: corrupt", "at": "2"}])
    assert found == {"state": "ProcessBatch", "batch": 3, "error": "Lockgate.DataError", "cause": "s3://raw/c.gz: corrupt",
                     "wrapped_by": {"state": "ProcessBatches", "error": WRAPPER, "cause": "threshold exceeded"}}
    # without children the wrapper is all there is, with where to look next
    alone = root_cause(state="ProcessBatches", error=WRAPPER, cause="threshold exceeded")
    assert alone["error"] == WRAPPER and alone["cause"].startswith("threshold exceeded; no batch recorded its error")
    assert "ProcessBatches's Map Run" in alone["cause"]


def test_a_failing_batch_records_its_error_and_the_failure_lambda_finds_it(tmp_path: Path, monkeypatch) -> None:
    lake = LocalLake(tmp_path)
    monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path))
    manifest = "s3://control/runs/orders/run-1/manifest.json"
    lake.write_json(manifest, {"not": "a manifest"})
    try:
        process_batch_handler({"manifest_uri": manifest, "batch": 2})
    except Exception as err:  # noqa: BLE001 - the handler re-raises the batch's own error
        raised = err
    else:
        raise AssertionError("a broken manifest must fail the batch")
    record = lake.read_json("s3://control/runs/orders/run-1/failures/batch-00002.json")
    assert (record["state"], record["batch"], record["error"]) == ("ProcessBatch", 2, type(raised).__name__)

    event = FailureEvent.model_validate({"import": "orders", "run_id": "run-1", "input": {
        "failed_state": "ProcessBatches", "error": {"Error": WRAPPER, "Cause": "threshold exceeded"},
        "plan": {"manifest_uri": manifest}}})
    described = describe(event, lake)
    assert (described["failed_state"], described["state"], described["batch"]) == ("ProcessBatches", "ProcessBatch", 2)
    assert described["error"] == record["error"] and described["cause"] == record["cause"]
    assert described["wrapped_by"]["error"] == WRAPPER
