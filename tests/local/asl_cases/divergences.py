"""Where moto's Step Functions interpreter differs from AWS, and what AWS does instead.

Two kinds of correction, both listed with their justification in docs/local-runtime.md:

* ``aws_view`` rewrites moto outcomes where moto only formats something differently from AWS
  (applied to every reference outcome);
* ``DIVERGENCES`` names cases whose AWS result differs in substance; each carries the expected AWS
  outcome and the specification text that decides it. The conformance test also checks that moto
  still differs there, so the list shrinks when moto is fixed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from tests.local.asl_cases import Case, Outcome

__all__ = ["DIVERGENCES", "SPEC", "attach", "aws_view"]

SPEC: dict[str, str] = {
    "output-json": "DescribeExecution `output`: 'The JSON output data of the execution.' A string result is "
    "JSON text (\"str\"); moto returns the bare characters.",
    "compact-json": "AWS embeds the state input in Runtime causes as compact JSON (no blanks after ':' and ','); "
    "moto uses Python's json.dumps default separators.",
    "jayway-path": "AWS renders the path of 'No results for path' one bracket per segment ($['a']['b']); "
    "moto joins the segments into one name ($['a.b']).",
    "timestamp": "ASL spec, Choice Rules: timestamps conform to 'RFC3339 profile of ISO 8601, with the further "
    "restrictions that an uppercase T must separate the date and time portions, and an uppercase Z must denote "
    "that a numeric time zone offset is not present'. Fractional seconds and numeric offsets are valid, and "
    "timestamps compare as instants. moto fails on fractional seconds and compares offsets textually.",
    "type-mismatch": "ASL spec, Choice Rules: comparing values of different types ('String' operator against a "
    "number) does not match; the rule is false, not an error.",
    "string-matches-escape": "ASL spec, StringMatches: 'The wildcard character * can be escaped using \\\\' -> "
    "'a\\\\*c' matches the literal text 'a*c'.",
    "no-choice-matched": "ASL spec, Appendix A: 'States.NoChoiceMatched: A Choice state failed to find a match for "
    "the condition field extracted from its input.'",
    "choice-invalid-path": "AWS error handling: States.Runtime for a Choice rule whose Variable (or ...Path operand) "
    "selects nothing ('Invalid path ... The choice state's condition path references an invalid value'); only "
    "IsPresent tests for absence. moto silently treats the rule as false.",
    "intrinsic-failure": "ASL spec, Appendix A: 'States.IntrinsicFailure: Within a Payload Template, the attempt to "
    "invoke an Intrinsic Function failed.' moto surfaces Python exceptions as States.Runtime.",
    "format-count": "ASL spec, States.Format: 'There must be as many remaining arguments in the Intrinsic Function "
    "invocation as there are occurrences of {}.'",
    "intrinsic-literals": "ASL spec, Intrinsic Functions: arguments may be string literals, numbers (incl. decimals), "
    "true/false/null, paths and nested calls; '\\\\' escapes ', {, } and \\\\ in literals. moto's parser rejects "
    "decimal literals and fails on escapes.",
    "json-equality": "JSON (RFC 8259) distinguishes true from 1 and compares objects/arrays by value: "
    "ArrayContains/ArrayUnique must not treat true as 1 and must handle objects.",
    "result-path": "ASL spec, Appendix A: 'States.ResultPathMatchFailure: A state's ResultPath field cannot be "
    "applied to the input the state received.'",
    "retry-count": "AWS context object: $$.State has EnteredTime, Name and RetryCount (0 before any retry) for "
    "every state; moto omits RetryCount.",
    "variables": "AWS 'Passing data between states with variables': Assign sets variables visible to later states "
    "as $name; Assign is evaluated before OutputPath with the values from before the state; Map/Parallel children "
    "read outer variables but their own assignments stay inside; Catch Assign sees {Error, Cause} as $; an "
    "undefined variable is a States.Runtime error. moto's JSONPath variable support crashes ('NoneType' object "
    "is not callable).",
    "intrinsic-path-field": "A path argument inside an intrinsic that selects nothing is reported for the payload "
    "field that holds the call; moto names its internal class ('ArgumentJsonPath').",
    "jsonpath-definite": "ASL paths follow JsonPath (Jayway, which AWS uses): a single index, even negative, is a "
    "definite path and selects the value itself ($.list[-1] -> 30); a deep scan ($..c) is indefinite and always "
    "selects a list ([1]). moto inverts both.",
    "entered-event-id": "The Runtime cause names the event id at which the failing state was entered "
    "(ParallelStateEntered, #2); moto reports the id of the last event written.",
    "result-selector-field": "ResultSelector path failures name the field like Parameters failures do; moto's Map "
    "state drops the field name.",
}

_INPUT_JSON = re.compile(r"(in the input ')(.*)(')$", re.S)
_JAYWAY = re.compile(r"No results for path: \$\['([^']*)'\]")


def _compact(match: re.Match[str]) -> str:
    try:
        return match.group(1) + json.dumps(json.loads(match.group(2)), separators=(",", ":"), ensure_ascii=False) + match.group(3)
    except json.JSONDecodeError:
        return match.group(0)


def _jayway(match: re.Match[str]) -> str:
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", match.group(1))
    return "No results for path: $" + "".join(p if p.startswith("[") else f"['{p}']" for p in parts)


def aws_view(outcome: Outcome) -> Outcome:
    """moto's outcome with the formatting-only differences (output-json, compact-json, jayway-path) fixed."""
    output = outcome.output
    if isinstance(output, dict) and set(output) == {"unparsable moto output"}:
        output = output["unparsable moto output"]
    cause = outcome.cause
    if cause is not None:
        cause = _JAYWAY.sub(_jayway, _INPUT_JSON.sub(_compact, cause))
    return Outcome(outcome.status, output, outcome.error, cause)


def _took(yes: bool) -> Outcome:
    return Outcome("SUCCEEDED", {"took": "yes" if yes else "no"})


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _timestamp_oracle(case: Case) -> Outcome:
    rule = case.definition["States"]["C"]["Choices"][0]
    (op, operand), = [(k, v) for k, v in rule.items() if k.startswith("Timestamp")]
    left = _instant(case.input["l"])
    right = _instant(case.input["r"] if op.endswith("Path") else operand)
    relation = op.removeprefix("Timestamp").removesuffix("Path")
    if left is None or right is None:
        return _took(False)
    return _took({"Equals": left == right, "LessThan": left < right, "GreaterThan": left > right,
                  "LessThanEquals": left <= right, "GreaterThanEquals": left >= right}[relation])


_FAILED_RUNTIME = Outcome("FAILED", None, "States.Runtime")


def _runtime(cause: str) -> Outcome:
    return Outcome("FAILED", None, "States.Runtime", "An error occurred while executing the state " + cause)


_INTRINSIC = Outcome("FAILED", None, "States.IntrinsicFailure")
_RESULT_PATH = Outcome("FAILED", None, "States.ResultPathMatchFailure")

# case id -> (AWS outcome, SPEC key, compare cause?)
DIVERGENCES: dict[str, tuple[Outcome, str, bool]] = {
    **{f"choice-String{op}Path-5": (_took(False), "type-mismatch", True)
       for op in ("LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals")},
    "choice-StringMatches-3": (_took(True), "string-matches-escape", True),
    "choice-nomatch-nodefault": (Outcome("FAILED", None, "States.NoChoiceMatched"), "no-choice-matched", False),
    "choice-missing-variable": (_FAILED_RUNTIME, "choice-invalid-path", False),
    "choice-missing-operand-path": (_runtime("'C' (entered at the event id #2). Invalid path '$.nope': The choice state's "
                                             "condition path references an invalid value."), "choice-invalid-path", True),
    "choice-istype-missing": (_FAILED_RUNTIME, "choice-invalid-path", False),
    **{f"intrinsic-{name}": (_INTRINSIC, "intrinsic-failure", False) for name in (
        "Format-4895-7", "Format-4895-9", "Format-8012-1", "StringToJson-6159-5", "StringToJson-6159-6",
        "ArrayPartition-4188-5", "ArrayPartition-4188-6", "ArrayPartition-4188-7", "ArrayPartition-4188-9",
        "ArrayContains-4093-8", "ArrayRange-1363-5", "ArrayRange-1363-6", "ArrayRange-1363-7",
        "ArrayGetItem-0417-2", "ArrayGetItem-0417-3", "ArrayGetItem-0417-4", "ArrayGetItem-0417-5",
        "ArrayLength-1357-3", "ArrayLength-1357-4", "ArrayUnique-0187-4", "Base64Encode-0700-2",
        "Base64Encode-0700-4", "Base64Decode-2267-2", "Base64Decode-2267-3", "Hash-0233-5", "Hash-0233-6",
        "Hash-0233-7", "Hash-0233-8", "JsonMerge-2479-2", "JsonMerge-2479-3", "JsonMerge-3865-0",
        "MathAdd-1271-7", "MathAdd-1271-8", "StringSplit-1513-6", "StringSplit-1513-7")},
    "intrinsic-Format-4895-8": (_INTRINSIC, "format-count", False),
    "intrinsic-ArrayContains-4093-6": (Outcome("SUCCEEDED", {"r": False}), "json-equality", True),
    "intrinsic-ArrayUnique-0187-1": (Outcome("SUCCEEDED", {"r": [{"a": 1}, [1]]}), "json-equality", True),
    "intrinsic-ArrayUnique-0187-3": (Outcome("SUCCEEDED", {"r": [True, 1, False, 0]}), "json-equality", True),
    "intrinsic-literal-01-Format": (Outcome("SUCCEEDED", {"r": "esc {} 1 \\ 'q'"}), "intrinsic-literals", True),
    "intrinsic-literal-03-Format": (Outcome("SUCCEEDED", {"r": "null 2.75"}), "intrinsic-literals", True),
    "intrinsic-literal-05-Array": (Outcome("SUCCEEDED", {"r": [1, "two", True, None, 3.5]}), "intrinsic-literals", True),
    "intrinsic-literal-18-Format": (_runtime("'P' (entered at the event id #2). The JSONPath '$.missing' specified for the "
                                             "field 'r.$' could not be found in the input '{}'"), "intrinsic-path-field", True),
    "path-resultpath-06": (_RESULT_PATH, "result-path", False),
    **{f"path-resultpath-nonobject-{i}": (_RESULT_PATH, "result-path", False) for i in range(3)},
    "path-combo-11": (Outcome("SUCCEEDED", {"retry": 0}), "retry-count", True),
    "flow-combined-parallel": (Outcome("SUCCEEDED", {"first": "X", "second": [1, 2]}), "jsonpath-definite", True),
    "flow-catch-resultpath-into-string": (_RESULT_PATH, "result-path", False),
    "path-resultselector-2": (_runtime("'M' (entered at the event id #2). The JSONPath '$[5]' specified for the field "
                                       "'missing.$' could not be found in the input '[{\"v\":1},{\"v\":2},{\"v\":3}]'"),
                              "result-selector-field", True),
    "path-resultselector-parallel-2": (_runtime("'P' (entered at the event id #2). The JSONPath '$[5]' specified for the "
                                                "field 'missing.$' could not be found in the input '[{\"v\":\"str\"}]'"),
                                       "entered-event-id", True),
    **{f"path-{kind}-07": (Outcome("SUCCEEDED", 30), "jsonpath-definite", True) for kind in ("inputpath", "outputpath")},
    "path-parameters-07": (Outcome("SUCCEEDED", {"v": 30, "k": "lit"}), "jsonpath-definite", True),
    **{f"path-{kind}-13": (Outcome("SUCCEEDED", [1]), "jsonpath-definite", True) for kind in ("inputpath", "outputpath")},
    "path-parameters-13": (Outcome("SUCCEEDED", {"v": [1], "k": "lit"}), "jsonpath-definite", True),
    "flow-vars-chain": (Outcome("SUCCEEDED", {"x": 2, "old": 1, "prev": {"x": 1, "y": 5, "z": "5-z"}}), "variables", True),
    "flow-vars-map-scope": (Outcome("SUCCEEDED", {"o": "o", "r": [{"o": "o", "i": "i", "v": 1}, {"o": "o", "i": "i", "v": 2}]}),
                            "variables", True),
    "flow-vars-parallel-no-leak": (_runtime("'After' (entered at the event id #8). The JSONPath '$inner' specified for the "
                                            "field 'i.$' could not be found in the input '[{}]'"), "variables", True),
    "flow-vars-result": (Outcome("SUCCEEDED", {"got": 7, "r": [7]}), "variables", True),
    "flow-vars-catch": (Outcome("SUCCEEDED", {"err": "Custom.Error"}), "variables", True),
    "flow-vars-choice-0": (Outcome("SUCCEEDED", {"s": "state", "r": "rule"}), "variables", True),
    "flow-vars-undefined": (_runtime("'P' (entered at the event id #2). The JSONPath '$nope' specified for the field "
                                     "'x.$' could not be found in the input '{}'"), "variables", True),
}

TIMESTAMP_DIVERGENT = {
    "choice-TimestampEqualsPath-3",
    "choice-TimestampEquals-2024-01-02T123000.250Z-1",
    "choice-TimestampLessThanPath-0",
    "choice-TimestampLessThan-2024-01-02T123000.250Z-0",
    "choice-TimestampLessThan-2024-01-02T123000.250Z-2",
    "choice-TimestampLessThan-2024-01-02T123000.250Z-3",
    "choice-TimestampGreaterThanPath-0",
    "choice-TimestampGreaterThanPath-1",
    "choice-TimestampGreaterThan-2024-01-02T123000.250Z-0",
    "choice-TimestampGreaterThan-2024-01-02T123000.250Z-2",
    "choice-TimestampLessThanEqualsPath-0",
    "choice-TimestampLessThanEqualsPath-3",
    "choice-TimestampLessThanEquals-2024-01-02T123000.250Z-0",
    "choice-TimestampLessThanEquals-2024-01-02T123000.250Z-1",
    "choice-TimestampLessThanEquals-2024-01-02T123000.250Z-2",
    "choice-TimestampLessThanEquals-2024-01-02T123000.250Z-3",
    "choice-TimestampGreaterThanEqualsPath-0",
    "choice-TimestampGreaterThanEqualsPath-1",
    "choice-TimestampGreaterThanEqualsPath-3",
    "choice-TimestampGreaterThanEquals-2024-01-02T123000.250Z-0",
    "choice-TimestampGreaterThanEquals-2024-01-02T123000.250Z-1",
    "choice-TimestampGreaterThanEquals-2024-01-02T123000.250Z-2",
}


def attach(case: Case) -> Case:
    """The case with its AWS outcome and spec text when moto diverges there."""
    from dataclasses import replace

    if case.id in TIMESTAMP_DIVERGENT:
        return replace(case, aws=_timestamp_oracle(case), spec=SPEC["timestamp"])
    if case.id in DIVERGENCES:
        outcome, key, check_cause = DIVERGENCES[case.id]
        return replace(case, aws=outcome, spec=SPEC[key], check_cause=check_cause)
    return case
