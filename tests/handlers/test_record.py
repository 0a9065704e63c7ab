"""The record function on AWS, against moto's server: a real execution (moto runs the definition),
its history read over HTTP, the Glue job run from GetJobRun, the row written to S3 as Parquet.

Moto cannot run Lambda tasks here (no container runtime) and its Glue ``.sync`` integration fails, so
the execution starts the Glue job request-response; its Distributed Map children cannot be listed by
Map Run in moto (``ListExecutions`` with ``mapRunArn`` answers 500), which the function survives by
counting the Map Run's items. The Lambda side of the measurement runs on real histories in
tests/runtime/test_metering.py.
"""

from __future__ import annotations

import io
import json
import time
from urllib.parse import urlparse

import pyarrow.parquet as pq
import pytest
import requests

from lambdas.handlers.record import handler
from orchestration.core import aws
from orchestration.core.contracts import RunPaths
from orchestration.metering.measure import MEMORY_ENV

CONTROL = "s3://lockgate-control/"
ROLE = "arn:aws:iam::123456789012:role/lockgate-orders"
JOB = "lockgate-orders"


@pytest.fixture()
def executing(s3_store, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch):
    """Moto runs state machines; its Step Functions engine calls Glue back on this server's port."""
    monkeypatch.setenv("MOTO_PORT", str(urlparse(moto_endpoint).port))
    monkeypatch.setenv("LOCKGATE_IMPORT", "orders")
    monkeypatch.setenv(MEMORY_ENV, json.dumps({"plan": 512, "process_batch": 2048, "commit": 1024}))
    requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10)
    aws.client("glue").create_job(Name=JOB, Role=ROLE, Command={"Name": "glueetl", "ScriptLocation": "s3://x/job.py"},
                                  WorkerType="G.2X", NumberOfWorkers=10, GlueVersion="5.0")
    yield s3_store
    requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10)


def _run(definition: dict, name: str, run_input: dict) -> dict:
    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(name=f"{JOB}-{name}", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(run_input))["executionArn"]
    for _ in range(200):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.05)
    to_ms = lambda d: int(d.timestamp() * 1000) if d else None  # noqa: E731
    return {"version": "0", "source": "aws.states", "detail-type": "Step Functions Execution Status Change",
            "detail": {"executionArn": execution, "stateMachineArn": arn, "name": name, "status": described["status"],
                       "startDate": to_ms(described.get("startDate")), "stopDate": to_ms(described.get("stopDate")),
                       "error": described.get("error"), "cause": described.get("cause")}}


def _manifest(store, run_id: str, route: str) -> None:
    paths = RunPaths(CONTROL, "orders", run_id)
    store.write_json(paths.manifest, {
        "run_id": run_id, "import": "orders", "mode": "backfill", "route": route, "reasons": [],
        "batches": [], "cost": {"lambda": {"usd": 0.01}, "glue": {"usd": 0.05}},
        "estimated_s": {"lambda": 40.0, "glue": 150.0}})
    store.write_json(paths.commit, {"rows_in": 10, "rows_written": 9, "rows_rejected": 1, "rows_filtered": 0,
                                    "rows_deduplicated": 0})


def _row(store, month: str, run_id: str) -> dict:
    data = store.read_bytes(f"{CONTROL}run_summaries/orders/{month}/{run_id}.parquet")
    return pq.read_table(io.BytesIO(data)).to_pylist()[0]


GLUE_THEN_MAP = {"StartAt": "Plan", "States": {
    "Plan": {"Type": "Pass", "Next": "RunGlueJob"},
    "RunGlueJob": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun",
                   "Parameters": {"JobName": JOB, "NumberOfWorkers": 3, "WorkerType": "G.2X"},
                   "ResultPath": "$.glue", "Next": "Children"},
    "Children": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": None, "End": True, "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}}}}


def test_a_glue_run_is_measured_from_its_history_and_get_job_run_and_lands_as_a_parquet_row(executing):
    _manifest(executing, "run-glue", "glue")
    event = _run(GLUE_THEN_MAP, "run-glue", {"items": [{"batch": 0}, {"batch": 1}]})
    assert event["detail"]["status"] == "SUCCEEDED"

    row = handler(event, None)

    job_run = aws.client("glue").get_job_runs(JobName=JOB)["JobRuns"][0]
    dpus = 2 * job_run["NumberOfWorkers"]  # G.2X: 2 DPUs per worker
    assert row["glue_dpu_seconds"] == pytest.approx(max(job_run["ExecutionTime"], 60) * dpus)
    assert row["glue_usd"] == pytest.approx(row["glue_dpu_seconds"] / 3600 * 0.44, rel=1e-3)
    assert row["sfn_transitions"] == 3 + 2  # three states entered, two Map children started
    assert row["measured_usd"] == pytest.approx(row["glue_usd"] + row["sfn_usd"], abs=1e-6)
    assert (row["route"], row["status"], row["recorded_by"], row["mode"]) == ("glue", "SUCCEEDED", "aws", "backfill")
    assert row["glue_only_basis"] == "measured" and row["glue_only_usd"] == row["measured_usd"]
    assert row["estimated_usd"] == 0.05 and row["cost_ratio"] == pytest.approx(0.05 / row["measured_usd"], rel=1e-3)
    assert row["estimated_engine_s"] == 150.0 and row["measured_engine_s"] == job_run["ExecutionTime"]
    stored = _row(executing, row["month"], "run-glue")
    assert stored["rows_written"] == 9 and stored["glue_dpu_seconds"] == row["glue_dpu_seconds"]
    assert stored["started_at"] is not None and stored["import_name"] == "orders"


def test_a_failed_run_is_recorded_with_its_root_cause_and_what_it_cost_so_far(executing):
    failing = {"StartAt": "Plan", "States": {
        "Plan": {"Type": "Pass", "Next": "DescribeFailure"},
        "DescribeFailure": {"Type": "Pass", "Result": {"error": "Lockgate.DataError", "state": "ProcessBatch",
                                                        "cause": "s3://acme-raw/orders/a.csv.gz: corrupt gzip"},
                            "Next": "Failed"},
        "Failed": {"Type": "Fail", "Error": "Lockgate.DataError", "Cause": "corrupt gzip"}}}
    event = _run(failing, "run-failed", {"import": "orders", "engine": "lambda"})
    assert event["detail"]["status"] == "FAILED"

    row = handler(event, None)

    assert (row["status"], row["error"], row["failed_state"]) == ("FAILED", "Lockgate.DataError", "ProcessBatch")
    assert "corrupt gzip" in row["cause"]
    assert row["route"] is None and row["engine"] == "lambda"  # it failed before a plan was written
    assert row["sfn_transitions"] == 3 and row["glue_dpu_seconds"] == 0 and row["lambda_requests"] == 0
    assert row["glue_only_basis"] == "measured" and row["rows_written"] == 0
    assert _row(executing, row["month"], "run-failed")["error"] == "Lockgate.DataError"


def test_a_malformed_memory_setting_names_the_variable(executing, monkeypatch):
    monkeypatch.setenv(MEMORY_ENV, "[1, 2]")
    event = _run({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, "run-x", {})
    with pytest.raises(Exception, match=MEMORY_ENV):
        handler(event, None)


def test_lockgate_report_reads_the_runs_recorded_on_aws(executing, tmp_path, capsys):
    from orchestration.cli.app import main
    from tests.conftest import ROOT

    _manifest(executing, "run-glue", "glue")
    handler(_run(GLUE_THEN_MAP, "run-glue", {"items": [{"batch": 0}]}), None)
    handler(_run({"StartAt": "Failed", "States": {"Failed": {"Type": "Fail", "Error": "Lockgate.SpecError",
                                                              "Cause": "bad window"}}}, "run-bad", {}), None)
    (tmp_path / "lockgate.yaml").write_text(f"imports: {ROOT / 'examples' / 'imports'}\n"
                                            f"aws: {{region: eu-central-1, prefix: lockgate, control_uri: {CONTROL}}}\n")
    with pytest.raises(SystemExit) as done:
        main(["--project", str(tmp_path), "report", "orders", "--json"])
    assert done.value.code == 0
    [group] = json.loads(capsys.readouterr().out)["groups"]
    assert (group["runs"], group["failed"], group["routes"]) == (2, 1, {"glue": 1, "none": 1})
    assert group["root_causes"][0]["error"] == "Lockgate.SpecError"
    assert group["glue_only_usd"] == group["measured_usd"] and group["saving_usd"] == 0
