"""Fault injection with the Step Functions Local mock-config format drives Retry and Catch locally."""

from __future__ import annotations

import json

import pytest

from orchestration.core.errors import ConfigError
from orchestration.local import execute
from orchestration.local.mockconfig import MockConfig
from tests.runtime.conftest import functions

FN = "arn:aws:lambda:eu-central-1:123456789012:function:echo"
TOPIC = "arn:aws:sns:eu-central-1:123456789012:lockgate-failures"

DEFINITION = {
    "StartAt": "Flaky",
    "States": {
        "Flaky": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": FN, "Payload": {"step": "flaky"}},
                  "Retry": [{"ErrorEquals": ["Lockgate.TransientError"], "IntervalSeconds": 5, "MaxAttempts": 3}],
                  "ResultSelector": {"flaky.$": "$.Payload"}, "Next": "Boom",
                  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify"}]},
        "Boom": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                 "Parameters": {"FunctionName": FN, "Payload": {"step": "boom"}}, "Next": "Done",
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify"}]},
        "Done": {"Type": "Succeed"},
        "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                   "Parameters": {"TopicArn": TOPIC, "Subject": "import failed",
                                  "Message": {"error.$": "$.error.Error", "cause.$": "$.error.Cause"}},
                   "ResultPath": None, "Next": "Failed"},
        "Failed": {"Type": "Fail", "Error": "Lockgate.ImportFailed"},
    },
}

CONFIG = {
    "StateMachines": {"lockgate-demo": {"TestCases": {
        "RetryThenCatch": {"Flaky": "TransientTwice", "Boom": "AlwaysBroken"},
        "HappyPath": {},
    }}},
    "MockedResponses": {
        "TransientTwice": {"0-1": {"Throw": {"Error": "Lockgate.TransientError", "Cause": "S3 answered 503"}}},
        "AlwaysBroken": {"0": {"Throw": {"Error": "Lockgate.QualityError", "Cause": "too many rejects"}}},
    },
}


def test_a_state_failing_twice_with_a_retryable_error_then_succeeds_and_a_catch_path_runs(make_resolver, lake):
    case = MockConfig.parse(CONFIG).test_case(["lockgate-demo"], "RetryThenCatch")
    resolver = make_resolver(functions(echo=("echo", 256, 30)), test_case=case)
    result = execute(DEFINITION, {}, resolver=resolver)

    assert result.status == "FAILED" and result.error == "Lockgate.ImportFailed"
    flaky = [c for c in resolver.calls if c.state == "Flaky"]
    assert [(c.attempt, c.mocked, c.error) for c in flaky] == [
        (1, True, "Lockgate.TransientError"), (2, True, "Lockgate.TransientError"), (3, False, None)]
    assert len(resolver.lambdas.invocations) == 1  # the third attempt ran the real function
    messages = resolver.sns.messages(TOPIC)
    assert len(messages) == 1
    assert json.loads(messages[0]["Message"]) == {"error": "Lockgate.QualityError", "cause": "too many rejects"}
    assert (lake / "_outbox" / "lockgate-failures").is_dir()
    retried = [e for e in result.events if e["type"] == "TaskFailed"]
    assert len(retried) == 3


def test_states_a_test_case_does_not_name_call_their_real_service(make_resolver):
    case = MockConfig.parse(CONFIG).test_case(["lockgate-demo"], "HappyPath")
    resolver = make_resolver(functions(echo=("echo", 256, 30)), test_case=case)
    result = execute(DEFINITION, {}, resolver=resolver)
    assert result.status == "SUCCEEDED", result.cause
    assert all(not c.mocked for c in resolver.calls)
    assert len(resolver.lambdas.invocations) == 2


def test_ranges_pick_the_entry_and_past_the_last_one_the_real_service_runs():
    config = MockConfig.parse({"StateMachines": {"m": {"TestCases": {"c": {"S": "R"}}}}, "MockedResponses": {
        "R": {"0": {"Return": {"n": 0}}, "1-2": {"Throw": {"Error": "E", "Cause": "c"}}, "3": {"Return": {"n": 3}}}}})
    response = config.test_case(["x", "m"], "c").states["S"]
    assert response.for_invocation(0).returns == {"n": 0}
    assert response.for_invocation(1).error == response.for_invocation(2).error == "E"
    assert response.for_invocation(3).returns == {"n": 3}
    assert response.for_invocation(4) is None


@pytest.mark.parametrize(("responses", "message"), [
    ({"R": {"1": {"Return": 1}}}, "invocation 0 has no entry"),
    ({"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}, "exactly one of Return or Throw"),
    ({"R": {"0": {"Throw": {"Cause": "no error"}}}}, "Throw needs an Error"),
    ({"R": {"2-1": {"Return": 1}}}, "must count up"),
    ({}, "'R' is not defined in MockedResponses"),
])
def test_invalid_configs_name_the_place_and_the_fix(responses, message):
    with pytest.raises(ConfigError, match=message):
        MockConfig.parse({"StateMachines": {"m": {"TestCases": {"c": {"S": "R"}}}},
                          "MockedResponses": responses}).test_case(["m"], "c")


def test_unknown_state_machine_or_test_case_lists_what_exists():
    config = MockConfig.parse(CONFIG)
    with pytest.raises(ConfigError, match="found: lockgate-demo"):
        config.test_case(["lockgate-other"], "RetryThenCatch")
    with pytest.raises(ConfigError, match="found: HappyPath, RetryThenCatch"):
        config.test_case(["lockgate-demo"], "Nope")
    with pytest.raises(ConfigError, match="not a Task state"):
        config.test_case(["lockgate-demo"], "RetryThenCatch").check_states(["Boom"])
