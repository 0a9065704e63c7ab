"""The generated definitions run on the local ASL interpreter with scripted AWS answers: every route,
the crawler's busy/poll/failure handling, retries and the failure notification, and payload sizes for a
100,000-object plan."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.bench_plan import PAYLOAD_LIMIT as PLAN_LIMIT
from benchmarks.bench_plan import payload_bytes, plan_many, synthetic_spec
from orchestration.compiler import compile_definition
from orchestration.core.contracts import PlanResult
from orchestration.core.storage import LocalLake
from orchestration.local.errors import TaskFailure
from orchestration.local.history import HISTORY_LIMIT
from orchestration.local.interpreter import execute
from orchestration.local.runtime import PAYLOAD_LIMIT
from tests.compiler.fakes import FakeAws, commit_result, crawler, describe_failure, fill, lambda_result
from tests.compiler.test_definition import SPECS

GET_CRAWLER = "arn:aws:states:::aws-sdk:glue:getCrawler"
START_CRAWLER = "arn:aws:states:::aws-sdk:glue:startCrawler"
SNS = "arn:aws:states:::sns:publish"
GET_OBJECT = "arn:aws:states:::s3:getObject"
GLUE_SYNC = "arn:aws:states:::glue:startJobRun.sync"


def plan_payload(route: str, batches: int = 2, buckets: int = 0) -> dict:
    return PlanResult(
        run_id="run-1", import_="orders", route=route, reasons=["because"], window=None, objects=3, bytes=30,
        largest_bytes=10, batches=batches, dedupe_buckets=buckets,
        manifest_uri="s3://lockgate-control/runs/orders/run-1/manifest.json", batches_bucket="lockgate-control",
        batches_key="runs/orders/run-1/batches.json", staging_uri="s3://lockgate-control/staging/orders/run-1/",
        glue_result_uri="s3://lockgate-control/runs/orders/run-1/results/glue.json",
        cost={"summary": "lambda ≈ $0.0001, glue ≈ $0.0733 (733x)"},
        glue={"workers": 3, "worker_type": "G.1X", "execution_class": "STANDARD"},
    ).model_dump(mode="json", by_alias=True)


EMPTY_LAKE = LocalLake(Path(__file__).parent / "no-such-lake")


def script(route: str = "lambda", batches: int = 2, buckets: int = 0, **over: list) -> dict[str, list]:
    base: dict[str, list] = {
        "lockgate-failure": [describe_failure(EMPTY_LAKE)],
        "lockgate-plan": [lambda_result(plan_payload(route, batches, buckets))],
        GET_OBJECT: [json.dumps([{"batch": i} for i in range(batches)])],
        "lockgate-process-batch": [lambda p: lambda_result({"unit": f"batch-{p['Payload']['batch']:05d}"})],
        "lockgate-dedupe": [lambda_result({"unit": "dedupe"})],
        GLUE_SYNC: [{"Id": "jr_1", "JobRunState": "SUCCEEDED"}],
        "lockgate-commit": [lambda_result(commit_result())],
        START_CRAWLER: [{}],
        GET_CRAWLER: [crawler("RUNNING"), crawler("READY", "SUCCEEDED")],
        SNS: [{"MessageId": "m-1"}],
    }
    base.update(over)
    return base


def run(name: str, fake: FakeAws, input_: dict | None = None):
    return execute(fill(compile_definition(SPECS[name])), input_ or {"import": name}, resolver=fake)


def test_lambda_route_with_dedupe_and_crawl_ends_with_a_summary() -> None:
    fake = FakeAws(script("lambda", batches=3, buckets=4))
    result = run("orders", fake)
    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert sorted(p["Payload"]["batch"] for p in fake.called("lockgate-process-batch")) == [0, 1, 2]
    assert sorted(p["Payload"]["bucket"] for p in fake.called("lockgate-dedupe")) == [0, 1, 2, 3]
    plan_call = fake.called("lockgate-plan")[0]["Payload"]
    assert plan_call["spec_uri"] == "s3://lockgate-control/specs/orders.json"
    assert plan_call["input"] == {"import": "orders"} and plan_call["execution"]["start_time"]
    out = result.output
    assert (out["route"], out["reasons"], out["rows_in"], out["rows_written"]) == ("lambda", ["because"], 10, 9)
    assert out["partitions"] == 1 and out["outputs"] == ["s3://lake-bucket/orders/"]
    assert len(fake.called(GET_CRAWLER)) == 2


def test_glue_route_runs_the_job_with_plan_arguments() -> None:
    fake = FakeAws(script("glue"))
    result = run("orders", fake)
    assert result.status == "SUCCEEDED"
    call = fake.called(GLUE_SYNC)[0]
    assert (call["NumberOfWorkers"], call["WorkerType"], call["ExecutionClass"]) == (3, "G.1X", "STANDARD")
    args = call["Arguments"]
    assert args["--manifest_uri"] == "s3://lockgate-control/runs/orders/run-1/manifest.json"
    assert args["--result_uri"].endswith("results/glue.json") and args["--run_id"] == "run-1"
    assert fake.called("lockgate-process-batch") == []


def test_empty_route_succeeds_with_a_summary_and_no_work() -> None:
    fake = FakeAws(script("empty", batches=0))
    result = run("orders", fake)
    assert result.status == "SUCCEEDED"
    assert result.output["status"] == "empty" and result.output["reasons"] == ["because"]
    assert [k for k, _ in fake.calls] == ["lockgate-plan"]


def test_busy_crawler_is_awaited_then_a_failed_crawl_fails_the_run_with_its_message() -> None:
    fake = FakeAws(script(
        **{START_CRAWLER: [TaskFailure("Glue.CrawlerRunningException", "already running"), {}],
           GET_CRAWLER: [crawler("RUNNING"), crawler("STOPPING"), crawler("READY", "FAILED", "Access denied to s3")]}))
    result = run("orders", fake)
    assert result.status == "FAILED"
    assert result.error == "Lockgate.CrawlerError"
    assert "Access denied to s3" in result.cause and "FAILED" in result.cause
    assert len(fake.called(START_CRAWLER)) == 2
    message = json.loads(fake.called(SNS)[0]["Message"])
    assert message["failed_state"] == "GetCrawler" and message["import"] == "orders"
    assert message["error"] == "Lockgate.CrawlerError" and "Access denied" in message["cause"]


def test_crawler_busy_for_too_long_gives_up() -> None:
    fake = FakeAws(script(**{START_CRAWLER: [TaskFailure("Glue.CrawlerRunningException", "busy")]}))
    result = run("orders", fake)
    assert result.status == "FAILED" and result.error == "Lockgate.CrawlerError"
    assert "still running another crawl after 30 attempts" in result.cause
    assert len(fake.called(START_CRAWLER)) == 30


def test_on_schema_change_skips_the_crawler_when_commit_needs_none() -> None:
    fake = FakeAws(script(**{"lockgate-commit": [lambda_result(commit_result(crawl_needed=False))]}))
    assert run("events", fake).status == "SUCCEEDED"
    assert fake.called(START_CRAWLER) == []


def test_transient_lambda_errors_retry_and_validation_errors_fail_at_once() -> None:
    fake = FakeAws(script(**{"lockgate-plan": [TaskFailure("Lambda.TooManyRequestsException", "slow down"),
                                               TaskFailure("Lockgate.StorageError", "S3 503"),
                                               lambda_result(plan_payload("glue"))]}))
    assert run("orders", fake).status == "SUCCEEDED"
    assert len(fake.called("lockgate-plan")) == 3

    fake = FakeAws(script(**{"lockgate-plan": [TaskFailure("Lockgate.SpecError", "columns[0].type: bad type")]}))
    result = run("orders", fake)
    assert result.status == "FAILED" and result.error == "Lockgate.SpecError"
    assert result.cause == "columns[0].type: bad type"
    assert len(fake.called("lockgate-plan")) == 1
    message = json.loads(fake.called(SNS)[0]["Message"])
    assert message == {"import": "orders", "run_id": message["run_id"], "failed_state": "Plan", "state": "Plan",
                       "error": "Lockgate.SpecError", "cause": "columns[0].type: bad type", "wrapped_by": None}


def test_without_notifications_failures_name_the_root_cause_then_fail() -> None:
    fake = FakeAws({"lockgate-plan": [TaskFailure("Lockgate.DataError", "corrupt gzip in s3://raw/a.gz")],
                    "lockgate-failure": [describe_failure(EMPTY_LAKE)]})
    result = run("minimal", fake)
    assert (result.status, result.error, result.cause) == ("FAILED", "Lockgate.DataError", "corrupt gzip in s3://raw/a.gz")
    assert [k for k, _ in fake.calls] == ["lockgate-plan", "lockgate-failure"]


LAMBDA_ERROR = json.dumps({"errorMessage": "s3://raw/b.csv.gz (after 0 decompressed bytes): cannot read gzip data",
                           "errorType": "Lockgate.DataError", "stackTrace": ["  File \"batch.py\", line 1\n"]})


def test_a_failed_batch_in_the_distributed_map_leads_the_error_not_the_threshold_wrapper(tmp_path: Path) -> None:
    """What AWS does: the Map fails with States.ExceedToleratedFailureThreshold and no child errors; the
    failed batch's record (written by process_batch) gives the failure Lambda the root cause."""
    lake = LocalLake(tmp_path)
    runs = "s3://lockgate-control/runs/orders/run-1"
    lake.write_json(f"{runs}/failures/batch-00001.json", {"state": "ProcessBatch", "batch": 1, "error": "Lockgate.DataError",
                    "cause": "s3://raw/b.csv.gz (after 0 decompressed bytes): cannot read gzip data", "at": "2024-01-01T00:00:02"})
    # batch 0 failed once, then a retry succeeded: its stale record is not a root cause
    lake.write_json(f"{runs}/failures/batch-00000.json", {"state": "ProcessBatch", "batch": 0, "error": "Lockgate.StorageError",
                    "cause": "503", "at": "2024-01-01T00:00:01"})
    lake.write_json(f"{runs}/results/batch-00000.json", {"unit": "batch-00000"})

    def batch(params: dict) -> dict:
        if params["Payload"]["batch"] == 1:
            raise TaskFailure("Lockgate.DataError", LAMBDA_ERROR)
        return lambda_result({"unit": "batch-00000"})

    fake = FakeAws(script(**{"lockgate-process-batch": [batch], "lockgate-failure": [describe_failure(lake)]}))
    result = run("orders", fake)
    assert (result.status, result.error) == ("FAILED", "Lockgate.DataError")
    assert result.cause == "s3://raw/b.csv.gz (after 0 decompressed bytes): cannot read gzip data"
    message = json.loads(fake.called(SNS)[0]["Message"])
    assert (message["failed_state"], message["state"], message["batch"], message["error"]) == (
        "ProcessBatches", "ProcessBatch", 1, "Lockgate.DataError")
    assert message["wrapped_by"]["error"] == "States.ExceedToleratedFailureThreshold"
    assert message["wrapped_by"]["state"] == "ProcessBatches"


def test_when_naming_the_root_cause_fails_the_caught_error_is_notified_as_it_is() -> None:
    fake = FakeAws(script(**{"lockgate-plan": [TaskFailure("Lockgate.SpecError", "bad type")],
                             "lockgate-failure": [TaskFailure("Lockgate.ConfigError", "no control uri")]}))
    result = run("orders", fake)
    assert (result.status, result.error, result.cause) == ("FAILED", "Lockgate.SpecError", "bad type")
    message = json.loads(fake.called(SNS)[0]["Message"])
    assert (message["failed_state"], message["error"], message["cause"]) == ("Plan", "Lockgate.SpecError", "bad type")


def test_success_notification_when_asked() -> None:
    fake = FakeAws(script("glue"))
    assert run("sessions", fake).status == "SUCCEEDED"
    summary = json.loads(fake.called(SNS)[0]["Message"])
    assert summary["route"] == "glue" and summary["rows_written"] == 9


def test_100000_object_run_keeps_every_payload_small(tmp_path: Path) -> None:
    """A real plan over 100,000 objects (its result under 256 KB), then the whole clicks machine: every
    state input and output stays under 256 KB and the parent history far under 25,000 events."""
    result, _ = plan_many(100_000, tmp_path)
    assert result.objects == 100_000 and result.route == "lambda" and result.batches >= 100
    assert payload_bytes(result) < PLAN_LIMIT  # the plan Lambda's own result (about 1.3 KB)
    lake = LocalLake(tmp_path)
    plan = result.model_dump(mode="json", by_alias=True)
    fake = FakeAws({
        "lockgate-plan": [lambda_result(plan)],
        GET_OBJECT: [lambda p: lake.read_bytes(f"s3://{p['Bucket']}/{p['Key']}").decode()],
        "lockgate-process-batch": [lambda_result({"unit": "batch"})],
        "lockgate-dedupe": [lambda_result({"unit": "dedupe"})],
        "lockgate-commit": [lambda_result(commit_result("bench-run") | {"partitions": 5000})],
        START_CRAWLER: [{}],
        GET_CRAWLER: [crawler("READY", "SUCCEEDED")],
        SNS: [{}],
    })
    out = execute(fill(compile_definition(synthetic_spec())), {"import": "clicks"}, resolver=fake)
    assert out.status == "SUCCEEDED", (out.error, out.cause)
    assert len(fake.called("lockgate-process-batch")) == result.batches >= 100
    # Every state's input (StateEntered) and output (StateExited); the raw task results before
    # ResultSelector are the handlers' own business (commit reports 5,000 partitions as a count).
    states = [e for e in out.events if e["type"].endswith(("StateEntered", "StateExited"))]
    sizes = [len(str(d.get("input", d.get("output", ""))).encode()) for e in states for k, d in e.items()
             if k.endswith("EventDetails") and isinstance(d, dict)]
    largest = max(sizes)
    assert largest < PAYLOAD_LIMIT, largest
    assert largest < 8 * 1024  # far from the limit: the file list never enters the payload
    assert len(out.events) < HISTORY_LIMIT
