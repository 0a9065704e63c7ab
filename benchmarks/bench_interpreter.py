"""Local ASL interpreter speed: pure-ASL throughput against moto's Step Functions interpreter measured in
the same run (target: at least 10x), and the interpreter's own cost per state transition (target: under
1 ms). The workloads are Pass chains, a Choice-driven counting loop and an intrinsic-heavy Pass; moto
runs the same definitions in-process (``mock_aws`` with ``execute_state_machine``) and is timed from
StartExecution until DescribeExecution reports the end.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from orchestration.local import execute

__all__ = ["WORKLOADS", "run"]

_INTRINSICS = {
    "fmt.$": "States.Format('{}-{}', $.name, States.ArrayLength($.items))",
    "parts.$": "States.ArrayPartition($.items, 2)",
    "hash.$": "States.Hash($.name, 'SHA-256')",
    "merged.$": "States.JsonMerge($.meta, States.StringToJson('{\"k\": 1}'), false)",
    "split.$": "States.StringSplit('a,b,c,d', ',')",
    "b64.$": "States.Base64Encode($.name)",
    "sum.$": "States.MathAdd($.n, 1)",
    "unique.$": "States.ArrayUnique($.items)",
}


def _pass_chain(length: int) -> dict[str, Any]:
    states = {f"P{i}": {"Type": "Pass", "Parameters": {"i": i, "v.$": "$.v"}, "Next": f"P{i + 1}"} for i in range(length)}
    states[f"P{length}"] = {"Type": "Succeed"}
    return {"StartAt": "P0", "States": states}


def _choice_loop(times: int) -> dict[str, Any]:
    return {"StartAt": "Init", "States": {
        "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.n", "Next": "Check"},
        "Check": {"Type": "Choice", "Default": "Done", "Choices": [
            {"And": [{"Variable": "$.n", "IsNumeric": True}, {"Variable": "$.n", "NumericLessThan": times}], "Next": "Step"}]},
        "Step": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)", "tag": "x"}, "Next": "Check"},
        "Done": {"Type": "Succeed"},
    }}


def _intrinsic_heavy(repeat: int) -> dict[str, Any]:
    states = {f"I{i}": {"Type": "Pass", "Parameters": _INTRINSICS, "ResultPath": "$.r", "Next": f"I{i + 1}"} for i in range(repeat)}
    states[f"I{repeat}"] = {"Type": "Succeed"}
    return {"StartAt": "I0", "States": states}


_INPUT = {"v": 1, "name": "lockgate", "items": [1, 2, 2, 3, 4], "meta": {"a": 1}, "n": 0}
WORKLOADS: dict[str, tuple[dict[str, Any], int]] = {
    # name -> (definition, state transitions per execution)
    "pass_chain_20": (_pass_chain(20), 21),
    "choice_loop_25": (_choice_loop(25), 1 + 25 * 2 + 2),
    "intrinsics_10": (_intrinsic_heavy(10), 11),
}


def _local_seconds(definition: dict[str, Any], runs: int) -> float:
    started = time.perf_counter()
    for _ in range(runs):
        result = execute(definition, _INPUT)
        assert result.status == "SUCCEEDED", (result.error, result.cause)
    return (time.perf_counter() - started) / runs


def _moto_seconds(runs: int) -> dict[str, float]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto import mock_aws

    out: dict[str, float] = {}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name="us-east-1")
        for name, (definition, _) in WORKLOADS.items():
            arn = client.create_state_machine(name=f"bench-{name}", definition=json.dumps(definition),
                                              roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"]
            total = 0.0
            for index in range(runs):
                started = time.perf_counter()
                execution = client.start_execution(stateMachineArn=arn, name=f"r{index}", input=json.dumps(_INPUT))
                while (status := client.describe_execution(executionArn=execution["executionArn"])["status"]) == "RUNNING":
                    time.sleep(0.0005)
                total += time.perf_counter() - started
                assert status == "SUCCEEDED", status
            out[name] = total / runs
    return out


def run() -> list[dict[str, Any]]:
    local_runs, moto_runs = 30, 5
    moto = _moto_seconds(moto_runs)
    rows: list[dict[str, Any]] = []
    worst_ms = 0.0
    ratios = []
    for name, (definition, transitions) in WORKLOADS.items():
        execute(definition, _INPUT)  # warm caches (path and intrinsic parsing)
        local = _local_seconds(definition, local_runs)
        ratio = moto[name] / local
        ratios.append(ratio)
        per_transition_ms = local * 1000 / transitions
        worst_ms = max(worst_ms, per_transition_ms)
        rows.append({"benchmark": f"interpreter {name}", "metric": "speed-up vs moto (x)", "value": round(ratio, 1),
                     "target": ">= 10", "ok": ratio >= 10})
        rows.append({"benchmark": f"interpreter {name}", "metric": "ms per state transition", "value": round(per_transition_ms, 3),
                     "target": "< 1", "ok": per_transition_ms < 1})
    rows.append({"benchmark": "interpreter (all workloads)", "metric": "min speed-up vs moto (x)", "value": round(min(ratios), 1),
                 "target": ">= 10", "ok": min(ratios) >= 10})
    rows.append({"benchmark": "interpreter (all workloads)", "metric": "max ms per state transition", "value": round(worst_ms, 3),
                 "target": "< 1", "ok": worst_ms < 1})
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
