"""Runtime validation: values read from the input that do not fit their field (SecondsPath resolving to
1.5 or -1.5, a TimestampPath that is no timestamp, MaxConcurrencyPath/ToleratedFailure*Path out of
range or not numbers, ItemsPath not an array), and the intrinsic corner cases AWS accepts
(States.Format with an object or array argument, States.StringToJson of an empty or blank string).
moto's interpreter checks these with the causes Step Functions gives, so moto is the reference.

Not here, on purpose: null and boolean values (moto prints Python's ``None`` and treats ``true`` as 1)
and timestamps with a numeric offset (moto rejects them; AWS's cause names the ISO-8601 *offset*
date-time format, so the local runtime accepts them)."""

from __future__ import annotations

from typing import Any

from tests.local.asl_cases import Case, machine, pass_state

_INNER = {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}
_DISTRIBUTED = {"StartAt": "I", "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "States": {"I": {"Type": "Pass", "End": True}}}


def _wait(**fields: Any) -> dict[str, Any]:
    return machine({"W": {"Type": "Wait", "End": True, **fields}})


def _map(**fields: Any) -> dict[str, Any]:
    return machine({"M": {"Type": "Map", "ItemProcessor": _INNER, "ItemsPath": "$.items", "End": True, **fields}})


def _distributed(**fields: Any) -> dict[str, Any]:
    return machine({"M": {"Type": "Map", "ItemProcessor": _DISTRIBUTED, "ItemsPath": "$.items", "End": True, **fields}})


def _cases() -> list[Case]:
    cases = [Case(f"validation-secondspath-{i}", _wait(SecondsPath="$.s"), {"s": value})
             for i, value in enumerate([1.5, -1.5, -1, 0, 2, "x", "3"])]
    cases.append(Case("validation-secondspath-missing", _wait(SecondsPath="$.nope"), {}))
    cases += [Case(f"validation-timestamppath-{i}", _wait(TimestampPath="$.t"), {"t": value})
              for i, value in enumerate(["bad", "2024-01-01", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00.5Z"])]
    cases.append(Case("validation-timestamppath-missing", _wait(TimestampPath="$.nope"), {}))
    cases += [Case(f"validation-maxconcurrencypath-{i}", _map(MaxConcurrencyPath="$.m"), {"m": value, "items": [1, 2]})
              for i, value in enumerate(["x", "2", 1.5, -1, 0, 3])]
    cases.append(Case("validation-maxconcurrencypath-missing", _map(MaxConcurrencyPath="$.nope"), {"items": [1]}))
    cases += [Case(f"validation-toleratedpercentagepath-{i}", _distributed(ToleratedFailurePercentagePath="$.p"),
                   {"p": value, "items": [1]}) for i, value in enumerate([-1, 101, 50, 100, "x", "5", 1.5])]
    cases += [Case(f"validation-toleratedcountpath-{i}", _distributed(ToleratedFailureCountPath="$.c"),
                   {"c": value, "items": [1]}) for i, value in enumerate([-1, 1.5, "x", "2", 0])]
    # AWS fails with States.QueryEvaluationError; moto's cause ends in a Python class name, so only the
    # status and the error are compared.
    cases += [Case(f"validation-itemspath-not-array-{i}", _map(), {"items": value}, check_cause=False)
              for i, value in enumerate([{"a": 1}, "s", 3])]
    cases.append(Case("validation-itemspath-missing", _map(ItemsPath="$.nope"), {}))
    data = {"o": {"a": 1, "b": [1, "x", {"c": None}], "d": "s"}, "l": [1, "two", True], "n": 1.5, "e": {}}
    cases += [Case(f"validation-format-{name}", machine({"P": pass_state(Parameters={"r.$": f"States.Format('v={{}}', $.{name})"})}), data)
              for name in ("o", "l", "n", "e")]
    cases += [Case(f"validation-stringtojson-blank-{i}", machine({"P": pass_state(Parameters={"r.$": "States.StringToJson($.s)"})}),
                   {"s": text}) for i, text in enumerate(["", "  ", "\n\t"])]
    return cases


CASES = _cases()
