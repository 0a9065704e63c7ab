"""Path processing: InputPath, Parameters, ResultSelector, ResultPath and OutputPath combinations, the
JSONPath forms ASL allows, the context object and the failure of each step."""

from __future__ import annotations

from typing import Any

from tests.local.asl_cases import Case, machine, pass_state

DOC: dict[str, Any] = {
    "a": {"b": {"c": 1}, "list": [10, 20, 30]},
    "items": [{"id": 1, "price": 5, "tag": "x"}, {"id": 2, "price": 15}, {"id": 3, "price": 25, "tag": "y"}],
    "odd key": "spaced",
    "n": None,
    "s": "str",
}

SELECTORS = [
    "$", "$.a", "$.a.b.c", "$['a']['b']", "$['odd key']", "$.a.list[0]", "$.a.list[2]", "$.a.list[-1]",
    "$.items[*].id", "$.items[*]", "$.a.list[0:2]", "$.a.list[1:]", "$.a.list[:2]", "$..c", "$..id", "$.a.*",
    "$.items[?(@.price > 10)]", "$.items[?(@.price <= 15)].id", "$.items[?(@.tag)].id", "$.items[?(@.tag == 'y')]",
    "$.items[0,2].id", "$.n", "$.s", "$.missing", "$.a.missing", "$.a.list[5]", "$.s.x",
]


def _selector_cases() -> list[Case]:
    cases = []
    for i, path in enumerate(SELECTORS):
        cases.append(Case(f"path-inputpath-{i:02d}", machine({"P": pass_state(InputPath=path)}), DOC))
        cases.append(Case(f"path-parameters-{i:02d}", machine({"P": pass_state(Parameters={"v.$": path, "k": "lit"})}), DOC))
        cases.append(Case(f"path-outputpath-{i:02d}", machine({"P": pass_state(OutputPath=path)}), DOC))
    return cases


RESULT_PATHS = ["$", "$.r", "$.a.r", "$.new.deep.r", "$.a.b", "$.a.list", "$.s.r", "$.a.list[0]", None]


def _result_path_cases() -> list[Case]:
    cases = []
    for i, path in enumerate(RESULT_PATHS):
        cases.append(Case(f"path-resultpath-{i:02d}", machine({"P": pass_state(Result={"res": True}, ResultPath=path)}), DOC))
    for i, payload in enumerate([[1, 2], "text", 7]):
        cases.append(Case(f"path-resultpath-nonobject-{i}", machine({"P": pass_state(Result="r", ResultPath="$.x")}), payload))
    return cases


def _combo_cases() -> list[Case]:
    combos = [
        {"InputPath": "$.a", "Parameters": {"first.$": "$.list[0]", "whole.$": "$"}, "ResultPath": "$.out", "OutputPath": "$.out"},
        {"InputPath": "$.a", "ResultPath": "$.copy", "OutputPath": "$.copy.b"},
        {"InputPath": None, "ResultPath": "$.x"},
        {"OutputPath": None},
        {"InputPath": "$.a.b", "Parameters": {"nested": {"c.$": "$.c", "list": [1, {"deep.$": "$"}]}}},
        {"Parameters": {"ctx.$": "$$.State.Name", "exec.$": "$$.Execution.Name", "sm.$": "$$.StateMachine.Name",
                        "input.$": "$$.Execution.Input.s", "role.$": "$$.Execution.RoleArn",
                        "id.$": "$$.Execution.Id", "smid.$": "$$.StateMachine.Id"}},
        {"Parameters": {"v.$": "$.s", "v": "both"}},
        {"Parameters": {"plain.$": 5}},
        {"Result": {"r.$": "$.s"}, "ResultPath": "$.res"},
        {"Parameters": {"arr": ["$.s", {"x.$": "$.s"}]}},
        {"Parameters": {"ctxall.$": "$$.Map"}},
        {"Parameters": {"retry.$": "$$.State.RetryCount"}},
    ]
    # A failing $$ path quotes the whole context object, whose timestamps differ between the two runs.
    return [Case(f"path-combo-{i:02d}", machine({"P": pass_state(**c)}), DOC, check_cause="ctxall.$" not in c.get("Parameters", {}))
            for i, c in enumerate(combos)]


def _result_selector_cases() -> list[Case]:
    selectors = [
        {"count.$": "States.ArrayLength($)", "first.$": "$[0]"},
        {"all.$": "$[*].v"},
        {"missing.$": "$[5]"},
        {"static": 1, "ctx.$": "$$.State.Name"},
    ]
    cases = []
    for i, selector in enumerate(selectors):
        definition = machine({"M": {"Type": "Map", "ItemsPath": "$.xs", "ResultSelector": selector, "ResultPath": "$.out",
                                    "ItemProcessor": {"StartAt": "I", "States": {"I": pass_state(Parameters={"v.$": "$"})}},
                                    "End": True}})
        cases.append(Case(f"path-resultselector-{i}", definition, {"xs": [1, 2, 3]}))
        par = machine({"P": {"Type": "Parallel", "ResultSelector": selector, "End": True,
                             "Branches": [{"StartAt": "B", "States": {"B": pass_state(Parameters={"v.$": "$.s"})}}]}})
        cases.append(Case(f"path-resultselector-parallel-{i}", par, DOC))
    return cases


def _chain_cases() -> list[Case]:
    chain = machine({
        "One": pass_state(Result={"k": 1}, ResultPath="$.one", Next="Two"),
        "Two": pass_state(Parameters={"k.$": "$.one.k", "orig.$": "$.s"}, ResultPath="$.two", Next="Three"),
        "Three": pass_state(InputPath="$.two", OutputPath="$.orig"),
    })
    return [Case("path-chain-0", chain, DOC), Case("path-chain-1", chain, {"s": ["x"]})]


CASES: list[Case] = [*_selector_cases(), *_result_path_cases(), *_combo_cases(), *_result_selector_cases(), *_chain_cases()]
