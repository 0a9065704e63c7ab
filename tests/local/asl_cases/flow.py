"""Control flow: Parallel, Map (inline), Retry and Catch around failing branches and iterations (Fail
states with Error/Cause and ErrorPath/CausePath), error-name matching rules, variables and their
scopes, Wait and Succeed. No Task states: moto cannot run tasks in-process."""

from __future__ import annotations

from typing import Any

from tests.local.asl_cases import Case, machine, pass_state


def fail(error: str | None = "Custom.Error", cause: str | None = "it broke") -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Fail"}
    if error is not None:
        state["Error"] = error
    if cause is not None:
        state["Cause"] = cause
    return state


def branch(states: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


FAILING = branch({"F": fail()})


def parallel(branches: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    return {"Type": "Parallel", "Branches": branches, **({"End": True} if "Next" not in fields else {}), **fields}


def _parallel_cases() -> list[Case]:
    ok = branch({"A": pass_state(Parameters={"a.$": "$.v"})})
    ok2 = branch({"B": pass_state(Result={"b": 1}, Next="C"), "C": pass_state(ResultPath="$.c", Result=2)})
    cases = [
        Case("flow-parallel-two", machine({"P": parallel([ok, ok2])}), {"v": 1}),
        Case("flow-parallel-params", machine({"P": parallel([ok], Parameters={"v.$": "$.x"}, ResultPath="$.r")}), {"x": 9}),
        Case("flow-parallel-nested", machine({"P": parallel([branch({"Q": parallel([ok, ok])}), ok])}), {"v": 2}),
        Case("flow-parallel-fails", machine({"P": parallel([ok, FAILING])}), {"v": 1}),
        Case("flow-parallel-succeed-state", machine({"P": parallel([branch({"S": {"Type": "Succeed", "OutputPath": "$.v"}})])}), {"v": 3}),
    ]
    return cases


def _catch_cases() -> list[Case]:
    names = ["Custom.Error", "States.ALL", "States.TaskFailed", "States.BranchFailed", "Other", "States.Timeout", "States.Runtime"]
    cases = []
    for error in ("Custom.Error",):
        for catch in names:
            definition = machine({
                "P": parallel([branch({"F": fail(error)})], Catch=[{"ErrorEquals": [catch], "Next": "Caught"}]),
                "Caught": pass_state()})
            cases.append(Case(f"flow-catch-{error}-by-{catch}", definition, {"v": 1}))
    result_paths = ["$", "$.err", None, "$.v.deep"]
    for i, rp in enumerate(result_paths):
        definition = machine({
            "P": parallel([FAILING], Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": rp, "Next": "Caught"}],
                          OutputPath="$.never"),
            "Caught": pass_state()})
        cases.append(Case(f"flow-catch-resultpath-{i}", definition, {"v": {"x": 1}}))
    ordered = machine({
        "P": parallel([FAILING], Catch=[{"ErrorEquals": ["Nope", "Custom.Error"], "Next": "First"},
                                        {"ErrorEquals": ["States.ALL"], "Next": "Second"}]),
        "First": pass_state(Result="first"), "Second": pass_state(Result="second")})
    cases.append(Case("flow-catch-order", ordered, {}))
    nocause = machine({"P": parallel([branch({"F": fail("E", None)})], Catch=[{"ErrorEquals": ["E"], "Next": "C"}]), "C": pass_state()})
    cases.append(Case("flow-catch-no-cause", nocause, {}))
    noerror = machine({"P": parallel([branch({"F": fail(None, None)})], Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}]), "C": pass_state()})
    cases.append(Case("flow-catch-no-error", noerror, {}))
    dynamic = machine({"P": parallel([branch({"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}})],
                                     Catch=[{"ErrorEquals": ["Dyn.Err"], "Next": "C"}]), "C": pass_state()})
    cases.append(Case("flow-catch-errorpath-0", dynamic, {"e": "Dyn.Err", "c": "dynamic cause"}))
    cases.append(Case("flow-catch-errorpath-1", dynamic, {"e": "Other.Err", "c": "dynamic cause"}))
    cases.append(Case("flow-fail-top", machine({"F": fail()}), {}))
    cases.append(Case("flow-fail-top-nocause", machine({"F": fail("E", None)}), {}))
    cases.append(Case("flow-fail-top-empty", machine({"F": fail(None, None)}), {}))
    cases.append(Case("flow-fail-top-paths", machine({"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}}), {"e": "X", "c": "Y"}))
    cases.append(Case("flow-fail-top-badpath", machine({"F": {"Type": "Fail", "ErrorPath": "$.nope", "Cause": "c"}}), {}))
    return cases


def _retry_cases() -> list[Case]:
    counter = branch({"F": {"Type": "Fail", "Error": "Flaky", "CausePath": "States.Format('input {}', $.n)"}})
    cases = []
    for i, retry in enumerate([
        [{"ErrorEquals": ["Flaky"], "MaxAttempts": 0}],
        [{"ErrorEquals": ["Flaky"], "MaxAttempts": 1, "IntervalSeconds": 1}],
        [{"ErrorEquals": ["Other"], "MaxAttempts": 2}],
        [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1, "BackoffRate": 1.0, "JitterStrategy": "NONE"}],
    ]):
        definition = machine({"P": parallel([counter], Retry=retry, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "C"}]),
                              "C": pass_state()})
        cases.append(Case(f"flow-retry-{i}", definition, {"n": 1}))
    retry_count = machine({"P": parallel([counter], Parameters={"n.$": "$$.State.Name"},
                                         Retry=[{"ErrorEquals": ["Flaky"], "MaxAttempts": 1, "IntervalSeconds": 1}])})
    cases.append(Case("flow-retry-exhausted", retry_count, {"n": 2}))
    return cases


def _map_cases() -> list[Case]:
    double = {"StartAt": "I", "States": {"I": pass_state(Parameters={"v.$": "$", "i.$": "$$.Map.Item.Index"})}}
    plain = {"StartAt": "I", "States": {"I": pass_state()}}
    item_ctx = {"idx.$": "$$.Map.Item.Index", "val.$": "$$.Map.Item.Value", "k.$": "$.k"}
    cases = [
        Case("flow-map-basic", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": plain, "End": True}}), {"xs": [1, "a", None]}),
        Case("flow-map-empty", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "ItemProcessor": plain, "End": True}}), {"xs": []}),
        Case("flow-map-root", machine({"M": {"Type": "Map", "ItemProcessor": plain, "End": True}}), [3, 2, 1]),
        Case("flow-map-itemselector", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "ItemSelector": item_ctx,
                                                     "ItemProcessor": plain, "End": True}}), {"xs": [{"a": 1}, 2], "k": "K"}),
        Case("flow-map-legacy-iterator", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "Parameters": item_ctx,
                                                        "Iterator": plain, "End": True}}), {"xs": ["p", "q"], "k": 0}),
        Case("flow-map-item-index", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrency": 1,
                                                   "ItemProcessor": double, "ResultPath": "$.out", "End": True}}), {"xs": [5, 6, 7]}),
        Case("flow-map-missing-items", machine({"M": {"Type": "Map", "ItemsPath": "$.nope", "ItemProcessor": plain, "End": True}}), {"xs": []}),
        Case("flow-map-nested", machine({"M": {"Type": "Map", "ItemsPath": "$.rows", "End": True, "ItemProcessor": {
            "StartAt": "Inner", "States": {"Inner": {"Type": "Map", "ItemProcessor": double, "End": True}}}}}), {"rows": [[1, 2], [3]]}),
        Case("flow-map-fails", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "End": True, "ItemProcessor": {
            "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericGreaterThan": 1, "Next": "F"}],
                                             "Default": "OK"}, "F": fail("TooBig", "item > 1"), "OK": pass_state()}}}}), {"xs": [1, 2, 3]}),
        Case("flow-map-catch", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "Next": "Done", "ResultPath": "$.r",
                                              "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
                                              "ItemProcessor": branch({"F": fail("ItemFailed", "bad item")})},
                                        "Done": pass_state()}), {"xs": [1]}),
        Case("flow-map-concurrency-path", machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "MaxConcurrencyPath": "$.c",
                                                         "ItemProcessor": plain, "End": True}}), {"xs": [1, 2], "c": 1}),
    ]
    return cases


def _variable_cases() -> list[Case]:
    assign_chain = machine({
        "A": pass_state(Assign={"x": 1, "y.$": "$.v", "z.$": "States.Format('{}-{}', $.v, 'z')"}, Next="B"),
        "B": pass_state(Assign={"x": 2, "old.$": "$x"}, Parameters={"x.$": "$x", "y.$": "$y", "z.$": "$z"}, Next="C"),
        "C": pass_state(Parameters={"x.$": "$x", "old.$": "$old", "prev.$": "$"}),
    })
    scoped = machine({
        "A": pass_state(Assign={"outer": "o"}, Next="M"),
        "M": {"Type": "Map", "ItemsPath": "$.xs", "Next": "After", "ItemProcessor": branch({
            "I": pass_state(Assign={"inner": "i"}, Next="J"),
            "J": pass_state(Parameters={"o.$": "$outer", "i.$": "$inner", "v.$": "$"})})},
        "After": pass_state(Parameters={"o.$": "$outer", "r.$": "$"}),
    })
    leak = machine({
        "P": parallel([branch({"I": pass_state(Assign={"inner": 1})})], Next="After"),
        "After": pass_state(Parameters={"i.$": "$inner"}),
    })
    result_assign = machine({
        "P": parallel([branch({"B": pass_state(Result=7)})], Assign={"got.$": "$[0]"}, ResultPath="$.r", Next="After"),
        "After": pass_state(Parameters={"got.$": "$got", "r.$": "$.r"}),
    })
    catch_assign = machine({
        "P": parallel([FAILING], Catch=[{"ErrorEquals": ["States.ALL"], "Assign": {"err.$": "$.Error"}, "Next": "After"}]),
        "After": pass_state(Parameters={"err.$": "$err"}),
    })
    choice_assign = machine({
        "C": {"Type": "Choice", "Assign": {"s": "state"}, "Default": "D",
              "Choices": [{"Variable": "$.v", "NumericEquals": 1, "Assign": {"r": "rule"}, "Next": "D"}]},
        "D": pass_state(Parameters={"s.$": "$s", "r.$": "$r"}),
    })
    return [
        Case("flow-vars-chain", assign_chain, {"v": 5}),
        Case("flow-vars-map-scope", scoped, {"xs": [1, 2]}),
        Case("flow-vars-parallel-no-leak", leak, {}),
        Case("flow-vars-result", result_assign, {}),
        Case("flow-vars-catch", catch_assign, {}),
        Case("flow-vars-choice-0", choice_assign, {"v": 1}),
        Case("flow-vars-undefined", machine({"P": pass_state(Parameters={"x.$": "$nope"})}), {}),
    ]


def _wait_cases() -> list[Case]:
    return [
        Case("flow-wait-seconds", machine({"W": {"Type": "Wait", "Seconds": 0, "Next": "S"}, "S": {"Type": "Succeed"}}), {"a": 1}),
        Case("flow-wait-timestamp-past", machine({"W": {"Type": "Wait", "Timestamp": "2001-01-01T00:00:00Z", "End": True}}), {"a": 1}),
        Case("flow-wait-secondspath", machine({"W": {"Type": "Wait", "SecondsPath": "$.s", "OutputPath": "$.s", "End": True}}), {"s": 0}),
        Case("flow-wait-timestamppath", machine({"W": {"Type": "Wait", "TimestampPath": "$.t", "End": True}}), {"t": "2001-01-01T00:00:00Z"}),
        Case("flow-wait-secondspath-missing", machine({"W": {"Type": "Wait", "SecondsPath": "$.nope", "End": True}}), {}),
        Case("flow-wait-secondspath-negative", machine({"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}), {"s": -1}),
        Case("flow-succeed-paths", machine({"S": {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}}), {"a": {"b": 2}}),
    ]


def _combined_cases() -> list[Case]:
    """States composed the way Lockgate's generated machines compose them."""
    item = {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Default": "Keep", "Choices": [
            {"Variable": "$.size", "NumericGreaterThan": 100, "Next": "TooBig"}]},
        "TooBig": {"Type": "Fail", "Error": "Batch.TooBig", "CausePath": "States.Format('batch {} has {} bytes', $.id, $.size)"},
        "Keep": {"Type": "Pass", "Parameters": {"id.$": "$.id", "kb.$": "States.MathAdd($.size, 0)"}, "End": True}}}
    route = machine({
        "Plan": pass_state(Parameters={"batches.$": "$.batches", "run.$": "$$.Execution.Name"}, ResultPath="$.plan", Next="Route"),
        "Route": {"Type": "Choice", "Default": "Empty", "Choices": [
            {"Variable": "$.plan.batches[0]", "IsPresent": True, "Next": "Process"}]},
        "Process": {"Type": "Map", "ItemsPath": "$.plan.batches", "MaxConcurrency": 10, "ResultPath": "$.results",
                    "ItemSelector": {"id.$": "$$.Map.Item.Index", "size.$": "$$.Map.Item.Value.bytes"},
                    "ResultSelector": {"count.$": "States.ArrayLength($)", "ids.$": "$[*].id"},
                    "ItemProcessor": item, "Next": "Done",
                    "Catch": [{"ErrorEquals": ["Batch.TooBig"], "ResultPath": "$.failure", "Next": "Notify"}]},
        "Notify": pass_state(Parameters={"message.$": "States.Format('{}: {}', $.failure.Error, $.failure.Cause)"}, Next="Failed"),
        "Failed": {"Type": "Fail", "Error": "Import.Failed", "CausePath": "$.message"},
        "Empty": {"Type": "Succeed", "OutputPath": "$.plan"},
        "Done": pass_state(OutputPath="$.results"),
    })
    both = machine({"P": parallel(
        [branch({"A": pass_state(Parameters={"a.$": "$.x"})}), branch({"W": {"Type": "Wait", "Seconds": 0, "Next": "B"},
                                                                       "B": pass_state(Result=[1, 2], ResultPath="$.b")})],
        ResultSelector={"first.$": "$[0].a", "second.$": "$[1].b"}, ResultPath="$.out", OutputPath="$.out")})
    nested_catch = machine({
        "Outer": parallel([branch({"Inner": parallel([FAILING], Catch=[{"ErrorEquals": ["Other"], "Next": "Never"}]),
                                   "Never": pass_state()})],
                          Catch=[{"ErrorEquals": ["Custom.Error"], "ResultPath": "$.caught", "Next": "After"}]),
        "After": pass_state(OutputPath="$.caught.Cause")})
    return [
        Case("flow-combined-route-ok", route, {"batches": [{"bytes": 10}, {"bytes": 20}]}),
        Case("flow-combined-route-empty", route, {"batches": []}),
        Case("flow-combined-route-fail", route, {"batches": [{"bytes": 10}, {"bytes": 200}]}),
        Case("flow-combined-parallel", both, {"x": "X"}),
        Case("flow-combined-nested-catch", nested_catch, {"v": 1}),
        Case("flow-catch-resultpath-into-string", machine({
            "P": parallel([FAILING], Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.s.err", "Next": "C"}]),
            "C": pass_state()}), {"s": "text"}),
    ]


CASES: list[Case] = [*_combined_cases(), *_parallel_cases(), *_catch_cases(), *_retry_cases(), *_map_cases(), *_variable_cases(), *_wait_cases()]
