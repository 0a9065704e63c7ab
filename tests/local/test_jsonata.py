"""JSONata state machines beyond what the recorded cases cover: Task Arguments/Output through the
resolver, expressions in timeouts, the definition checks per query language, variable scopes across
Map and Parallel, reproducible $now/$uuid/$random under the virtual clock, and evaluation failures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from orchestration.local import ExecutionContext, InvalidDefinitionError, TaskContext, VirtualClock, execute

START = datetime(2026, 1, 1, tzinfo=UTC)
LAMBDA = "arn:aws:states:::lambda:invoke"


def jsonata(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states, **top}


def end(**fields: Any) -> dict[str, Any]:
    return {"End": True, **fields}


def echo(resource: str, parameters: Any, context: TaskContext) -> Any:
    context.clock.advance(5)
    return {"Payload": {"got": parameters, "attempt": context.attempt}}


def test_task_arguments_result_output_and_assign() -> None:
    definition = jsonata({
        "T": {"Type": "Task", "Resource": LAMBDA, "Next": "After",
              "Arguments": {"FunctionName": "f", "Payload": {"n": "{% $states.input.n + 1 %}"}},
              "Assign": {"seen": "{% $states.result.Payload.got.Payload.n %}"},
              "Output": {"n": "{% $states.result.Payload.got.Payload.n %}", "in": "{% $states.input.n %}"}},
        "After": {"Type": "Pass", "End": True, "Output": {"out": "{% $states.input %}", "seen": "{% $seen %}"}},
    })
    result = execute(definition, {"n": 1}, resolver=echo)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output == {"out": {"n": 2, "in": 1}, "seen": 2}
    scheduled = [e for e in result.events if e["type"] == "TaskScheduled"][0]
    assert '"n":2' in scheduled["taskScheduledEventDetails"]["parameters"]


def test_task_without_output_returns_the_result_and_timeout_takes_an_expression() -> None:
    definition = jsonata({"T": {"Type": "Task", "Resource": LAMBDA, "End": True, "TimeoutSeconds": "{% $states.input.t %}"}})
    assert execute(definition, {"t": 10}, resolver=echo).output == {"Payload": {"got": {"t": 10}, "attempt": 1}}
    timed_out = execute(definition, {"t": 3}, resolver=echo)
    assert (timed_out.status, timed_out.error) == ("FAILED", "States.Timeout")


def test_query_evaluation_error_is_caught_and_retried_like_other_errors() -> None:
    definition = jsonata({
        "P": {"Type": "Parallel", "Next": "Done", "Branches": [{"StartAt": "B", "States": {"B": end(Type="Pass", Output="{% $states.input.nope %}")}}],
              "Retry": [{"ErrorEquals": ["States.QueryEvaluationError"], "MaxAttempts": 2, "IntervalSeconds": 1}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught", "Output": "{% $states.errorOutput %}"}]},
        "Done": end(Type="Succeed"), "Caught": end(Type="Pass"),
    })
    result = execute(definition, {}, clock=VirtualClock(START))
    assert result.status == "SUCCEEDED"
    assert result.output["Error"] == "States.QueryEvaluationError"
    assert "'$states.input.nope' specified for the field 'Output' returned nothing (undefined)." in result.output["Cause"]
    assert result.events[-1]["timestamp"] == datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC)  # retries after 1 s and 2 s


@pytest.mark.parametrize(("output", "cause"), [
    ("{% $states.input.items %}", "returned an unexpected result type. Expected 'array', but was 'object' for value: {\"a\":1}"),
    ("{% 'text' %}", "returned an unexpected result type. Expected 'array', but was 'string' for value: \"text\""),
])
def test_items_must_be_an_array(output: str, cause: str) -> None:
    definition = jsonata({"M": end(Type="Map", Items=output, ItemProcessor={"StartAt": "I", "States": {"I": end(Type="Pass")}})})
    result = execute(definition, {"items": {"a": 1}})
    assert result.error == "States.QueryEvaluationError"
    evaluation = [e for e in result.events if e["type"] == "EvaluationFailed"][0]["evaluationFailedEventDetails"]
    assert (evaluation["state"], evaluation["location"], evaluation["cause"]) == ("M", "Items", result.cause)
    assert result.cause == ("An error occurred while executing the state 'M' (entered at the event id #2). The JSONata expression "
                            f"'{output[2:-2].strip()}' specified for the field 'Items' {cause}")


@pytest.mark.parametrize(("expression", "tail"), [
    ("$sum('a')", 'T0412: Argument 1 of function "sum" must be an array of "numbers"'),
    ("$abs('x')", 'T0410: Argument 1 of function "abs" does not match function signature'),
    ("1 + 'a'", 'T2002: The right side of the "+" operator must evaluate to a number'),
    ("$nope(1)", "T1006: Attempted to invoke a non-function"),
])
def test_evaluation_errors_carry_the_jsonata_code_and_message(expression: str, tail: str) -> None:
    result = execute(jsonata({"E": end(Type="Pass", Output={"r": f"{{% {expression} %}}"})}), {})
    assert result.cause == ("An error occurred while executing the state 'E' (entered at the event id #2). The JSONata "
                            f"expression '{expression}' specified for the field 'Output/r' threw an error during evaluation. {tail}")


def test_condition_must_be_boolean_and_fail_takes_expressions() -> None:
    bad = jsonata({"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n %}", "Next": "X"}], "Default": "X"},
                   "X": end(Type="Pass")})
    result = execute(bad, {"n": 1})
    assert result.error == "States.QueryEvaluationError" and "Choices[0]/Condition" in (result.cause or "")
    fail = jsonata({"F": {"Type": "Fail", "Error": "{% 'E.' & $states.input.code %}", "Cause": "{% $string($states.input.n) %}"}})
    failed = execute(fail, {"code": "X", "n": 4})
    assert (failed.error, failed.cause) == ("E.X", "4")


def test_now_uuid_and_random_are_reproducible_under_the_virtual_clock() -> None:
    definition = jsonata({"W": {"Type": "Wait", "Seconds": 90, "Next": "P"},
                          "P": end(Type="Pass", Output={"now": "{% $now() %}", "millis": "{% $millis() %}", "uuid": "{% $uuid() %}",
                                                        "random": "{% $random() %}", "seeded": "{% $random(7) %}"})})
    first = execute(definition, {}, clock=VirtualClock(START), seed=3)
    second = execute(definition, {}, clock=VirtualClock(START), seed=3)
    assert first.output == second.output
    assert first.output["now"] == "2026-01-01T00:01:30.000Z"
    assert first.output["millis"] == int(START.timestamp() * 1000) + 90_000
    assert 0 <= first.output["random"] < 1
    assert execute(definition, {}, clock=VirtualClock(START), seed=4).output["uuid"] != first.output["uuid"]
    assert execute(definition, {}, clock=VirtualClock(START), seed=4).output["seeded"] == first.output["seeded"]


def test_context_and_wait_timestamp_expression() -> None:
    definition = jsonata({"W": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "Next": "P"},
                          "P": end(Type="Pass", Output={"name": "{% $states.context.Execution.Name %}",
                                                        "entered": "{% $states.context.State.EnteredTime %}"})})
    result = execute(definition, {"at": "2026-01-01T01:00:00Z"}, clock=VirtualClock(START), context=ExecutionContext(name="run-9"))
    assert result.output == {"name": "run-9", "entered": "2026-01-01T01:00:00.000Z"}


def test_map_iterations_read_outer_variables_and_keep_their_own() -> None:
    definition = jsonata({
        "A": {"Type": "Pass", "Assign": {"rate": 10}, "Next": "M"},
        "M": {"Type": "Map", "Items": "{% [1, 2] %}", "Next": "After", "ItemProcessor": {"StartAt": "I", "States": {
            "I": {"Type": "Pass", "Assign": {"mine": "{% $states.input * $rate %}"}, "Next": "J"},
            "J": end(Type="Pass", Output="{% $mine %}")}}},
        "After": end(Type="Pass", Output={"r": "{% $states.input %}", "leaked": "{% $exists($mine) %}"}),
    })
    assert execute(definition, {}).output == {"r": [10, 20], "leaked": False}


@pytest.mark.parametrize("inner", [
    {"Type": "Pass", "Assign": {"rate": 1}, "End": True},
    {"Type": "Pass", "Assign": {"rate.$": "$.x"}, "End": True, "QueryLanguage": "JSONPath"},
])
def test_inner_scopes_cannot_assign_outer_variables(inner: dict[str, Any]) -> None:
    definition = {"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Assign": {"rate": 10}, "Next": "P"},
        "P": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "I", "States": {"I": inner}}]}}}
    with pytest.raises(InvalidDefinitionError, match=r"\$rate belong to an outer scope"):
        execute(definition, {})


@pytest.mark.parametrize(("definition", "message"), [
    (jsonata({"P": end(Type="Pass", Parameters={"a": 1})}), "JSONPath-only"),
    (jsonata({"P": end(Type="Pass", QueryLanguage="JSONPath")}), "cannot use QueryLanguage JSONPath"),
    (jsonata({"P": end(Type="Pass", Output="{% $states.input. %}")}), "does not parse"),
    (jsonata({"P": end(Type="Pass", Assign={"states": 1})}), "reserved"),
    (jsonata({"P": end(Type="Pass", Output={"a": "{% $$ %}"})}), "top level"),
    (jsonata({"P": end(Type="Pass", Output="{% $.a %}")}), "top level"),
    (jsonata({"S": {"Type": "Succeed", "Assign": {"x": 1}}}), "cannot Assign"),
    (jsonata({"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "X"}]}, "X": end(Type="Pass")}),
     "Condition"),
    (jsonata({"T": {"Type": "Task", "Resource": LAMBDA, "End": True,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "T"}]}}), "ResultPath"),
    ({"StartAt": "P", "States": {"P": end(Type="Pass", Arguments={"a": 1})}}, "unknown field"),
    ({"StartAt": "P", "QueryLanguage": "JSONataX", "States": {"P": end(Type="Pass")}}, "QueryLanguage must be"),
])
def test_definitions_are_checked_per_query_language(definition: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidDefinitionError, match=message):
        execute(definition, {})


def test_jsonpath_states_keep_working_inside_a_jsonata_map() -> None:
    definition = {"StartAt": "M", "States": {"M": {
        "Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.xs %}", "End": True,
        "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Parameters": {"v.$": "$"}, "End": True}}}}}}
    assert execute(definition, {"xs": [1, 2]}).output == [{"v": 1}, {"v": 2}]


def test_distributed_map_in_jsonata_reads_writes_and_tolerates_through_expressions() -> None:
    from tests.local.test_interpreter_unit import FakeS3

    s3 = FakeS3({"control/runs/items.json": '[{"n": 1}, {"n": 13}, {"n": 2}, {"n": 3}]'})
    definition = jsonata({"M": end(
        Type="Map", MaxConcurrency="{% $states.input.limit %}",
        ToleratedFailurePercentage="{% $states.input.pct %}",
        ItemReader={"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"},
                    "Arguments": {"Bucket": "control", "Key": "{% 'runs/' & $states.input.name %}"}},
        ItemSelector={"item": "{% $states.context.Map.Item.Value %}"},
        ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Arguments": {"Bucket": "control", "Prefix": "out"}},
        ItemProcessor={"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Work",
                       "States": {"Work": end(Type="Task", Resource=LAMBDA, Arguments="{% $states.input %}")}},
        Output="{% $states.result.ResultWriterDetails.Bucket %}")})
    tolerant = execute(definition, {"name": "items.json", "pct": 25, "limit": 2}, resolver=s3)
    assert (tolerant.status, tolerant.output) == ("SUCCEEDED", "control")
    assert [c.status for c in tolerant.map_runs[0].executions] == ["SUCCEEDED", "FAILED", "SUCCEEDED", "SUCCEEDED"]
    strict = execute(definition, {"name": "items.json", "pct": 10, "limit": 2}, resolver=s3)
    assert (strict.status, strict.error) == ("FAILED", "States.ExceedToleratedFailureThreshold")
    wrong = execute(definition, {"name": "items.json", "pct": 101, "limit": 2}, resolver=s3)
    assert wrong.error == "States.QueryEvaluationError" and "'ToleratedFailurePercentage'" in (wrong.cause or "")
    with pytest.raises(InvalidDefinitionError, match="cannot have Parameters"):
        execute(jsonata({"M": end(Type="Map", ItemReader={"Resource": "arn:aws:states:::s3:getObject",
                                                          "Parameters": {"Bucket": "b", "Key": "k"}},
                                  ItemProcessor=definition["States"]["M"]["ItemProcessor"])}), {})


def test_item_batcher_and_max_items_take_expressions() -> None:
    from tests.local.test_interpreter_unit import FakeS3

    s3 = FakeS3({"control/items.json": '[{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}, {"n": 5}]'})
    definition = jsonata({"M": end(
        Type="Map",
        ItemReader={"Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $states.input.max %}"},
                    "Arguments": {"Bucket": "control", "Key": "items.json"}},
        ItemBatcher={"MaxItemsPerBatch": "{% $states.input.per %}", "BatchInput": {"run": "{% $states.input.run %}"}},
        ItemProcessor={"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P",
                       "States": {"P": end(Type="Pass", Output={"run": "{% $states.input.BatchInput.run %}",
                                                                "n": "{% $states.input.Items.n %}"})}})})
    result = execute(definition, {"max": 4, "per": 3, "run": "r1"}, resolver=s3)
    assert result.output == [{"run": "r1", "n": [1, 2, 3]}, {"run": "r1", "n": 4}]
