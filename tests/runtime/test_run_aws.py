"""`lockgate run` without --local starts the deployed state machine (moto over HTTP)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from orchestration.cli.app import main
from orchestration.core import aws

ROLE = "arn:aws:iam::123456789012:role/lockgate-orders"
SUMMARY = {"run_id": "x", "import": "orders", "route": "lambda", "rows_in": 5, "rows_written": 5, "rows_rejected": 0,
           "rows_filtered": 0, "rows_deduplicated": 0, "outputs": ["s3://acme-lake/sales/orders/order_date=2024-03-01/"]}


@pytest.fixture()
def project(tmp_path: Path, aws) -> Path:  # noqa: ARG001 - the moto endpoint is in the environment
    from tests.runtime.conftest import ROOT

    (tmp_path / "lockgate.yaml").write_text(f"imports: {ROOT / 'examples' / 'imports'}\n"
                                            "aws: {region: eu-central-1, prefix: lockgate}\n")
    return tmp_path


def _machine(name: str) -> str:
    sfn = aws.client("stepfunctions", region="eu-central-1")
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": SUMMARY, "End": True}}}
    return sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]


def _cli(capsys, *args: str) -> tuple[int, dict]:
    with pytest.raises(SystemExit) as exit_:
        main(list(args))
    out = capsys.readouterr()
    return int(exit_.value.code or 0), json.loads(out.out) if out.out.strip() else {"stderr": out.err}


def test_run_starts_the_state_machine_named_prefix_import_with_the_run_input(project, capsys):
    arn = _machine("lockgate-orders")
    _machine("lockgate-events")
    rc, out = _cli(capsys, "--project", str(project), "run", "orders", "--window", "2024-03-01..2024-03-02",
                   "--engine", "glue", "--json")
    assert rc == 0 and out["status"] == "RUNNING"
    sfn = aws.client("stepfunctions", region="eu-central-1")
    described = sfn.describe_execution(executionArn=out["execution_arn"])
    assert described["stateMachineArn"] == arn and described["name"] == out["run_id"]
    assert json.loads(described["input"]) == {
        "import": "orders", "mode": "manual", "engine": "glue",
        "window": {"start": "2024-03-01T00:00:00+01:00", "end": "2024-03-02T00:00:00+01:00"}}


def test_wait_polls_until_the_execution_finishes_and_merges_its_summary(project, capsys, moto_endpoint):
    requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10)
    try:
        _machine("lockgate-orders")
        rc, out = _cli(capsys, "--project", str(project), "run", "orders", "--wait", "--poll-seconds", "0.2", "--json")
    finally:
        requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10)
    assert rc == 0, out
    assert out["status"] == "SUCCEEDED"
    assert out["rows_written"] == 5 and out["route"] == "lambda"


def test_a_missing_state_machine_says_how_to_deploy_or_run_locally(project, capsys):
    rc, out = _cli(capsys, "--project", str(project), "run", "orders")
    assert rc == 3  # ExitCode.CONFIG: nothing deployed under that name (docs/cli.md)
    assert "no state machine named 'lockgate-orders'" in out["stderr"] and "--local" in out["stderr"]


def test_wait_on_a_failed_execution_reports_its_root_cause_and_nothing_published(project, capsys, moto_endpoint):
    """The generated failure path ends in a Fail state carrying DescribeFailure's root cause."""
    requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10)
    try:
        sfn = aws.client("stepfunctions", region="eu-central-1")
        failed = {"StartAt": "Failed", "States": {"Failed": {
            "Type": "Fail", "Error": "Lockgate.DataError", "Cause": "s3://acme-raw/a.csv.gz (after 0 decompressed bytes): corrupt"}}}
        sfn.create_state_machine(name="lockgate-orders", definition=json.dumps(failed), roleArn=ROLE)
        rc, out = _cli(capsys, "--project", str(project), "run", "orders", "--wait", "--poll-seconds", "0.2", "--json")
    finally:
        requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10)
    assert rc == 1 and out["status"] == "FAILED"
    assert (out["error"], out["cause"]) == ("Lockgate.DataError", "s3://acme-raw/a.csv.gz (after 0 decompressed bytes): corrupt")
    assert out["rows_written"] == 0


def test_backfill_in_chunks_starts_one_backfill_execution_per_chunk_and_waits_for_each(project, capsys, moto_endpoint):
    # moto keeps the executing state machines in another store: read them back before switching it off.
    requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=10)
    try:
        arn = _machine("lockgate-orders")
        rc, out = _cli(capsys, "--project", str(project), "backfill", "orders", "--window", "2024-03-01..2024-03-05",
                       "--chunk", "2", "--wait", "--poll-seconds", "0.2", "--json")
        sfn = aws.client("stepfunctions", region="eu-central-1")
        executions = sfn.list_executions(stateMachineArn=arn)["executions"]
        inputs = sorted((json.loads(sfn.describe_execution(executionArn=e["executionArn"])["input"]) for e in executions),
                        key=lambda i: i["window"]["start"])
    finally:
        requests.post(f"{moto_endpoint}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=10)
    assert rc == 0, out
    assert [i["mode"] for i in inputs] == ["backfill", "backfill"]
    assert [(i["window"]["start"][:10], i["window"]["end"][:10]) for i in inputs] == [
        ("2024-03-01", "2024-03-03"), ("2024-03-03", "2024-03-05")]
    assert all(e["status"] == "SUCCEEDED" for e in executions)
