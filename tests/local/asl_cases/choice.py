"""Choice rules: every operator and its Path variant over a matrix of operand pairs (matching and
mismatching types), the type tests, StringMatches patterns, And/Or/Not and the error cases."""

from __future__ import annotations

from typing import Any

from tests.local.asl_cases import Case, machine, pass_state

_T1, _T2 = "2024-01-01T00:00:00Z", "2024-01-02T12:30:00.250Z"
_T1_OFFSET = "2024-01-01T01:00:00+01:00"  # the same instant as _T1
_RELATIONS = ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")

PAIRS: dict[str, list[tuple[Any, Any]]] = {
    "String": [("a", "b"), ("b", "a"), ("a", "a"), ("", "a"), ("B", "a"), ("a", 1), (None, "a"), ("10", "9")],
    "Numeric": [(1, 2), (2, 1), (1, 1), (1.5, 1), (1, 1.0), (-1, 0), ("1", 1), (True, 1), (1e3, 999.5)],
    "Timestamp": [(_T1, _T2), (_T2, _T1), (_T1, _T1), (_T1_OFFSET, _T1), ("2024-01-01", _T1), (1, _T1)],
}
BOOLEAN_PAIRS = [(True, True), (True, False), (False, False), (1, True), ("true", True), (None, False)]
MATCHES = [("abc", "a*"), ("abc", "*c"), ("abc", "a*d"), ("a*c", "a\\*c"), ("abc", "a\\*c"), ("", "*"),
           ("log-2024.txt", "log-*.txt"), ("ab", "a*b*"), ("x", "X"), (5, "*")]
TYPE_VALUES: dict[str, Any] = {"null": None, "int": 1, "float": 1.5, "string": "s", "bool": True,
                               "timestamp": _T1, "object": {}, "array": [1], "badtime": "2024-13-01T00:00:00Z"}
TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")


def chooser(rule: dict[str, Any], default: bool = True) -> dict[str, Any]:
    states: dict[str, Any] = {
        "C": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], **({"Default": "No"} if default else {})},
        "Yes": pass_state(Result={"took": "yes"}),
        "No": pass_state(Result={"took": "no"}),
    }
    return machine(states)


def _slug(value: Any) -> str:
    return str(value).replace(" ", "").replace(":", "")[:24]


def _operator_cases() -> list[Case]:
    cases = []
    for kind, pairs in PAIRS.items():
        for relation in _RELATIONS:
            op = kind + relation
            path_def = chooser({"Variable": "$.l", f"{op}Path": "$.r"})
            for i, (left, right) in enumerate(pairs):
                cases.append(Case(f"choice-{op}Path-{i}", path_def, {"l": left, "r": right}))
            # literal operand: one definition per distinct right-hand literal of the valid pairs
            for right in (pairs[0][1],):  # the first pair's operand as a literal
                literal_def = chooser({"Variable": "$.l", op: right})
                for j, (left, _) in enumerate(pairs):
                    cases.append(Case(f"choice-{op}-{_slug(right)}-{j}", literal_def, {"l": left}))
    path_def = chooser({"Variable": "$.l", "BooleanEqualsPath": "$.r"})
    for i, (left, right) in enumerate(BOOLEAN_PAIRS):
        cases.append(Case(f"choice-BooleanEqualsPath-{i}", path_def, {"l": left, "r": right}))
    for literal in (True, False):
        literal_def = chooser({"Variable": "$.l", "BooleanEquals": literal})
        for i, (left, _) in enumerate(BOOLEAN_PAIRS):
            cases.append(Case(f"choice-BooleanEquals-{literal}-{i}", literal_def, {"l": left}))
    for i, (value, pattern) in enumerate(MATCHES):
        cases.append(Case(f"choice-StringMatches-{i}", chooser({"Variable": "$.l", "StringMatches": pattern}), {"l": value}))
    return cases


def _type_cases() -> list[Case]:
    cases = []
    for test in TESTS:
        for expected in (True, False):
            definition = chooser({"Variable": "$.v", test: expected})
            for name, value in TYPE_VALUES.items():
                cases.append(Case(f"choice-{test}-{expected}-{name}", definition, {"v": value}))
            if test == "IsPresent":
                cases.append(Case(f"choice-{test}-{expected}-missing", definition, {}))
    return cases


def _logic_cases() -> list[Case]:
    between = {"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 10},
                       {"Variable": "$.n", "NumericLessThan": 20}]}
    either = {"Or": [{"Variable": "$.s", "StringEquals": "x"}, {"Not": {"Variable": "$.n", "IsNumeric": True}}]}
    nested = {"Not": {"And": [{"Variable": "$.s", "IsPresent": True}, {"Or": [
        {"Variable": "$.s", "StringMatches": "a*"}, {"Variable": "$.b", "BooleanEquals": True}]}]}}
    cases = []
    for name, rule in (("and", between), ("or", either), ("nested", nested)):
        definition = chooser(rule)
        for i, value in enumerate([{"n": 15, "s": "x", "b": False}, {"n": 5, "s": "abc", "b": True},
                                   {"n": 25, "s": "y", "b": True}, {"n": "15", "s": "x", "b": False},
                                   {"n": 10, "s": "b", "b": False}]):
            cases.append(Case(f"choice-logic-{name}-{i}", definition, value))
    ordered = machine({
        "C": {"Type": "Choice", "Default": "D", "Choices": [
            {"Variable": "$.n", "NumericGreaterThan": 1, "Next": "A"},
            {"Variable": "$.n", "NumericGreaterThan": 0, "Next": "B"}]},
        "A": pass_state(Result={"took": "a"}), "B": pass_state(Result={"took": "b"}), "D": pass_state(Result={"took": "d"})})
    for n in (2, 1, 0):
        cases.append(Case(f"choice-order-{n}", ordered, {"n": n}))
    return cases


def _error_cases() -> list[Case]:
    no_default = chooser({"Variable": "$.v", "StringEquals": "x"}, default=False)
    cases = [
        Case("choice-nomatch-nodefault", no_default, {"v": "y"}),
        Case("choice-nomatch-default", chooser({"Variable": "$.v", "StringEquals": "x"}), {"v": "y"}),
        Case("choice-missing-variable", chooser({"Variable": "$.missing", "StringEquals": "x"}), {"v": "y"}),
        Case("choice-missing-operand-path", chooser({"Variable": "$.v", "StringEqualsPath": "$.nope"}), {"v": "y"}),
        Case("choice-istype-missing", chooser({"Variable": "$.missing", "IsString": True}), {}),
        Case("choice-input-output-path", machine({
            "C": {"Type": "Choice", "InputPath": "$.inner", "OutputPath": "$.keep",
                  "Choices": [{"Variable": "$.go", "BooleanEquals": True, "Next": "E"}], "Default": "E"},
            "E": {"Type": "Succeed"}}), {"inner": {"go": True, "keep": {"k": 1}}}),
        Case("choice-context-variable", chooser({"Variable": "$$.State.Name", "StringEquals": "C"}), {}),
        Case("choice-nested-variable", chooser({"Variable": "$.a.b[1]", "NumericEquals": 2}), {"a": {"b": [1, 2]}}),
    ]
    return cases


CASES: list[Case] = [*_operator_cases(), *_type_cases(), *_logic_cases(), *_error_cases()]
