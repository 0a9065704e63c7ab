"""Measured cost per run, locally: real `lockgate run --local` runs, their rows in the runs table
(queried through the local catalog with DuckDB) and `lockgate report` over them. The Glue route's
measurement is asserted in test_run_local.py's Glue test (one Spark run serves both)."""

from __future__ import annotations

import json
import subprocess
import sys

from orchestration.config import Project
from orchestration.router.config import Prices
from tests.runtime.conftest import ROOT
from tests.runtime.sample import write_orders
from tests.runtime.test_run_local import WINDOW, lockgate

QUALITY_BREACH = {
    "StateMachines": {"lockgate-orders": {"TestCases": {"BrokenCommit": {"Commit": "QualityBreach"}}}},
    "MockedResponses": {"QualityBreach": {"0": {"Throw": {
        "Error": "Lockgate.QualityError", "Cause": "12 of 206 rows rejected is over max_reject_ratio 0.01"}}}},
}


def _entered(events: list[dict]) -> int:
    return sum(1 for e in events if e["type"].endswith("StateEntered"))


def test_a_lambda_run_records_what_it_used_priced_and_queryable_next_to_the_plan(project):
    lake = project / "lake"
    write_orders(lake)
    rc, run = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json")
    assert rc == 0, run.get("cause")
    measured, versus = run["measured"], run["estimate_vs_measured"]
    assert "metering_error" not in run

    # every invocation the local Lambda service ran, at its function's memory, timed like its task call
    memory = Project.load(project).spec("orders").routing.lambda_.memory_mb
    assert measured["lambda_requests"] == run["lambda_invocations"] == 3
    assert {(i["state"], i["memory_mb"]) for i in measured["invocations"]} == {
        ("Plan", 512), ("ProcessBatch", memory), ("Commit", 1024)}
    record = lake / "_runs" / run["run_id"]
    calls = {s["name"]: s["calls"] for s in json.loads((record / "states.json").read_text())["states"] if s["calls"]}
    for call in measured["invocations"]:
        assert abs(call["seconds"] - calls[call["state"]][0]["duration_s"]) < 0.25, call
    assert all(0 <= i["billed_ms"] - round(i["seconds"] * 1000) <= 1 for i in measured["invocations"])  # rounded up
    gb_s = sum(i["billed_ms"] / 1000 * i["memory_mb"] / 1024 for i in measured["invocations"])
    assert measured["lambda_gb_seconds"] == round(gb_s, 4)

    # transitions: every state entered, in the execution and in each Map child, plus each child's start
    history = json.loads((record / "history.json").read_text())
    children = [c["events"] for r in history["map_runs"] for c in r["executions"]]
    assert len(children) == 1
    assert measured["sfn_transitions"] == _entered(history["events"]) + sum(1 + _entered(c) for c in children)

    p = Prices()
    assert abs(measured["usd"] - (measured["lambda_gb_seconds"] * p.lambda_gb_second + 3 * p.lambda_request
                                  + measured["sfn_transitions"] * p.sfn_transition)) < 1e-6
    assert measured["glue_dpu_seconds"] == 0 and measured["glue_usd"] == 0

    # next to the plan: the chosen route's estimate, the Glue estimate as the counterfactual, each batch
    manifest = json.loads((lake / "lockgate-control" / "runs" / "orders" / run["run_id"] / "manifest.json").read_text())
    assert versus["estimated_usd"] == manifest["cost"]["lambda"]["usd"] == run["cost"]["lambda"]["usd"]
    assert versus["glue_only_usd"] == manifest["cost"]["glue"]["usd"] and versus["glue_only_basis"] == "estimated"
    assert versus["cost_ratio"] == round(versus["estimated_usd"] / measured["usd"], 4)
    assert [b["estimated_s"] for b in versus["batches"]] == [b["estimated_s"] for b in manifest["batches"]]
    assert all(b["estimated_s"] > 0 and b["actual_s"] > 0 and b["attempts"] == 1 for b in versus["batches"])
    assert versus["measured_engine_s"] == measured["state_seconds"]["ProcessBatches"]
    assert versus["estimated_engine_s"] == manifest["estimated_s"]["lambda"]

    # the run report draws the measured cost next to both routes' estimates
    from tests.runtime.report_html import read_report

    report = read_report(record / "report.html")
    assert [float(m["data-measured-usd"]) for m in report.data() if "data-measured-usd" in m] == [measured["usd"]]

    # the runs table, through the local catalog and DuckDB
    rc, rows = lockgate(project, "query", "--local", "--format", "json",
                        "SELECT run_id, route, status, measured_usd, sfn_transitions, batches, recorded_by "
                        "FROM lockgate_ops.runs")
    assert rc == 0 and len(rows) == 1
    assert rows[0]["run_id"] == run["run_id"] and rows[0]["route"] == "lambda" and rows[0]["recorded_by"] == "local"
    assert rows[0]["measured_usd"] == measured["usd"] and rows[0]["sfn_transitions"] == measured["sfn_transitions"]
    assert json.loads(rows[0]["batches"]) == versus["batches"]


def test_report_aggregates_cost_saving_latency_and_root_causes_per_import_and_month(project):
    lake = project / "lake"
    write_orders(lake)
    rc, good = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json")
    assert rc == 0, good.get("cause")
    mocks = project / "mocks.json"
    mocks.write_text(json.dumps(QUALITY_BREACH))
    rc, bad = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json",
                       "--mock-config", str(mocks), "--test-case", "BrokenCommit")
    assert rc == 1 and bad["error"] == "Lockgate.QualityError"
    assert bad["measured"]["diagnosis_s"] is not None and bad["measured"]["usd"] > 0

    rc, report = lockgate(project, "report", "--local", "--json")
    assert rc == 0
    [group] = report["groups"]
    assert (group["import"], group["month"]) == ("orders", good["started_at"][:7])
    assert (group["runs"], group["succeeded"], group["failed"], group["routes"]) == (2, 1, 1, {"lambda": 2})
    total = good["measured"]["usd"] + bad["measured"]["usd"]
    assert group["measured_usd"] == round(total, 6)
    glue_only = good["estimate_vs_measured"]["glue_only_usd"] + bad["estimate_vs_measured"]["glue_only_usd"]
    assert group["glue_only_usd"] == round(glue_only, 6) and group["saving_usd"] == round(glue_only - total, 6)
    assert group["latency_p95_s"] >= group["latency_p50_s"] > 0
    [cause] = group["root_causes"]
    assert (cause["error"], cause["state"], cause["runs"], cause["example_run"]) == (
        "Lockgate.QualityError", "Commit", 1, bad["run_id"])
    assert group["diagnosis_p50_s"] == round(bad["measured"]["diagnosis_s"], 4)
    assert group["cost_ratio"]["n"] == 2 and group["batch_ratio"]["n"] == 2

    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), "report", "orders",
                           "--local"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "| orders | " in done.stdout and "Lockgate.QualityError" in done.stdout and "Estimate / measured" in done.stdout

    listed = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), "runs"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert f"${good['measured']['usd']:.4f}" in listed.stdout  # `lockgate runs` shows each run's measured cost

    rc, later = lockgate(project, "report", "--local", "--month", "1999-01", "--json")
    assert rc == 0 and later == {"groups": [], "total": None}
    rc, wrong = lockgate(project, "report", "--local", "--month", "2026-13", "--json")
    assert rc == 2 and "YYYY-MM" in wrong["message"]
