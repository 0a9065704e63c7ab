"""Choice rules: every comparison operator (and its ``...Path`` variant), ``And``/``Or``/``Not`` and the
type tests. Comparing values of the wrong type is simply false, as in AWS; a ``Variable`` that selects
nothing is a ``States.Runtime`` error (except for ``IsPresent``)."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from orchestration.local.errors import RUNTIME, StatesError
from orchestration.local.errors import InvalidDefinitionError as _Invalid
from orchestration.local.json_types import Json, JsonObject
from orchestration.local.jsonpath import PathError
from orchestration.local.paths import View

__all__ = ["Rule", "parse_rule"]

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq, "LessThan": operator.lt, "GreaterThan": operator.gt,
    "LessThanEquals": operator.le, "GreaterThanEquals": operator.ge,
}
_TYPES = ("String", "Numeric", "Boolean", "Timestamp")
_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")


def is_number(value: Json) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def parse_timestamp(value: Json) -> datetime | None:
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@lru_cache(maxsize=1024)
def _wildcard(pattern: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.S)


def _compare(kind: str, relation: str, left: Json, right: Json) -> bool:
    if kind == "String":
        if not isinstance(left, str) or not isinstance(right, str):
            return False
        if relation == "Matches":
            return _wildcard(right).fullmatch(left) is not None
        return _ORDER[relation](left, right)
    if kind == "Numeric":
        return is_number(left) and is_number(right) and _ORDER[relation](left, right)
    if kind == "Boolean":
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    lt, rt = parse_timestamp(left), parse_timestamp(right)
    return lt is not None and rt is not None and _ORDER[relation](lt, rt)


def _test(name: str, present: bool, value: Json) -> bool:
    if name == "IsPresent":
        return present
    if name == "IsNull":
        return value is None
    if name == "IsNumeric":
        return is_number(value)
    if name == "IsString":
        return isinstance(value, str)
    if name == "IsBoolean":
        return isinstance(value, bool)
    return parse_timestamp(value) is not None


class Rule:
    def matches(self, view: View) -> bool:
        raise NotImplementedError


def _select(view: View, path: str) -> Json:
    try:
        return view.select(path)
    except PathError as exc:
        raise StatesError(RUNTIME, f"Invalid path '{path}': The choice state's condition path references an invalid value.") from exc


@dataclass(frozen=True, slots=True)
class Comparison(Rule):
    variable: str
    kind: str
    relation: str
    operand: Json
    operand_is_path: bool

    def matches(self, view: View) -> bool:
        left = _select(view, self.variable)
        right = _select(view, self.operand) if self.operand_is_path else self.operand  # type: ignore[arg-type]
        return _compare(self.kind, self.relation, left, right)


@dataclass(frozen=True, slots=True)
class TypeTest(Rule):
    variable: str
    test: str
    expected: bool

    def matches(self, view: View) -> bool:
        try:
            value, present = view.select(self.variable), True
        except PathError:
            if self.test != "IsPresent":
                raise StatesError(RUNTIME, f"Invalid path '{self.variable}': The choice state's condition path references an invalid value.") from None
            value, present = None, False
        return _test(self.test, present, value) == self.expected


@dataclass(frozen=True, slots=True)
class Logical(Rule):
    op: str
    rules: tuple[Rule, ...]

    def matches(self, view: View) -> bool:
        if self.op == "And":
            return all(r.matches(view) for r in self.rules)
        if self.op == "Or":
            return any(r.matches(view) for r in self.rules)
        return not self.rules[0].matches(view)


def parse_rule(spec: JsonObject, where: str) -> Rule:
    for op in ("And", "Or"):
        if op in spec:
            rules = spec[op]
            if not isinstance(rules, list) or not rules:
                raise _Invalid(f"{op} must be a non-empty array of rules", where=where)
            return Logical(op, tuple(parse_rule(r, where) for r in rules))  # type: ignore[arg-type]
    if "Not" in spec:
        return Logical("Not", (parse_rule(spec["Not"], where),))  # type: ignore[arg-type]
    variable = spec.get("Variable")
    if not isinstance(variable, str) or not variable.startswith("$"):
        raise _Invalid("a choice rule needs a Variable path", where=where)
    for key, operand in spec.items():
        if key in ("Variable", "Next", "Comment", "Assign"):
            continue
        if key in _TESTS:
            if not isinstance(operand, bool):
                raise _Invalid(f"{key} takes true or false", where=where)
            return TypeTest(variable, key, operand)
        name, is_path = (key[:-4], True) if key.endswith("Path") else (key, False)
        for kind in _TYPES:
            relation = name.removeprefix(kind)
            if name.startswith(kind) and (relation in _ORDER or (kind == "String" and relation == "Matches")):
                if kind == "Boolean" and relation != "Equals":
                    break
                if relation == "Matches" and is_path:
                    break
                return Comparison(variable, kind, relation, operand, is_path)
        raise _Invalid(f"unknown choice operator {key!r}", where=where)
    raise _Invalid("a choice rule needs a comparison operator", where=where)
