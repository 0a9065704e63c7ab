"""The measurement rules on hand-written GetExecutionHistory events: what counts as a transition, a
billed invocation, a Glue job run's DPU-seconds, and the time it took to name a failure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from orchestration.metering.aggregate import aggregate, percentile
from orchestration.metering.measure import (
    diagnosis_seconds,
    glue_dpu_seconds,
    glue_runs_in,
    lambda_invocations,
    measure,
    transitions,
)
from orchestration.metering.record import run_record
from orchestration.router.config import Prices

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
MEMORY = {"plan": 512, "process_batch": 2048, "commit": 1024, "failure": 512}


class History:
    """Events with ids and a clock that moves only when told."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.at = T0

    def add(self, kind: str, after_s: float = 0.0, **details: object) -> History:
        self.at += timedelta(seconds=after_s)
        event: dict = {"id": len(self.events) + 1, "timestamp": self.at, "type": kind}
        if details:
            key = kind[0].lower() + kind[1:] + "EventDetails"
            if kind.endswith("StateEntered"):
                key = "stateEnteredEventDetails"
            elif kind.endswith("StateExited"):
                key = "stateExitedEventDetails"
            event[key] = details
        self.events.append(event)
        return self

    def lambda_task(self, state: str, kind: str, seconds: float, *, fail: bool = False) -> History:
        fn = f"arn:aws:lambda:eu-central-1:1:function:lockgate-orders-{kind.replace('_', '-')}"
        self.add("TaskScheduled", resourceType="lambda", resource="invoke", parameters=json.dumps({"FunctionName": fn}))
        self.add("TaskStarted", 0.05, resourceType="lambda", resource="invoke")
        if fail:
            return self.add("TaskFailed", seconds, error="Lockgate.StorageError", cause="SlowDown")
        return self.add("TaskSucceeded", seconds, output="{}")


def test_retries_are_billed_as_transitions_and_requests_and_children_count_their_start():
    parent = History().add("ExecutionStarted", input="{}").add("TaskStateEntered", name="Plan")
    parent.lambda_task("Plan", "plan", 1.0, fail=True).lambda_task("Plan", "plan", 2.0)
    parent.add("TaskStateExited", name="Plan", output="{}").add("MapStateEntered", name="ProcessBatches")
    child = History().add("ExecutionStarted", input=json.dumps({"batch": 3})).add("TaskStateEntered", name="ProcessBatch")
    child.lambda_task("ProcessBatch", "process_batch", 10.0)

    assert transitions(parent.events, [child.events]) == 2 + 1 + 1 + 1  # 2 states, 1 retry, 1 child start, 1 child state
    calls = lambda_invocations(parent.events, MEMORY) + lambda_invocations(child.events, MEMORY, 3)
    assert [(c.function, c.state, c.failed, c.batch) for c in calls] == [
        ("lockgate-orders-plan", "Plan", True, None), ("lockgate-orders-plan", "Plan", False, None),
        ("lockgate-orders-process-batch", "ProcessBatch", False, 3)]
    assert [c.seconds for c in calls] == pytest.approx([1.0, 2.0, 10.0])
    assert calls[2].gb_seconds == pytest.approx(10.0 * 2)  # 2,048 MB

    measured = measure(parent.events, [child.events], memory_mb=MEMORY, prices=Prices()).to_json()
    assert measured["lambda_requests"] == 3 and measured["lambda_gb_seconds"] == pytest.approx(0.5 + 1.0 + 20.0)
    assert measured["invocations"][2]["batch"] == 3


def test_a_task_that_never_started_is_not_billed():
    h = History().add("TaskStateEntered", name="Commit")
    h.add("TaskScheduled", resourceType="lambda", resource="invoke", parameters=json.dumps({"FunctionName": "lockgate-orders-commit"}))
    h.add("TaskTimedOut", 30, error="States.Timeout")
    assert lambda_invocations(h.events, MEMORY) == []


@pytest.mark.parametrize(("run", "dpu_seconds", "usd_rate"), [
    ({"ExecutionTime": 300, "NumberOfWorkers": 10, "WorkerType": "G.1X"}, 3000, 0.44),
    ({"ExecutionTime": 20, "NumberOfWorkers": 2, "WorkerType": "G.2X"}, 60 * 4, 0.44),  # the 1-minute minimum
    ({"ExecutionTime": 300, "NumberOfWorkers": 10, "WorkerType": "G.1X", "DPUSeconds": 1234.5}, 1234.5, 0.44),
    ({"ExecutionTime": 600, "NumberOfWorkers": 4, "WorkerType": "G.1X", "ExecutionClass": "FLEX"}, 2400, 0.29),
    ({"ExecutionTime": 100, "NumberOfWorkers": 2, "WorkerType": "R.2X"}, 400, 0.52),
])
def test_glue_dpu_seconds_follow_the_job_run(run, dpu_seconds, usd_rate):
    found = glue_dpu_seconds({"Id": "jr_1", "JobRunState": "SUCCEEDED", **run}, Prices())
    assert found["dpu_seconds"] == pytest.approx(dpu_seconds)
    assert found["usd"] == pytest.approx(dpu_seconds / 3600 * usd_rate, rel=1e-4)


def test_glue_runs_are_found_in_sync_outputs_failed_causes_and_submissions():
    h = History().add("TaskStateEntered", name="RunGlueJob")
    h.add("TaskScheduled", resourceType="glue", resource="startJobRun.sync", parameters=json.dumps({"JobName": "lockgate-orders"}))
    h.add("TaskStarted", resourceType="glue", resource="startJobRun.sync")
    h.add("TaskSubmitted", 1, output=json.dumps({"JobRunId": "jr_a"}))
    h.add("TaskFailed", 100, error="States.TaskFailed", cause=json.dumps({"Id": "jr_a", "JobRunState": "FAILED", "ExecutionTime": 99}))
    h.add("TaskScheduled", resourceType="glue", resource="startJobRun.sync", parameters=json.dumps({"JobName": "lockgate-orders"}))
    h.add("TaskSubmitted", 1, output=json.dumps({"JobRunId": "jr_b"}))  # the execution was stopped while it ran
    runs = glue_runs_in(h.events)
    assert [(r["Id"], r["JobName"], r.get("ExecutionTime")) for r in runs] == [
        ("jr_a", "lockgate-orders", 99), ("jr_b", "lockgate-orders", None)]


def test_diagnosis_time_runs_from_the_first_failure_to_the_notification():
    h = History().add("TaskStateEntered", name="Commit").lambda_task("Commit", "commit", 4.0, fail=True)
    failed_at = h.at
    h.add("TaskStateEntered", 0.5, name="DescribeFailure").lambda_task("DescribeFailure", "failure", 1.0)
    h.add("TaskStateEntered", name="NotifyFailure")
    h.add("TaskScheduled", resourceType="sns", resource="publish", parameters="{}")
    h.add("TaskSucceeded", 0.3, output="{}")
    told_at = h.at
    h.add("FailStateEntered", name="Failed").add("ExecutionFailed", 0.01, error="Lockgate.QualityError")
    assert diagnosis_seconds(h.events) == pytest.approx((told_at - failed_at).total_seconds())
    assert diagnosis_seconds(History().add("PassStateEntered", name="A").events) is None


def test_the_row_puts_the_estimate_next_to_the_measurement_and_the_report_adds_them_up():
    manifest = {"route": "lambda", "mode": "scheduled", "cost": {"lambda": {"usd": 0.02}, "glue": {"usd": 0.30}},
                "estimated_s": {"lambda": 40.0, "glue": 120.0},
                "batches": [{"index": 0, "estimated_s": 30.0}, {"index": 1, "estimated_s": 30.0}]}
    measured = {"usd": 0.01, "state_seconds": {"ProcessBatches": 20.0},
                "invocations": [{"state": "ProcessBatch", "batch": 0, "seconds": 9.0, "failed": True},
                                {"state": "ProcessBatch", "batch": 0, "seconds": 15.0, "failed": False},
                                {"state": "ProcessBatch", "batch": 1, "seconds": 20.0, "failed": False}]}
    rows = [run_record(run_id=f"r{i}", import_name="orders", status=status, started_at=T0 + timedelta(days=i),
                       finished_at=T0 + timedelta(days=i, seconds=60 * (i + 1)), manifest=manifest, measured=measured,
                       error=None if status == "SUCCEEDED" else "Lockgate.DataError")
            for i, status in enumerate(["SUCCEEDED", "SUCCEEDED", "FAILED"])]
    row = rows[0]
    assert (row["estimated_usd"], row["cost_ratio"], row["engine_ratio"]) == (0.02, 2.0, 2.0)
    assert (row["glue_only_usd"], row["glue_only_basis"], row["month"]) == (0.30, "estimated", "2026-11")
    assert json.loads(row["batches"]) == [{"batch": 0, "estimated_s": 30.0, "actual_s": 15.0, "attempts": 2},
                                          {"batch": 1, "estimated_s": 30.0, "actual_s": 20.0, "attempts": 1}]

    [group] = aggregate(rows)["groups"]
    assert (group["runs"], group["failed"], group["routes"]) == (3, 1, {"lambda": 3})
    assert group["measured_usd"] == pytest.approx(0.03) and group["saving_usd"] == pytest.approx(0.87)
    assert group["saving_pct"] == pytest.approx(96.7)
    assert (group["latency_p50_s"], group["latency_p95_s"]) == (120.0, 180.0)
    assert group["batch_ratio"] == {"n": 6, "p50": 1.5, "min": 1.5, "max": 2.0}
    assert group["root_causes"][0]["error"] == "Lockgate.DataError" and group["root_causes"][0]["runs"] == 1


def test_percentile_is_nearest_rank():
    assert percentile([5, 1, 3, None, 2, 4], 50) == 3 and percentile(range(1, 101), 95) == 95
    assert percentile([], 50) is None


def _record_row(**overrides) -> dict:
    row = run_record(run_id="r1", import_name="orders", status="SUCCEEDED", started_at=T0,
                     finished_at=T0 + timedelta(seconds=42.123456), manifest=None,
                     measured={"usd": 0.0123, "lambda_usd": 0.01, "sfn_usd": 0.0023, "glue_usd": 0.0},
                     counts={"rows_in": 10, "rows_written": 7, "rows_rejected": 2, "rows_filtered": 1},
                     mode="manual", engine="auto", error=None, cause="line one\n\"quoted\" \\ ünïcode",
                     failed_state=None, recorded_by="local")
    row.update(overrides)
    return row


@pytest.mark.parametrize("overrides", [{}, {"duration_s": float("nan"), "cost_ratio": float("inf")},
                                       {"rows_in": 2**62, "lambda_gb_seconds": 1e-300}],
                         ids=["plain", "not-json-numbers", "extremes"])
def test_the_runs_table_file_holds_exactly_the_row(overrides: dict) -> None:
    """The file is written through Arrow's JSON reader where JSON carries the values exactly, else
    through Python objects: the same table either way."""
    import io
    import math

    import pyarrow as pa
    import pyarrow.parquet as pq

    from orchestration.metering.table import COLUMNS, parquet_bytes

    row = _record_row(**overrides)
    got = pq.read_table(io.BytesIO(parquet_bytes(row))).to_pylist()
    names = [n for n, _, _ in COLUMNS]
    assert len(got) == 1 and list(got[0]) == names
    for name in names:
        want, have = row.get(name), got[0][name]
        if isinstance(want, float) and math.isnan(want):
            assert math.isnan(have), name
        else:
            assert have == want and type(have) is type(want) or want is None and have is None, (name, want, have)
    schema = pq.read_schema(io.BytesIO(parquet_bytes(row)))
    assert schema.field("started_at").type == pa.timestamp("us", tz="UTC")


def test_writing_a_runs_table_row_does_not_import_pandas() -> None:
    """pyarrow imports pandas (0.5 s) on its first conversion of Python objects; the CLI writes this row
    at the end of every local run."""
    import subprocess
    import sys

    code = ("import sys, json; from datetime import datetime, UTC\n"
            "from orchestration.metering.table import parquet_bytes\n"
            "assert parquet_bytes({'run_id': 'r', 'started_at': datetime(2024, 1, 1, tzinfo=UTC), 'rows_in': 3,\n"
            "                      'duration_s': 1.5})\n"
            "print(json.dumps('pandas' in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "false"
