"""`lockgate run orders --local` end to end: real compiler, interpreter, handlers, lake and crawler."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.local.records import state_outcomes
from tests.runtime.conftest import ROOT
from tests.runtime.report_html import read_report
from tests.runtime.sample import write_orders

WINDOW = "2024-03-01..2024-03-02"


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

    report = read_report(record / "report.html")
    assert report.headings[:6] == ["Summary", "Rows", "Rows per partition", "Cost of both routes", "Diagram",
                                   "Batch timeline"]
    funnel = {m["data-step"]: int(m["data-rows"]) for m in report.data() if m.get("data-step", "").startswith("rows_")}
    assert funnel == {"rows_in": sample.rows, "rows_rejected": sample.rejected, "rows_filtered": sample.filtered,
                      "rows_deduplicated": sample.duplicates, "rows_written": sample.written}
    assert [(m["data-rule"], int(m["data-rows"])) for m in report.data(step="rejected_by_rule")] == [("cast:amount", 1)]
    assert [(m["data-partition"], int(m["data-rows"])) for m in report.data() if "data-partition" in m] == [
        ("order_date=2024-03-01", sample.written)]
    costs = {m["data-route"]: float(m["data-usd"]) for m in report.data() if "data-route" in m}
    assert set(costs) == {"lambda", "glue"} and costs["lambda"] < costs["glue"]
    bars = [m["data-label"] for m in report.data() if m.get("data-label")]
    assert bars[0] == "Plan" and "ProcessBatch #1" in bars and "Commit" in bars and not report.data(error="x")
    assert {m["data-status"] for m in report.data() if "data-status" in m} == {
        "succeeded", "retried", "caught", "failed", "not_run"}
    assert {m["data-path"] for m in report.data() if "data-path" in m} == {"taken", "failure", "not_taken"}
    blue, grey = "#1565c0", "#bdbdbd"
    assert report.edges["Plan->Route"] == [blue] and report.edges["Route->ProcessBatches"] == [blue]
    assert report.edges["ProcessBatches->ProcessBatch"] == [blue]  # into the Map's children
    assert report.edges["Commit->PrepareCrawl"] == [blue] and report.edges["Summarize->Published"] == [blue]
    assert report.edges["Route->RunGlueJob"] == [grey] and report.edges["ProcessBatchesFailed->DescribeFailure"] == [grey]
    assert "#c62828" not in {c for colours in report.edges.values() for c in colours}
    assert "root-error" not in report.texts

    rc, listed = lockgate(project, "runs", "orders", "--json")
    assert rc == 0 and [r["run_id"] for r in listed] == [run["run_id"]]

    # the quarantine is a table in the import's database, with the rule that rejected each row
    rc, by_rule = lockgate(project, "query", "--local", "--format", "json",
                           "SELECT rule, count(*) FROM sales.orders_quarantine GROUP BY 1")
    assert rc == 0 and by_rule == [{"rule": "cast:amount", "_col1": sample.rejected}]


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


def write_corrupt_gzip(lake: Path) -> str:
    """A second export cut off half way: the Lambda engine fails on it with a DataError."""
    import gzip

    path = lake / "acme-raw" / "shop" / "orders" / "2024-03-01" / "orders-part-001.csv.gz"
    data = gzip.compress(b"OrderID,customer_id\n" + b"1,2\n" * 1000, mtime=0)
    path.write_bytes(data[: len(data) // 2])
    return "s3://acme-raw/shop/orders/2024-03-01/orders-part-001.csv.gz"


def test_a_corrupt_gzip_leads_with_the_data_error_everywhere_not_the_map_wrapper(project, capsys):
    lake = project / "lake"
    write_orders(lake)
    broken = write_corrupt_gzip(lake)
    rc, run = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json")

    assert rc == 1 and run["status"] == "FAILED"
    assert run["error"] == "Lockgate.DataError"
    assert run["cause"].startswith(f"{broken} (after 0 decompressed bytes): cannot read gzip data")
    assert "stackTrace" not in run["cause"] and "Traceback" not in run["cause"]
    assert (run["failed_state"], run["root_state"]) == ("ProcessBatches", "ProcessBatch")
    assert run["wrapped_by"] == {"state": "ProcessBatches", "error": "States.ExceedToleratedFailureThreshold",
                                 "cause": "The specified tolerated failure threshold was exceeded"}
    assert run["rows_written"] == 0 and run["published"] is False and run["outputs"] == []
    assert all("stackTrace" not in f["cause"] for f in run["failures"])

    outbox = sorted((lake / "_outbox" / "lockgate-failures").glob("*.json"))
    message = json.loads(json.loads(outbox[-1].read_text())["Message"])
    assert (message["error"], message["cause"], message["state"]) == ("Lockgate.DataError", run["cause"], "ProcessBatch")
    assert message["wrapped_by"]["error"] == "States.ExceedToleratedFailureThreshold"

    from orchestration.cli.run_cmds import _print

    _print(run, as_json=False)  # what `lockgate run` prints without --json
    printed = capsys.readouterr().out.splitlines()
    keyed = [line for line in printed if not line.startswith(" ")]  # a long value folds onto indented lines
    assert [line.split()[0] for line in keyed[:7]] == [
        "run_id", "status", "error", "cause", "root_state", "failed_state", "wrapped_by"]
    cause_at = printed.index(keyed[3])
    assert keyed[2].split() == ["error", "Lockgate.DataError"]
    assert broken in "".join(line.strip() for line in printed[cause_at:printed.index(keyed[4])])
    assert "rows_written" in "\n".join(printed) and all(line == line.rstrip() for line in printed)

    report = read_report(lake / "_runs" / run["run_id"] / "report.html")
    assert report.headings[0] == "Summary"
    assert report.texts["root-error"] == "Lockgate.DataError" and report.texts["root-cause"] == run["cause"]
    assert report.texts["wrapped-by"].startswith("States.ExceedToleratedFailureThreshold in ProcessBatches")
    assert [int(m["data-rows"]) for m in report.data(step="rows_written")] == [0]
    assert "published nothing" in report.texts["funnel"]
    assert "No partition was published" in report.texts["partitions"]
    assert [m["data-error"] for m in report.data(state="ProcessBatch")] == ["Lockgate.DataError"]
    red, blue, grey = "#c62828", "#1565c0", "#bdbdbd"
    assert report.edges["Plan->Route"] == [blue] and report.edges["Route->ProcessBatches"] == [blue]
    for edge in ("ProcessBatches->ProcessBatch", "ProcessBatches->ProcessBatchesFailed",
                 "ProcessBatchesFailed->DescribeFailure", "DescribeFailure->NotifyFailure"):
        assert report.edges[edge] == [red], edge
    assert sorted(report.edges["NotifyFailure->Failed"]) == sorted([red, grey])  # Next taken, its Catch not
    assert report.edges["ProcessBatches->DedupeNeeded"] == [grey] and report.edges["Commit->PrepareCrawl"] == [grey]
    assert report.nodes["DescribeFailure"] == red and report.nodes["Failed"] == red

    from orchestration.cli.app import main

    with pytest.raises(SystemExit):
        main(["--project", str(project), "runs", "show", run["run_id"]])
    lines = capsys.readouterr().out.splitlines()
    assert all(line == line.rstrip() and "\x1b" not in line for line in lines)  # piped: no padding, no colour
    assert lines[0].endswith("FAILED (route lambda), 0 rows published")
    assert lines[1] == "error: Lockgate.DataError in ProcessBatch"
    assert lines[2].startswith(f"cause: {broken} (after 0 decompressed bytes)")
    assert "wrapped by: States.ExceedToleratedFailureThreshold in ProcessBatches" in lines
    table = "\n".join(lines)
    assert "ProcessBatches" in table and "Plan" in table
    assert "RunGlueJob" not in table and "Published" not in table  # states that did not run: only with --all

    with pytest.raises(SystemExit):
        main(["--project", str(project), "runs", "show", run["run_id"], "--all"])
    everything = capsys.readouterr().out
    assert "RunGlueJob" in everything and "not_run" in everything

    with pytest.raises(SystemExit):
        main(["--project", str(project), "runs", "show", run["run_id"], "--json"])
    shown = json.loads(capsys.readouterr().out)
    assert shown["summary"]["error"] == "Lockgate.DataError"
    assert {s["status"] for s in shown["states"]} <= {"succeeded", "retried", "caught", "failed"}


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

    # measured: the job run's DPU-seconds (1-minute minimum) at the standard rate, next to the plan's estimate
    [job] = run["measured"]["glue_job_runs"]
    dpus = {"G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}[job["worker_type"]] * job["workers"]
    assert job["id"] == run["glue_job_runs"][0] and job["execution_time_s"] >= 1
    assert job["dpu_seconds"] == max(job["execution_time_s"], 60) * dpus
    assert run["measured"]["glue_usd"] == round(job["dpu_seconds"] / 3600 * 0.44, 6)
    versus = run["estimate_vs_measured"]
    assert versus["glue_only_basis"] == "measured" and versus["glue_only_usd"] == run["measured"]["usd"]
    assert versus["measured_engine_s"] == job["execution_time_s"] and versus["engine_ratio"] > 0
    rc, rows = lockgate(project, "query", "--local", "--format", "json",
                        "SELECT route, glue_dpu_seconds, lambda_requests FROM lockgate_ops.runs")
    assert rc == 0 and rows == [{"route": "glue", "glue_dpu_seconds": job["dpu_seconds"], "lambda_requests": 2}]
    rc, report = lockgate(project, "report", "--local", "--json")
    assert rc == 0 and report["groups"][0]["routes"] == {"glue": 1} and report["groups"][0]["saving_usd"] == 0
