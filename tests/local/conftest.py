"""Fixtures for the local runtime suites: moto's Step Functions interpreter as the reference.

``moto_outcomes`` runs every conformance case through moto once per session, in-process
(``mock_aws`` with ``execute_state_machine``): one state machine per distinct definition, all
executions started first and then collected, so moto's real sleeps (retry intervals, waits) overlap.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.local.asl_cases import Case, Outcome, all_cases

ROLE_ARN = "arn:aws:iam::123456789012:role/lockgate-conformance"
_POLL_SECONDS = 120.0
_STALLED_SECONDS = 20.0
REJECTED = "REJECTED_DEFINITION:"
"""The status recorded when moto's CreateStateMachine rejects a definition AWS accepts."""


_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": None, "AWS_ENDPOINT_URL_SFN": None}


@contextmanager
def aws_credentials() -> Iterator[str]:
    """Dummy credentials and a region for in-process moto, and no endpoint override (which would bypass
    ``mock_aws``); the environment is restored on exit, so other suites keep their own settings."""
    saved = {k: os.environ.get(k) for k in _ENV}
    for key, value in _ENV.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    try:
        yield str(_ENV["AWS_DEFAULT_REGION"])
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def machine_name(index: int) -> str:
    return f"conformance-{index:04d}"


def run_in_moto(cases: list[Case], region: str) -> dict[str, tuple[Outcome, dict[str, str]]]:
    """Each case's moto outcome plus the identity (names, ARNs) its execution had."""
    import boto3
    from botocore.exceptions import ClientError
    from moto import mock_aws

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        client = boto3.client("stepfunctions", region_name=region)
        machines: dict[str, tuple[str, str]] = {}
        started: dict[str, tuple[str, dict[str, str]]] = {}
        outcomes: dict[str, tuple[Outcome, dict[str, str]]] = {}
        for index, case in enumerate(cases):
            text = json.dumps(case.definition, sort_keys=True)
            if text not in machines:
                name = machine_name(len(machines))
                try:
                    arn = client.create_state_machine(name=name, definition=json.dumps(case.definition), roleArn=ROLE_ARN)["stateMachineArn"]
                except ClientError as exc:  # moto rejected the definition
                    arn = f"{REJECTED}{exc.response['Error'].get('Message', '')}"
                machines[text] = (name, arn)
            name, arn = machines[text]
            if arn.startswith(REJECTED):
                outcomes[case.id] = (Outcome(REJECTED, None, None, arn.removeprefix(REJECTED)), {})
                continue
            execution = f"case-{index:05d}"
            response = client.start_execution(stateMachineArn=arn, name=execution, input=json.dumps(case.input))
            started[case.id] = (response["executionArn"], {"name": execution, "state_machine_name": name, "state_machine_arn": arn})
        deadline = time.monotonic() + _POLL_SECONDS
        progress = time.monotonic()
        while len(outcomes) < len(cases) and time.monotonic() < deadline:
            if time.monotonic() - progress > _STALLED_SECONDS:
                break  # the rest is stuck (see below), not slow: no case finished for a while
            for case_id, (execution_arn, identity) in started.items():
                if case_id in outcomes:
                    continue
                described = client.describe_execution(executionArn=execution_arn)
                if described["status"] != "RUNNING":
                    outcomes[case_id] = (_outcome(described), identity)
                    progress = time.monotonic()
            time.sleep(0.05)
        # moto runs every execution in a thread of its own, and its ASL preprocessor is not thread-safe:
        # under load an execution's thread can die in the parser (IndexError in
        # _get_current_query_language) and stay RUNNING for ever. Such a case runs again, alone.
        by_id = {c.id: c for c in cases}
        for case_id, (_, identity) in started.items():
            if case_id in outcomes:
                continue
            case = by_id[case_id]
            execution = f"{identity['name']}-alone"
            response = client.start_execution(stateMachineArn=identity["state_machine_arn"], name=execution,
                                              input=json.dumps(case.input))
            alone = {**identity, "name": execution}
            deadline = time.monotonic() + _POLL_SECONDS
            while time.monotonic() < deadline:
                described = client.describe_execution(executionArn=response["executionArn"])
                if described["status"] != "RUNNING":
                    outcomes[case_id] = (_outcome(described), alone)
                    break
                time.sleep(0.05)
    return outcomes


def _outcome(described: dict[str, Any]) -> Outcome:
    output = described.get("output") if described["status"] == "SUCCEEDED" else None
    try:
        value = json.loads(output) if output else None
    except json.JSONDecodeError:  # moto can emit non-JSON text (e.g. Python reprs); keep it visible
        value = {"unparsable moto output": output}
    return Outcome(described["status"], value,
                   described.get("error"), described.get("cause"))


@pytest.fixture(scope="session")
def moto_outcomes() -> dict[str, tuple[Outcome, dict[str, str]]]:
    with aws_credentials() as region:
        return run_in_moto(all_cases(), region)
