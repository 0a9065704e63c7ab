"""`lockgate run orders --local` end to end: real compiler, interpreter, handlers, lake and crawler."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.local.records import state_outcomes
from tests.runtime.conftest import ROOT
from tests.runtime.sample import write_orders

WINDOW = "2024-03-01..2024-03-02"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "lockgate.yaml").write_text(
        f"imports: {ROOT / 'examples' / 'imports'}\nlocal: {{lake: lake}}\n"
        "aws: {region: eu-central-1, prefix: lockgate, control_uri: s3://lockgate-control/}\n")
    (tmp_path / "lake").mkdir()
    return tmp_path


def lockgate(project: Path, *args: str) -> tuple[int, dict]:
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"no JSON on stdout (exit {done.returncode}):\n{done.stdout}\n{done.stderr}") from None


def test_lambda_route_publishes_the_table_and_quarantine_and_the_counts_add_up(project):
    lake = project / "lake"
    sample = write_orders(lake)
    rc, run = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json")

    assert rc == 0, run.get("cause")
    assert run["status"] == "SUCCEEDED" and run["route"] == "lambda" and run["reasons"]
    assert (run["rows_in"], run["rows_written"], run["rows_rejected"], run["rows_filtered"], run["rows_deduplicated"]) \
        == (sample.rows, sample.written, sample.rejected, sample.filtered, sample.duplicates)
    assert run["outputs"] == ["s3://acme-lake/sales/orders/order_date=2024-03-01/"]
    assert list((lake / "acme-lake" / "sales" / "orders" / "order_date=2024-03-01").glob("*.parquet"))
    quarantine = lake / run["quarantine"].removeprefix("s3://")
    assert list(quarantine.glob("*.parquet")), run["quarantine"]
    assert (lake / "lockgate-control" / "specs" / "orders.json").is_file()

    record = lake / "_runs" / run["run_id"]
    assert json.loads((record / "summary.json").read_text())["rows_written"] == sample.written
    assert {"history.json", "states.json", "definition.asl.json", "report.html"} <= {p.name for p in record.iterdir()}
    outcomes = state_outcomes(lake, run["run_id"])
    assert outcomes["Plan"] == outcomes["ProcessBatch"] == outcomes["Commit"] == "succeeded"
    assert outcomes["RunGlueJob"] == "not_run"

    rc, listed = lockgate(project, "runs", "orders", "--json")
    assert rc == 0 and [r["run_id"] for r in listed] == [run["run_id"]]


MOCKS = {
    "StateMachines": {"lockgate-orders": {"TestCases": {"FlakyBatchBrokenCommit": {
        "ProcessBatch": "StorageHiccupTwice", "Commit": "QualityBreach"}}}},
    "MockedResponses": {
        "StorageHiccupTwice": {"0-1": {"Throw": {"Error": "Lockgate.StorageError", "Cause": "SlowDown: please reduce your request rate"}}},
        "QualityBreach": {"0": {"Throw": {"Error": "Lockgate.QualityError", "Cause": "12 of 206 rows rejected is over max_reject_ratio 0.01"}}},
    },
}


def test_mock_config_drives_a_retry_and_a_catch_path_visible_in_the_records_and_report(project, capsys):
    lake = project / "lake"
    write_orders(lake)
    mocks = project / "mocks.json"
    mocks.write_text(json.dumps(MOCKS))
    rc, run = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json",
                       "--mock-config", str(mocks), "--test-case", "FlakyBatchBrokenCommit")

    assert rc == 1
    assert run["status"] == "FAILED" and run["error"] == "Lockgate.QualityError"
    assert run["failed_state"] == "Commit"
    assert [(f["state"], f["status"], f["error"]) for f in run["failures"]] == [("Commit", "caught", "Lockgate.QualityError")]
    states = {s["name"]: s for s in json.loads((lake / "_runs" / run["run_id"] / "states.json").read_text())["states"]}
    batch = states["ProcessBatch"]
    assert (batch["status"], batch["attempts"], batch["failures"]) == ("retried", 3, 2)
    assert [(c["attempt"], c["mocked"], c["error"]) for c in batch["calls"]] == [
        (1, True, "Lockgate.StorageError"), (2, True, "Lockgate.StorageError"), (3, False, None)]
    assert states["Commit"]["status"] == "caught" and states["Commit"]["error"] == "Lockgate.QualityError"
    assert states["NotifyFailure"]["status"] == "succeeded" and states["Failed"]["status"] == "failed"
    assert states["Published"]["status"] == "not_run"

    report = (lake / "_runs" / run["run_id"] / "report.html").read_text()
    assert report.startswith("<!doctype html>") and "<link" not in report and "<script src" not in report
    assert 'id="state-ProcessBatch"><summary><b>ProcessBatch</b> <span class="badge" style="background:#f9a825">retried' in report
    assert 'id="state-Commit"><summary><b>Commit</b> <span class="badge" style="background:#ef6c00">caught' in report
    assert "SlowDown: please reduce your request rate" in report

    from orchestration.cli.app import main

    with pytest.raises(SystemExit):
        main(["--project", str(project), "runs", "show", run["run_id"]])
    table = capsys.readouterr().out
    assert "ProcessBatch" in table and "retried" in table and "caught" in table and "Lockgate.QualityError" in table

    outbox = sorted((lake / "_outbox" / "lockgate-failures").glob("*.json"))
    message = json.loads(json.loads(outbox[-1].read_text())["Message"])
    assert message["failed_state"] == "Commit" and message["error"] == "Lockgate.QualityError"
    assert message["run_id"] == run["run_id"]


def test_backfill_refuses_reversed_and_empty_windows(project, capsys):
    from orchestration.cli.app import main

    for window in ("2024-03-08..2024-03-01", "2024-03-01..2024-03-01"):
        with pytest.raises(SystemExit) as exit_:
            main(["--project", str(project), "backfill", "orders", "--local", "--window", window])
        assert exit_.value.code == 2  # ExitCode.USAGE, as plan and run (docs/cli.md)
        err = capsys.readouterr().err
        assert f"window '{window}' is empty or reversed: END must be after START" in err
    assert not (project / "lake" / "_runs").exists()


@pytest.mark.spark
def test_glue_route_runs_the_glue_script_under_local_spark_with_the_same_counts(project):
    lake = project / "lake"
    sample = write_orders(lake)
    rc, run = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "glue", "--json")

    assert rc == 0, run.get("cause")
    assert run["route"] == "glue" and len(run["glue_job_runs"]) == 1
    assert (run["rows_in"], run["rows_written"], run["rows_rejected"], run["rows_filtered"], run["rows_deduplicated"]) \
        == (sample.rows, sample.written, sample.rejected, sample.filtered, sample.duplicates)
    assert list((lake / "acme-lake" / "sales" / "orders" / "order_date=2024-03-01").glob("*.parquet"))
    states = {s["name"]: s for s in json.loads((lake / "_runs" / run["run_id"] / "states.json").read_text())["states"]}
    glue = states["RunGlueJob"]
    assert glue["status"] == "succeeded" and states["ProcessBatches"]["status"] == "not_run"
    assert glue["calls"][0]["detail"]["job_run_id"] == run["glue_job_runs"][0]
    assert list((lake / "_runs" / run["run_id"] / "logs").glob("glue-lockgate-orders-*.log"))
