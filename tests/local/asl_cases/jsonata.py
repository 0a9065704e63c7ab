"""JSONata state machines. moto is no reference here (its interpreter fails every JSONata expression),
so each case carries the outcome AWS records for it and cites where that outcome comes from: an AWS
documentation page with the example, or a public report of the same definition run on AWS.
"""

from __future__ import annotations

from typing import Any

from tests.local.asl_cases import Case, Outcome, machine

TRANSFORMING = "https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html"
VARIABLES = "https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html"
ERRORS = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html"
CHOICE = "https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html"
MAP = "https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html"
WAIT = "https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html"
PARALLEL = "https://docs.aws.amazon.com/step-functions/latest/dg/state-parallel.html"
UNDEFINED = "https://github.com/floci-io/floci/issues/2665 (the same definitions run on AWS, causes recorded)"
EVAL = "https://github.com/floci-io/floci/issues/2737 (run on AWS with TestState: $eval fails with T1006)"


def jsonata(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    return machine(states, QueryLanguage="JSONata", **top)


def passing(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", **({"End": True} if "Next" not in fields else {}), **fields}


def ok(output: Any) -> Outcome:
    return Outcome("SUCCEEDED", output)


def query_error(cause: str | None = None) -> Outcome:
    return Outcome("FAILED", None, "States.QueryEvaluationError", cause)


def _undefined(field: str) -> Outcome:
    return query_error("An error occurred while executing the state 'E' (entered at the event id #2). The JSONata "
                       f"expression '$states.input.missing' specified for the field '{field}' returned nothing (undefined).")


def _documented() -> list[Case]:
    """Examples from the AWS pages, with the results those pages give."""
    converted = jsonata({
        "Declare": passing(Assign={"customerName": "Ana"}, Next="Convert"),
        "Convert": passing(Output={"static": "Hello", "title": "{% $states.input.title %}",
                                   "name": "{% $customerName %}", "not-evaluated": "$customerName"}),
    })
    return [
        Case("jsonata-doc-partition", jsonata({"P": passing(Output="{% $partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3) %}")}), {},
             ok([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), TRANSFORMING + " ($partition)"),
        Case("jsonata-doc-range", jsonata({"P": passing(Output="{% $range(0, 10, 2) %}")}), {},
             ok([0, 2, 4, 6, 8, 10]), TRANSFORMING + " ($range)"),
        Case("jsonata-doc-parse", jsonata({"P": passing(Output="{% $parse($states.input.json) %}")}), {"json": "{\"a\": [1, true]}"},
             ok({"a": [1, True]}), TRANSFORMING + " ($parse deserialises JSON text)"),
        Case("jsonata-doc-hash", jsonata({"P": passing(Output="{% $hash($states.input.content, 'SHA-256') %}")}), {"content": "input data"},
             ok("b4a697a057313163aee33cd8d40c66e9f0f177e00cac2de32475ffff6169c3e3"), TRANSFORMING + " ($hash, SHA-256 hex)"),
        Case("jsonata-doc-conversion", converted, {"title": "Doctor"},
             ok({"static": "Hello", "title": "Doctor", "name": "Ana", "not-evaluated": "$customerName"}),
             TRANSFORMING + " (converting JSONPath to JSONata: only {% %} strings are evaluated)"),
        Case("jsonata-doc-eval-unavailable", jsonata({"P": passing(Output={"r": "{% $eval('1+1') %}"})}), {},
             query_error(), EVAL, check_cause=False),
        Case("jsonata-doc-assign-literals", jsonata({
            "A": passing(Assign={"productName": "product1", "count": 42, "available": True}, Next="B"),
            "B": passing(Output={"p": "{% $productName %}", "c": "{% $count %}", "a": "{% $available %}"})}), {},
            ok({"p": "product1", "c": 42, "a": True}), VARIABLES + " (Assign: variable names and JSON values)"),
        Case("jsonata-doc-assign-before-values", jsonata({
            "A": passing(Assign={"x": 1, "y": 2}, Next="B"),
            "B": passing(Assign={"x": "{% $y %}", "y": "{% $x %}"}, Output={"x": "{% $x %}", "y": "{% $y %}"}, Next="C"),
            "C": passing(Output={"x": "{% $x %}", "y": "{% $y %}"})}), {},
            ok({"x": 2, "y": 1}), VARIABLES + " (all assignments and Output of a state see the values from before it)"),
        Case("jsonata-doc-states-input", jsonata({
            "A": passing(Output={"changed": True}, Assign={"first": "{% $states.input.v %}"}, Next="B"),
            "B": passing(Output={"in": "{% $states.input %}", "first": "{% $first %}",
                                 "exec": "{% $states.context.Execution.Input.v %}"})}), {"v": 7},
            ok({"in": {"changed": True}, "first": 7, "exec": 7}),
            VARIABLES + " ($states.input is the state's input; $states.context.Execution.Input the execution's)"),
    ]


def _recorded_undefined() -> list[Case]:
    """An expression that returns nothing fails the state, naming the field (recorded on AWS)."""
    return [
        Case("jsonata-undefined-output-v", jsonata({"E": passing(Output={"v": "{% $states.input.missing %}"})}), {},
             _undefined("Output/v"), UNDEFINED),
        Case("jsonata-undefined-output-a-b", jsonata({"E": passing(Output={"a": {"b": "{% $states.input.missing %}"}})}), {},
             _undefined("Output/a/b"), UNDEFINED),
        Case("jsonata-undefined-output-all", jsonata({"E": passing(Output="{% $states.input.missing %}")}), {},
             _undefined("Output"), UNDEFINED),
        Case("jsonata-undefined-assign-x", jsonata({"E": passing(Assign={"x": "{% $states.input.missing %}"})}), {},
             _undefined("Assign/x"), UNDEFINED),
    ]


def _states() -> list[Case]:
    """Choice, Wait, Map, Parallel and Catch in JSONata, per their AWS reference pages."""
    branch = {"StartAt": "B", "States": {"B": passing(Output="{% $states.input.v * 2 %}")}}
    failing = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Error", "Cause": "{% 'bad ' & $states.input.v %}"}}}
    return [
        Case("jsonata-choice-condition", jsonata({
            "C": {"Type": "Choice", "Default": "Small", "Choices": [
                {"Condition": "{% $states.input.n > 10 %}", "Next": "Big", "Output": {"size": "big"}}]},
            "Big": passing(), "Small": passing(Output={"size": "small"})}), {"n": 11},
            ok({"size": "big"}), CHOICE + " (Condition; a rule's Output is the state output)"),
        Case("jsonata-choice-default", jsonata({
            "C": {"Type": "Choice", "Default": "Small", "Choices": [{"Condition": "{% $states.input.n > 10 %}", "Next": "Big"}]},
            "Big": passing(), "Small": passing(Output={"size": "small", "n": "{% $states.input.n %}"})}), {"n": 3},
            ok({"size": "small", "n": 3}), CHOICE + " (Default when no Condition is true)"),
        Case("jsonata-wait-seconds-expression", jsonata({"W": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "End": True}}),
             {"s": 0}, ok({"s": 0}), WAIT + " (Seconds takes a JSONata expression; the output is the input)"),
        Case("jsonata-map-items-selector", jsonata({"M": {
            "Type": "Map", "Items": "{% $states.input.orders %}", "End": True,
            "ItemSelector": {"id": "{% $states.context.Map.Item.Value.id %}", "pos": "{% $states.context.Map.Item.Index %}"},
            "ItemProcessor": {"StartAt": "I", "States": {"I": passing(Output="{% $states.input.id & '@' & $states.input.pos %}")}},
            "Output": {"r": "{% $states.result %}"}}}), {"orders": [{"id": "a"}, {"id": "b"}]},
            ok({"r": ["a@0", "b@1"]}), MAP + " (Items, ItemSelector with $states.context.Map.Item, Output with $states.result)"),
        Case("jsonata-parallel-arguments", jsonata({"P": {
            "Type": "Parallel", "Arguments": {"v": "{% $states.input.x + 1 %}"}, "Branches": [branch, branch],
            "Assign": {"total": "{% $sum($states.result) %}"}, "Next": "After"},
            "After": passing(Output={"total": "{% $total %}"})}), {"x": 1},
            ok({"total": 8}), PARALLEL + " (Arguments are the branches' input; Assign sees $states.result)"),
        Case("jsonata-catch-output-assign", jsonata({"P": {
            "Type": "Parallel", "Branches": [failing], "Next": "Done",
            "Catch": [{"ErrorEquals": ["Custom.Error"], "Next": "After", "Assign": {"cause": "{% $states.errorOutput.Cause %}"},
                       "Output": {"error": "{% $states.errorOutput.Error %}", "input": "{% $states.input %}"}}]},
            "Done": passing(), "After": passing(Output={"caught": "{% $states.input %}", "cause": "{% $cause %}"})}), {"v": 5},
            ok({"caught": {"error": "Custom.Error", "input": {"v": 5}}, "cause": "bad 5"}),
            ERRORS + " (a JSONata Catch has Output and Assign over $states.errorOutput)"),
        Case("jsonata-catch-default-output", jsonata({"P": {
            "Type": "Parallel", "Branches": [failing], "End": True,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "After"}]}, "After": passing()}), {"v": 1},
            ok({"Error": "Custom.Error", "Cause": "bad 1"}), ERRORS + " (without Output the catcher's output is the error output)"),
        Case("jsonata-mixed-state", machine({
            "Path": {"Type": "Pass", "Parameters": {"a.$": "$.x"}, "Next": "Ata"},
            "Ata": passing(QueryLanguage="JSONata", Output={"b": "{% $states.input.a * 3 %}"})}), {"x": 2},
            ok({"b": 6}), TRANSFORMING + " (QueryLanguage per state inside a JSONPath state machine)"),
    ]


CASES = [*_documented(), *_recorded_undefined(), *_states()]
