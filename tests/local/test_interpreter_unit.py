"""What moto cannot run: Task states through the resolver, virtual time (waits, back-off, timeouts,
heartbeats), AWS limits, distributed Map with ItemReader/ItemBatcher/ResultWriter, history events and
unsupported features."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from orchestration.core.errors import QualityError, TransientError
from orchestration.local import (
    ExecutionContext,
    InvalidDefinitionError,
    TaskContext,
    TaskFailure,
    VirtualClock,
    execute,
)
from orchestration.local.interpreter import InputTooLargeError

START = datetime(2026, 1, 1, tzinfo=UTC)
LAMBDA = "arn:aws:states:::lambda:invoke"


def task(resource: str = LAMBDA, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, **({"End": True} if "Next" not in fields else {}), **fields}


def machine(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states, **top}


class Recorder:
    """A resolver that records calls and answers from a script of results/exceptions per resource."""

    def __init__(self, script: dict[str, list[Any]] | None = None, seconds: float = 0.0) -> None:
        self.script = script or {}
        self.seconds = seconds
        self.calls: list[tuple[str, Any, TaskContext]] = []

    def __call__(self, resource: str, parameters: Any, context: TaskContext) -> Any:
        self.calls.append((resource, parameters, context))
        context.clock.advance(self.seconds)
        answers = self.script.get(resource)
        answer = answers.pop(0) if answers else {"echo": parameters}
        if isinstance(answer, Exception):
            raise answer
        return answer


# -- tasks and the resolver -----------------------------------------------------------------------

def test_task_passes_resource_parameters_and_context_and_shapes_history() -> None:
    resolver = Recorder({LAMBDA: [{"Payload": {"n": 2}}]})
    definition = machine({"T": task(Parameters={"FunctionName": "f", "Payload.$": "$"}, ResultSelector={"n.$": "$.Payload.n"},
                                    ResultPath="$.out", TimeoutSeconds=60, HeartbeatSeconds=10)})
    context = ExecutionContext(name="run-1", state_machine_name="sm", start_time=START)
    result = execute(definition, {"k": 1}, resolver=resolver, context=context)
    assert (result.status, result.output) == ("SUCCEEDED", {"k": 1, "out": {"n": 2}})
    resource, params, ctx = resolver.calls[0]
    assert (resource, params) == (LAMBDA, {"FunctionName": "f", "Payload": {"k": 1}})
    assert (ctx.state_name, ctx.attempt, ctx.timeout_seconds, ctx.heartbeat_seconds) == ("T", 1, 60, 10)
    assert ctx.context_object["Execution"]["Name"] == "run-1"
    assert ctx.context_object["Execution"]["StartTime"] == "2026-01-01T00:00:00.000Z"
    types = [e["type"] for e in result.events]
    assert types == ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded",
                     "TaskStateExited", "ExecutionSucceeded"]
    assert [e["id"] for e in result.events] == list(range(1, 8))
    assert all(e["previousEventId"] == e["id"] - 1 for e in result.events)
    scheduled = result.events[2]["taskScheduledEventDetails"]
    assert (scheduled["resourceType"], scheduled["resource"], scheduled["timeoutInSeconds"]) == ("lambda", "invoke", 60)
    assert json.loads(scheduled["parameters"]) == {"FunctionName": "f", "Payload": {"k": 1}}


@pytest.mark.parametrize(("resource", "kind", "name"), [
    ("arn:aws:states:::glue:startJobRun.sync", "glue", "startJobRun.sync"),
    ("arn:aws:states:::aws-sdk:glue:getCrawler", "aws-sdk:glue", "getCrawler"),
    ("arn:aws:states:::sns:publish", "sns", "publish"),
])
def test_service_integrations_go_to_the_resolver(resource: str, kind: str, name: str) -> None:
    resolver = Recorder({resource: [{"ok": True}]})
    result = execute(machine({"T": task(resource)}), {}, resolver=resolver)
    assert result.output == {"ok": True} and resolver.calls[0][0] == resource
    details = result.events[2]["taskScheduledEventDetails"]
    assert (details["resourceType"], details["resource"]) == (kind, name)


def test_direct_lambda_arn_records_lambda_function_events() -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:function:plan"
    result = execute(machine({"T": task(arn)}), {"a": 1}, resolver=Recorder({arn: [{"b": 2}]}))
    assert [e["type"] for e in result.events][2:5] == ["LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded"]


@pytest.mark.parametrize(("raised", "error", "cause"), [
    (TaskFailure("Custom.Boom", "it broke"), "Custom.Boom", "it broke"),
    (QualityError("too many rejected rows"), "Lockgate.QualityError", "too many rejected rows"),
    (KeyError("missing"), "KeyError", "'missing'"),
])
def test_resolver_exceptions_become_asl_errors(raised: Exception, error: str, cause: str) -> None:
    result = execute(machine({"T": task()}), {}, resolver=Recorder({LAMBDA: [raised]}))
    assert (result.status, result.error, result.cause) == ("FAILED", error, cause)
    assert result.events[-2]["type"] == "TaskFailed"
    assert result.events[-2]["taskFailedEventDetails"]["error"] == error


def test_retry_backs_off_on_the_virtual_clock_and_counts_attempts() -> None:
    clock = VirtualClock(START)
    resolver = Recorder({LAMBDA: [TransientError("throttled"), TransientError("throttled"), {"done": True}]})
    retry = [{"ErrorEquals": ["Lockgate.TransientError"], "IntervalSeconds": 3, "BackoffRate": 2, "MaxAttempts": 3}]
    result = execute(machine({"T": task(Retry=retry, Parameters={"retry.$": "$$.State.RetryCount"})}), {},
                     resolver=resolver, clock=clock)
    assert result.output == {"done": True}
    assert [c[2].attempt for c in resolver.calls] == [1, 2, 3]
    assert [c[1]["retry"] for c in resolver.calls] == [0, 1, 2]
    assert clock.now() - START == timedelta(seconds=3 + 6)
    assert [e["type"] for e in result.events].count("TaskScheduled") == 3


def test_max_delay_and_full_jitter_cap_the_back_off() -> None:
    clock = VirtualClock(START)
    resolver = Recorder({LAMBDA: [TaskFailure("E")] * 4 + [{}]})
    retry = [{"ErrorEquals": ["E"], "IntervalSeconds": 10, "BackoffRate": 10, "MaxAttempts": 4, "MaxDelaySeconds": 60,
              "JitterStrategy": "FULL"}]
    assert execute(machine({"T": task(Retry=retry)}), {}, resolver=resolver, clock=clock).status == "SUCCEEDED"
    waited = (clock.now() - START).total_seconds()
    assert 0 < waited <= 10 + 60 * 3


def test_exhausted_retrier_falls_through_to_catch_with_result_path() -> None:
    resolver = Recorder({LAMBDA: [TaskFailure("E", "c1"), TaskFailure("E", "c2")]})
    definition = machine({
        "T": task(Retry=[{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                  Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handled"}], Next="Done"),
        "Handled": {"Type": "Pass", "End": True}, "Done": {"Type": "Succeed"}})
    result = execute(definition, {"in": 1}, resolver=resolver)
    assert result.output == {"in": 1, "error": {"Error": "E", "Cause": "c2"}}


@pytest.mark.parametrize(("error", "catch", "caught"), [
    ("Custom.Error", "States.TaskFailed", True),
    ("States.Timeout", "States.TaskFailed", False),
    ("States.Timeout", "States.ALL", True),
    ("States.HeartbeatTimeout", "States.Timeout", True),
    ("States.HeartbeatTimeout", "States.HeartbeatTimeout", True),
    ("States.Permissions", "States.ALL", True),
    ("States.DataLimitExceeded", "States.ALL", False),
    ("States.DataLimitExceeded", "States.DataLimitExceeded", True),
    ("States.Runtime", "States.ALL", False),
    ("States.Runtime", "States.Runtime", False),
])
def test_error_name_matching_rules(error: str, catch: str, caught: bool) -> None:
    definition = machine({"T": task(Catch=[{"ErrorEquals": [catch], "Next": "C"}]), "C": {"Type": "Pass", "End": True}})
    result = execute(definition, {}, resolver=Recorder({LAMBDA: [TaskFailure(error, "x")]}))
    assert (result.status == "SUCCEEDED") is caught
    if not caught:
        assert result.error == error


def test_states_all_must_be_alone_and_last() -> None:
    bad = machine({"T": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}, {"ErrorEquals": ["E"], "Next": "C"}]),
                   "C": {"Type": "Pass", "End": True}})
    with pytest.raises(InvalidDefinitionError, match="States.ALL"):
        execute(bad, {})
    with pytest.raises(InvalidDefinitionError, match="States.ALL"):
        execute(machine({"T": task(Retry=[{"ErrorEquals": ["States.ALL", "E"]}])}), {})


# -- virtual time -------------------------------------------------------------------------------------

def test_thirty_minute_poll_loop_runs_on_virtual_time() -> None:
    clock = VirtualClock(START)
    polls = {"n": 0}

    def resolver(resource: str, parameters: Any, context: TaskContext) -> Any:
        polls["n"] += 1
        return {"JobRun": {"JobRunState": "SUCCEEDED" if polls["n"] >= 30 else "RUNNING"}}

    definition = machine({
        "Poll": task("arn:aws:states:::aws-sdk:glue:getJobRun", ResultPath="$.run", Next="Done?"),
        "Done?": {"Type": "Choice", "Default": "Wait",
                  "Choices": [{"Variable": "$.run.JobRun.JobRunState", "StringEquals": "SUCCEEDED", "Next": "Ok"}]},
        "Wait": {"Type": "Wait", "Seconds": 60, "Next": "Poll"},
        "Ok": {"Type": "Succeed"},
    })
    import time

    started = time.perf_counter()
    result = execute(definition, {}, resolver=resolver, clock=clock)
    assert result.status == "SUCCEEDED" and polls["n"] == 30
    assert clock.now() - START == timedelta(minutes=29)
    assert time.perf_counter() - started < 1.0


def test_wait_timestamp_and_paths_advance_the_clock() -> None:
    clock = VirtualClock(START)
    definition = machine({
        "A": {"Type": "Wait", "TimestampPath": "$.until", "Next": "B"},
        "B": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
        "C": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime"}, "End": True},
    })
    result = execute(definition, {"until": "2026-01-01T01:00:00Z", "s": 30}, clock=clock)
    assert result.output == {"entered": "2026-01-01T01:00:30.000Z"}


@pytest.mark.parametrize(("seconds", "heartbeats", "error"), [
    (15, [], None), (61, [], "States.Timeout"), (50, [], "States.HeartbeatTimeout"), (50, [15, 30, 45], None),
])
def test_task_timeout_and_heartbeat_on_reported_duration(seconds: float, heartbeats: list[int], error: str | None) -> None:
    def resolver(resource: str, parameters: Any, context: TaskContext) -> Any:
        last = 0
        for at in heartbeats:
            context.clock.advance(at - last)
            context.heartbeat()
            last = at
        context.clock.advance(seconds - last)
        return {}

    result = execute(machine({"T": task(TimeoutSeconds=60, HeartbeatSeconds=20)}), {}, resolver=resolver)
    assert result.error == error
    if error:
        assert result.events[-2]["type"] == "TaskTimedOut"


def test_timeout_seconds_path_reads_the_input() -> None:
    result = execute(machine({"T": task(TimeoutSecondsPath="$.t")}), {"t": 5}, resolver=Recorder(seconds=6))
    assert result.error == "States.Timeout"


def test_execution_timeout_gives_timed_out() -> None:
    definition = machine({"W": {"Type": "Wait", "Seconds": 3600, "End": True}}, TimeoutSeconds=600)
    clock = VirtualClock(START)
    result = execute(definition, {}, clock=clock)
    assert (result.status, result.error, result.events[-1]["type"]) == ("TIMED_OUT", "States.Timeout", "ExecutionTimedOut")
    assert clock.now() - START == timedelta(seconds=600)


def test_cancel_aborts_the_execution() -> None:
    loop = machine({"A": {"Type": "Wait", "Seconds": 1, "Next": "A"}})
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 5

    result = execute(loop, {}, cancel=cancel)
    assert (result.status, result.events[-1]["type"]) == ("ABORTED", "ExecutionAborted")


# -- limits ---------------------------------------------------------------------------------------------

def test_state_output_over_256_kb_is_data_limit_exceeded_and_not_caught_by_all() -> None:
    big = "x" * 262_144
    definition = machine({"T": task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}]), "C": {"Type": "Pass", "End": True}})
    result = execute(definition, {}, resolver=Recorder({LAMBDA: [big]}))
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
    exact = "x" * (262_144 - 2)  # the JSON text "xxx..." is exactly 262,144 bytes
    assert execute(machine({"T": task()}), {}, resolver=Recorder({LAMBDA: [exact]})).status == "SUCCEEDED"


def test_multibyte_characters_count_as_utf8_bytes() -> None:
    double = machine({"P": {"Type": "Pass", "Parameters": {"a.$": "$.v", "b.$": "$.v"}, "End": True}})
    assert execute(double, {"v": "e" * 70_000}).status == "SUCCEEDED"  # 140,000 characters, 1 byte each
    assert execute(double, {"v": "é" * 70_000}).error == "States.DataLimitExceeded"  # same characters, 2 bytes each


def test_execution_input_over_the_limit_is_rejected() -> None:
    with pytest.raises(InputTooLargeError):
        execute(machine({"P": {"Type": "Pass", "End": True}}), {"v": "x" * 262_144})


def test_history_limit_fails_the_execution_at_event_25000() -> None:
    loop = machine({"A": {"Type": "Pass", "Next": "A"}})
    result = execute(loop, {})
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert "25000" in (result.cause or "")
    assert len(result.events) == 25_000 and result.events[-1]["type"] == "ExecutionFailed"


def test_execution_succeeding_as_the_25000th_event_succeeds() -> None:
    # ExecutionStarted + 12,498 Pass states (2 events each) + Succeed (2) + ExecutionSucceeded = 25,000
    states = {f"P{i}": {"Type": "Pass", "Next": f"P{i + 1}"} for i in range(12_498)}
    states["P12498"] = {"Type": "Succeed"}
    result = execute({"StartAt": "P0", "States": states}, {})
    assert result.status == "SUCCEEDED" and len(result.events) == 25_000


# -- Map, Parallel, concurrency -----------------------------------------------------------------------

def test_inline_map_keeps_item_order_and_records_iterations() -> None:
    resolver = Recorder()
    definition = machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrency": 2, "End": True,
                                "ItemProcessor": machine({"T": task(Parameters={"v.$": "$"})})}})
    result = execute(definition, {"xs": [3, 1, 2]}, resolver=resolver)
    assert result.output == [{"echo": {"v": 3}}, {"echo": {"v": 1}}, {"echo": {"v": 2}}]
    types = [e["type"] for e in result.events]
    assert types.count("MapIterationStarted") == 3 and "MapStateSucceeded" in types


@pytest.mark.parametrize("value", [-1, 1.5, "2"])
def test_max_concurrency_is_validated(value: Any) -> None:
    definition = machine({"M": {"Type": "Map", "MaxConcurrency": value, "End": True,
                                "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}})}})
    with pytest.raises(InvalidDefinitionError, match="MaxConcurrency"):
        execute(definition, [])


def test_max_concurrency_path_must_resolve_to_a_non_negative_integer() -> None:
    definition = machine({"M": {"Type": "Map", "MaxConcurrencyPath": "$.c", "ItemsPath": "$.xs", "End": True,
                                "ItemProcessor": machine({"P": {"Type": "Pass", "End": True}})}})
    assert execute(definition, {"c": 2, "xs": [1]}).status == "SUCCEEDED"
    assert execute(definition, {"c": -2, "xs": [1]}).error == "States.Runtime"


def test_wait_for_task_token_exposes_a_token() -> None:
    resolver = Recorder()
    definition = machine({"T": task("arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                    Parameters={"MessageBody": {"token.$": "$$.Task.Token"}})})
    execute(definition, {}, resolver=resolver)
    token = resolver.calls[0][1]["MessageBody"]["token"]
    assert isinstance(token, str) and len(token) == 36


# -- distributed Map ------------------------------------------------------------------------------------

class FakeS3:
    """A resolver backed by a dict: s3:getObject/listObjectsV2/putObject plus a Lambda that may fail."""

    def __init__(self, objects: dict[str, str]) -> None:
        self.objects = dict(objects)

    def __call__(self, resource: str, parameters: Any, context: TaskContext) -> Any:
        if resource == "arn:aws:states:::s3:getObject":
            key = f"{parameters['Bucket']}/{parameters['Key']}"
            if key not in self.objects:
                raise TaskFailure("S3.NoSuchKey", key)
            return self.objects[key]
        if resource == "arn:aws:states:::s3:listObjectsV2":
            prefix = f"{parameters['Bucket']}/{parameters.get('Prefix', '')}"
            return {"Contents": [{"Key": k.split("/", 1)[1], "Size": len(v)} for k, v in sorted(self.objects.items())
                                 if k.startswith(prefix)]}
        if resource == "arn:aws:states:::s3:putObject":
            self.objects[f"{parameters['Bucket']}/{parameters['Key']}"] = parameters["Body"]
            return {}
        item = parameters.get("item") if isinstance(parameters, dict) else None
        if isinstance(item, dict) and item.get("n") == 13:
            raise TaskFailure("Item.Bad", json.dumps(parameters))
        return {"seen": parameters}


def distributed(reader: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "Type": "Map", "End": True, "Label": "Batches",
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          **machine({"Work": task(Parameters={"item.$": "$"})})},
        **fields,
    }
    if reader is not None:
        state["ItemReader"] = reader
    return machine({"M": state})


def json_reader(key: str = "runs/batches.json", input_type: str = "JSON") -> dict[str, Any]:
    return {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": input_type},
            "Parameters": {"Bucket": "control", "Key.$": "$.key"}} if key == "$" else {
        "Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": input_type},
        "Parameters": {"Bucket": "control", "Key": key}}


def test_item_reader_json_runs_children_in_a_map_run_not_the_parent_history() -> None:
    s3 = FakeS3({"control/runs/batches.json": json.dumps([{"n": 100 + i} for i in range(50)])})
    result = execute(distributed(json_reader()), {}, resolver=s3)
    assert result.status == "SUCCEEDED"
    assert [r["seen"]["item"]["n"] for r in result.output] == [100 + i for i in range(50)]
    parent_types = [e["type"] for e in result.events]
    assert "MapRunStarted" in parent_types and "MapRunSucceeded" in parent_types
    assert "TaskScheduled" not in parent_types and len(result.events) < 10
    (run,) = result.map_runs
    assert ":mapRun:local-state-machine/Batches:" in run.arn and run.status == "SUCCEEDED"
    assert len(run.executions) == 50
    assert [e["type"] for e in run.executions[0].events][0] == "ExecutionStarted"
    assert "TaskSucceeded" in [e["type"] for e in run.executions[0].events]


@pytest.mark.parametrize(("body", "config", "expected"), [
    ('{"n": 1}\n{"n": 2}\n', {"InputType": "JSONL"}, [{"n": 1}, {"n": 2}]),
    ("n,name\n1,a\n2,b\n", {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}, [{"n": "1", "name": "a"}, {"n": "2", "name": "b"}]),
    ("1,a\n2,b\n", {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["n", "name"]}, [{"n": "1", "name": "a"}, {"n": "2", "name": "b"}]),
    ('[{"n": 1}, {"n": 2}, {"n": 3}]', {"InputType": "JSON", "MaxItems": 2}, [{"n": 1}, {"n": 2}]),
])
def test_item_reader_formats(body: str, config: dict[str, Any], expected: list[Any]) -> None:
    s3 = FakeS3({"control/items": body})
    reader = {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": config, "Parameters": {"Bucket": "control", "Key": "items"}}
    result = execute(distributed(reader), {}, resolver=s3)
    assert [r["seen"]["item"] for r in result.output] == expected


def test_item_reader_list_objects() -> None:
    s3 = FakeS3({"lake/in/a.csv": "x", "lake/in/b.csv": "yy", "lake/other/c": "z"})
    reader = {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "lake", "Prefix": "in/"}}
    result = execute(distributed(reader, ItemSelector={"key.$": "$$.Map.Item.Value.Key"}), {}, resolver=s3)
    assert [r["seen"]["item"]["key"] for r in result.output] == ["in/a.csv", "in/b.csv"]


def test_item_reader_failure_is_item_reader_failed() -> None:
    result = execute(distributed(json_reader("missing.json")), {}, resolver=FakeS3({}))
    assert (result.status, result.error) == ("FAILED", "States.ItemReaderFailed")


def test_item_batcher_groups_items_with_batch_input() -> None:
    s3 = FakeS3({"control/runs/batches.json": json.dumps([{"n": i} for i in range(7)])})
    batcher = {"MaxItemsPerBatch": 3, "BatchInput": {"run.$": "$.run"}}
    definition = distributed(json_reader(), ItemBatcher=batcher)
    definition["States"]["M"]["ItemProcessor"]["States"]["Work"]["Parameters"] = {"batch.$": "$"}
    result = execute(definition, {"run": "r1"}, resolver=s3)
    batches = [r["seen"]["batch"] for r in result.output]
    assert [len(b["Items"]) for b in batches] == [3, 3, 1]
    assert all(b["BatchInput"] == {"run": "r1"} for b in batches)


def test_tolerated_failures_and_threshold() -> None:
    items = json.dumps([{"n": n} for n in (1, 13, 2, 13)])
    s3 = FakeS3({"control/runs/batches.json": items})
    tolerant = execute(distributed(json_reader(), ToleratedFailureCount=2), {}, resolver=s3)
    assert tolerant.status == "SUCCEEDED"
    assert [r.get("Error") for r in tolerant.output] == [None, "Item.Bad", None, "Item.Bad"]
    strict = execute(distributed(json_reader(), ToleratedFailurePercentage=25), {}, resolver=s3)
    assert (strict.status, strict.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    assert strict.map_runs[0].status == "FAILED"


def test_result_writer_puts_results_and_a_manifest_through_the_resolver() -> None:
    s3 = FakeS3({"control/runs/batches.json": json.dumps([{"n": 1}, {"n": 13}])})
    writer = {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "control", "Prefix": "runs/results"}}
    result = execute(distributed(json_reader(), ResultWriter=writer, ToleratedFailureCount=1), {}, resolver=s3)
    assert result.status == "SUCCEEDED"
    details = result.output["ResultWriterDetails"]
    manifest = json.loads(s3.objects[f"control/{details['Key']}"])
    assert manifest["MapRunArn"] == result.output["MapRunArn"]
    succeeded = [k for k in s3.objects if k.endswith("SUCCEEDED_0.json")]
    failed = [k for k in s3.objects if k.endswith("FAILED_0.json")]
    assert len(succeeded) == len(failed) == 1
    assert json.loads(s3.objects[failed[0]])[0]["Error"] == "Item.Bad"


def test_distributed_children_cannot_see_parent_variables() -> None:
    definition = machine({
        "A": {"Type": "Pass", "Assign": {"secret": 1}, "Next": "M"},
        "M": {"Type": "Map", "End": True, "ItemsPath": "$.xs", "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED"},
            **machine({"P": {"Type": "Pass", "Parameters": {"s.$": "$secret"}, "End": True}})}},
    })
    result = execute(definition, {"xs": [1]})
    assert result.status == "FAILED"
    assert result.error == "States.ExceedToleratedFailureThreshold"
    assert result.map_runs[0].executions[0].error == "States.Runtime"


# -- unsupported features and invalid definitions -----------------------------------------------------

@pytest.mark.parametrize(("definition", "feature"), [
    (machine({"T": task(Credentials={"RoleArn": "arn:aws:iam::1:role/x"})}), "Credentials"),
    (machine({"X": {"Type": "Activity", "End": True}}), "State type 'Activity'"),
    (distributed({"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key": "k"}},
                 ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b"},
                               "WriterConfig": {"OutputType": "JSONL"}}), "ResultWriter field(s) WriterConfig"),
    (distributed({"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "MANIFEST"},
                  "Parameters": {"Bucket": "b", "Key": "k"}}), "ItemReader InputType MANIFEST"),
])
def test_unsupported_features_fail_with_an_error_naming_them(definition: dict[str, Any], feature: str) -> None:
    result = execute(definition, {}, resolver=FakeS3({"b/k": "{}"}))
    assert (result.status, result.error) == ("FAILED", "States.Runtime")
    assert feature in (result.cause or "") and "not supported by the local runtime" in (result.cause or "")


@pytest.mark.parametrize("definition", [
    machine({"P": {"Type": "Pass"}}),
    machine({"P": {"Type": "Pass", "End": True, "Bogus": 1}}),
    machine({"P": {"Type": "Pass", "Next": "Nowhere"}}),
    machine({"P": {"Type": "Pass", "End": True, "Parameters": {"x.$": "States.NoSuch(1)"}}}),
    machine({"T": task(TimeoutSeconds=10, HeartbeatSeconds=10)}),
    machine({"W": {"Type": "Wait", "Seconds": 1, "Timestamp": "2020-01-01T00:00:00Z", "End": True}}),
    machine({"W": {"Type": "Wait", "Seconds": -1, "End": True}}),
    machine({"P": {"Type": "Pass", "ResultPath": "$.items[*]", "End": True}}),
    machine({"P": {"Type": "Pass", "InputPath": "$.a[", "End": True}}),
    machine({"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}),
    machine({"P": {"Type": "Pass", "End": True, "Output": "{% $states.input %}"}}),
])
def test_invalid_definitions_are_rejected_like_create_state_machine(definition: dict[str, Any]) -> None:
    with pytest.raises(InvalidDefinitionError):
        execute(definition, {})


def test_definition_may_be_json_text() -> None:
    text = json.dumps(machine({"P": {"Type": "Pass", "Result": 1, "End": True}}))
    assert execute(text, {}).output == 1


@pytest.mark.parametrize(("value", "error", "cause"), [
    ("x", "States.ItemReaderFailed", "The MaxItemsPath field refers to value 'x' which is not a valid integer: $.max"),
    (1.5, "States.ItemReaderFailed", "The MaxItemsPath field refers to value '1.5' which is not a valid integer: $.max"),
    (-1, "States.ItemReaderFailed", "field MaxItems must be positive"),
])
def test_max_items_path_is_checked_like_step_functions(value: Any, error: str, cause: str) -> None:
    reader = {**json_reader(), "ReaderConfig": {"InputType": "JSON", "MaxItemsPath": "$.max"}}
    result = execute(distributed(reader), {"max": value}, resolver=FakeS3({"control/runs/batches.json": "[1, 2, 3]"}))
    assert (result.error, result.cause) == (error, cause)
    limited = execute(distributed(reader), {"max": "2"}, resolver=FakeS3({"control/runs/batches.json": "[1, 2, 3]"}))
    assert len(limited.output) == 2


def test_timeout_seconds_path_that_selects_nothing_names_the_path() -> None:
    result = execute(machine({"T": task(TimeoutSecondsPath="$.limit")}), {}, resolver=Recorder())
    assert result.cause == ("An error occurred while executing the state 'T' (entered at the event id #2). "
                            "Invalid path '$.limit' : No results for path: $['limit']")
