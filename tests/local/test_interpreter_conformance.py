"""Differential conformance: every case runs through the local interpreter and through moto's Step
Functions interpreter; status, output, error and cause must be equal. Where moto is wrong, the case
carries the AWS result and the specification text deciding it (docs/local-runtime.md lists them)."""

from __future__ import annotations

import pytest

from orchestration.local import ExecutionContext, InvalidDefinitionError, execute
from tests.local.asl_cases import Case, Outcome, all_cases
from tests.local.asl_cases.divergences import DIVERGENCES, TIMESTAMP_DIVERGENT, aws_view
from tests.local.conftest import REJECTED, ROLE_ARN

CASES = all_cases()


def run_local(case: Case, identity: dict[str, str]) -> Outcome:
    context = ExecutionContext(name=identity.get("name", "rejected"),
                               state_machine_name=identity.get("state_machine_name", "rejected"),
                               state_machine_arn=identity.get("state_machine_arn"), role_arn=ROLE_ARN)
    try:
        result = execute(case.definition, case.input, context=context)
    except InvalidDefinitionError:
        return Outcome(REJECTED)
    return Outcome(result.status, result.output, result.error, result.cause)


def comparable(outcome: Outcome, case: Case) -> Outcome:
    if outcome.status == REJECTED:  # both reject the definition; the messages are each tool's own
        return Outcome(REJECTED)
    return outcome if case.check_cause else Outcome(outcome.status, outcome.output, outcome.error, None)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_local_matches_reference(case: Case, moto_outcomes: dict[str, tuple[Outcome, dict[str, str]]]) -> None:
    assert case.id in moto_outcomes, f"moto did not finish case {case.id}"
    raw_reference, identity = moto_outcomes[case.id]
    reference = aws_view(raw_reference)
    local = run_local(case, identity)
    if case.aws is None:
        assert comparable(local, case) == comparable(reference, case)
    else:
        assert comparable(local, case) == comparable(case.aws, case), case.spec
        # Keep the divergence list honest: once moto agrees with AWS, the case must become a plain one.
        assert comparable(raw_reference, case) != comparable(case.aws, case), f"moto now agrees with AWS on {case.id}"


def test_every_divergence_names_an_existing_case() -> None:
    ids = {c.id for c in CASES}
    assert (set(DIVERGENCES) | TIMESTAMP_DIVERGENT) <= ids
    assert all(c.spec for c in CASES if c.aws is not None)


def test_suite_is_large_and_covers_every_area() -> None:
    prefixes = {c.id.split("-", 1)[0] for c in CASES}
    assert {"choice", "intrinsic", "path", "flow", "validation", "jsonata"} <= prefixes
    assert len(CASES) >= 300
