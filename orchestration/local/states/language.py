"""Which fields exist in which query language, and the per-state choice of language.

``QueryLanguage`` is ``JSONPath`` (the default) or ``JSONata``, set on the state machine and
overridable per state; a state machine whose top level is JSONata cannot have JSONPath states. JSONata
states replace InputPath/Parameters/ResultSelector/ResultPath/OutputPath with ``Arguments`` and
``Output``, take ``Items`` instead of ``ItemsPath``, ``Condition`` instead of Choice comparison
operators, and expressions instead of every ``...Path`` field; ``Assign`` exists in both.
(AWS: "Transforming data with JSONata in Step Functions",
https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html.)
"""

from __future__ import annotations

from typing import Literal

from orchestration.local.errors import InvalidDefinitionError
from orchestration.local.json_types import Json, JsonObject

__all__ = ["JSONATA", "JSONATA_ONLY", "JSONPATH", "JSONPATH_ONLY", "Language", "check_fields", "language_of", "variable_names"]

Language = Literal["JSONPath", "JSONata"]
JSONPATH: Language = "JSONPath"
JSONATA: Language = "JSONata"

JSONPATH_ONLY = frozenset({
    "InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result", "ItemsPath",
    "SecondsPath", "TimestampPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "MaxConcurrencyPath",
    "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "ErrorPath", "CausePath",
})
JSONATA_ONLY = frozenset({"Arguments", "Output", "Items"})


def language_of(spec: JsonObject, default: Language, where: str) -> Language:
    """The state's (or program's) query language; JSONPath inside a JSONata machine is rejected."""
    value = spec.get("QueryLanguage", default)
    if value not in (JSONPATH, JSONATA):
        raise InvalidDefinitionError(f"QueryLanguage must be JSONPath or JSONata, got {value!r}", where=where)
    if default == JSONATA and value == JSONPATH:
        raise InvalidDefinitionError(
            "a state cannot use QueryLanguage JSONPath when the state machine's QueryLanguage is JSONata; "
            "set JSONata per state instead, or make the top level JSONPath", where=where)
    return JSONATA if value == JSONATA else JSONPATH


def check_fields(spec: JsonObject, language: Language, where: str) -> None:
    """Reject fields of the other query language, naming the replacement."""
    if language == JSONATA:
        wrong = sorted(set(spec) & JSONPATH_ONLY)
        if wrong:
            raise InvalidDefinitionError(
                f"field(s) {wrong} are JSONPath-only; a JSONata state uses Arguments, Output, Items and "
                "{% %} expressions instead", where=where)
    else:
        wrong = sorted(set(spec) & JSONATA_ONLY)
        if wrong:
            raise InvalidDefinitionError(
                f"field(s) {wrong} need QueryLanguage JSONata (on the state or the state machine)", where=where)


def variable_names(assign: Json, where: str) -> set[str]:
    """The variable names an ``Assign`` block sets (``name.$`` keys in JSONPath states)."""
    if assign is None:
        return set()
    if not isinstance(assign, dict):
        raise InvalidDefinitionError("Assign must be a JSON object of variable names", where=where)
    names = {key[:-2] if key.endswith(".$") else key for key in assign}
    if "states" in names:
        raise InvalidDefinitionError("$states is reserved by Step Functions and cannot be assigned", where=where)
    return names
