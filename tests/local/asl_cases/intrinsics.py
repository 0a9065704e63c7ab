"""Intrinsic functions: argument matrices through input paths (one definition per call shape), literal
arguments, nesting, escapes and the argument errors (States.IntrinsicFailure)."""

from __future__ import annotations

import zlib
from typing import Any

from tests.local.asl_cases import Case, machine, pass_state


def call(expression: str) -> dict[str, Any]:
    return machine({"P": pass_state(Parameters={"r.$": expression})})


# expression -> list of inputs
MATRIX: dict[str, list[dict[str, Any]]] = {
    "States.Format($.t, $.a)": [{"t": "x{}y", "a": v} for v in ("s", 1, 2.5, True, None, -0.5, 10000000)]
    + [{"t": "{}{}", "a": 1}, {"t": "none", "a": 1}, {"t": 5, "a": 1}],
    "States.Format($.t)": [{"t": "plain"}, {"t": "{}"}],
    "States.StringToJson($.s)": [{"s": s} for s in ('{"a":1}', "[1,2]", "1", '"x"', "null", "{bad")]
    + [{"s": 1}],
    "States.JsonToString($.v)": [{"v": v} for v in ({"a": [1, {"b": None}]}, [1, "2"], "s", 1.5, None, True)],
    "States.Array($.a, $.b)": [{"a": 1, "b": "x"}, {"a": [1], "b": {"k": None}}, {"a": None, "b": True}],
    "States.ArrayPartition($.a, $.n)": [{"a": list(range(7)), "n": n} for n in (1, 2, 3, 7, 10, 0, -1, "2")]
    + [{"a": [], "n": 2}, {"a": "notarray", "n": 2}],
    "States.ArrayContains($.a, $.v)": [{"a": [1, "1", None, {"k": 1}, [2]], "v": v} for v in (1, "1", None, {"k": 1}, [2], 3, True, 1.0)]
    + [{"a": "x", "v": 1}],
    "States.ArrayRange($.s, $.e, $.p)": [{"s": s, "e": e, "p": p} for s, e, p in (
        (1, 9, 2), (0, 10, 3), (1, 1, 1), (1, 0, 1), (0, 999, 1), (0, 1000, 1), (1, 5, 0), ("1", 5, 1))],
    "States.ArrayGetItem($.a, $.i)": [{"a": ["x", "y", "z"], "i": i} for i in (0, 2, 3, 1.5, "1")] + [{"a": {}, "i": 0}],
    "States.ArrayLength($.a)": [{"a": a} for a in ([], [1, 2, 3], [[1], [2]], "abc", None)],
    "States.ArrayUnique($.a)": [{"a": a} for a in ([1, 2, 1, "1", None, None], [{"a": 1}, {"a": 1}, [1], [1]], [], [True, 1, False, 0], "x")],
    "States.Base64Encode($.s)": [{"s": s} for s in ("Data to encode", "", 5, "a" * 10000, "a" * 10001)],
    "States.Base64Decode($.s)": [{"s": s} for s in ("RGF0YSB0byBlbmNvZGU=", "", "not base64!", 5)],
    "States.Hash($.d, $.h)": [{"d": "input data", "h": h} for h in ("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512", "sha-256", "CRC32")]
    + [{"d": None, "h": "MD5"}, {"d": "a" * 10001, "h": "MD5"}],
    "States.JsonMerge($.a, $.b, false)": [{"a": {"x": 1, "n": {"p": 1}}, "b": {"y": 2, "n": {"q": 2}}}, {"a": {}, "b": {}},
                                          {"a": [1], "b": {}}, {"a": {"k": 1}, "b": "s"}],
    "States.JsonMerge($.a, $.b, true)": [{"a": {"x": 1}, "b": {"y": 2}}],
    "States.MathAdd($.a, $.b)": [{"a": a, "b": b} for a, b in (
        (1, 2), (-5, 3), (0, 0), (2147483647, 0), (1.5, 1), (2.5, 0), (-1.5, 0), ("1", 2), (None, 1))],
    "States.StringSplit($.s, $.d)": [{"s": s, "d": d} for s, d in (
        ("1,2,3", ","), ("This.is+a,test=string", ".+,="), ("a,,b", ","), (",a,", ","), ("", ","), ("a b", " "))]
    + [{"s": 1, "d": ","}, {"s": "a", "d": 1}],
    "States.ArrayLength(States.ArrayRange($.s, $.e, 1))": [{"s": 1, "e": 10}, {"s": 0, "e": 0}],
    "States.ArrayGetItem(States.StringSplit($.s, ','), $.i)": [{"s": "a,b,c", "i": 1}],
    "States.Format('{} has {} items', $.name, States.ArrayLength($.items))": [{"name": "box", "items": [1, 2]}],
    "States.JsonToString(States.JsonMerge($.a, States.StringToJson($.b), false))": [{"a": {"x": 1}, "b": '{"y":2}'}],
}

LITERALS: dict[str, dict[str, Any]] = {
    "States.Format('Hello, {}!', 'world')": {},
    "States.Format('esc \\{\\} {} \\\\ \\'q\\'', 1)": {},
    "States.Format('{} {} {}', 1, 'two', true)": {},
    "States.Format('{} {}', null, 2.75)": {},
    "States.Format('{}', $$.State.Name)": {},
    "States.Array(1, 'two', true, null, 3.5)": {},
    "States.Array()": {},
    "States.ArrayRange(1, 5, 1)": {},
    "States.ArrayPartition(States.Array(1, 2, 3, 4, 5), 2)": {},
    "States.ArrayContains(States.Array('a', 'b'), 'b')": {},
    "States.ArrayGetItem(States.Array(5, 6), 1)": {},
    "States.StringSplit('a.b', '.')": {},
    "States.MathAdd(-3, 5)": {},
    "States.Hash('', 'SHA-256')": {},
    "States.Base64Encode('x')": {},
    "States.StringToJson('{\"k\": [1, 2]}')": {},
    "States.JsonToString($)": {"a": 1},
    "States.ArrayLength($.l[*].v)": {"l": [{"v": 1}, {"v": 2}, {"x": 3}]},
    "States.Format('{}', $.missing)": {},
    "States.NoSuchFunction(1)": {},
    "States.ArrayLength()": {},
    "States.MathAdd(1)": {},
    "States.StringSplit('a')": {},
    "States.UUID(1)": {},
}

SHAPES: dict[str, list[dict[str, Any]]] = {
    # only the shape of random or generated values is comparable
    "States.ArrayLength(States.StringSplit(States.UUID(), '-'))": [{}],
    "States.ArrayContains(States.ArrayRange(1, 10, 1), States.MathRandom(1, 10))": [{}],
}


def _cases() -> list[Case]:
    cases = []
    for expression, inputs in {**MATRIX, **SHAPES}.items():
        definition = call(expression)
        name = expression.split("(", 1)[0].removeprefix("States.")
        for i, value in enumerate(inputs):
            cases.append(Case(f"intrinsic-{name}-{zlib.crc32(expression.encode()) % 10000:04d}-{i}", definition, value))
    for i, (expression, value) in enumerate(LITERALS.items()):
        name = expression.split("(", 1)[0].removeprefix("States.")
        cases.append(Case(f"intrinsic-literal-{i:02d}-{name}", call(expression), value))
    cases.append(Case("intrinsic-in-resultselector", machine({"M": {
        "Type": "Map", "ItemsPath": "$.xs", "ResultSelector": {"n.$": "States.ArrayLength($)", "s.$": "States.JsonToString($)"},
        "ItemProcessor": {"StartAt": "I", "States": {"I": pass_state()}}, "End": True}}), {"xs": [1, 2]}))
    cases.append(Case("intrinsic-in-fail-causepath", machine({"F": {
        "Type": "Fail", "ErrorPath": "States.Format('E.{}', $.code)", "CausePath": "States.JsonToString($.detail)"}}),
        {"code": 7, "detail": {"why": "x"}}))
    return cases


CASES: list[Case] = _cases()
