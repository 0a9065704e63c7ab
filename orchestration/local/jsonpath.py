"""The JSONPath subset ASL uses: ``$``, ``.name``, ``['name']``, ``[n]``, ``[*]``/``.*``,
``[a,b]``, ``[start:end:step]``, ``..name`` and simple filters ``[?(@.x op literal)]`` joined by
``&&``/``||``. A definite path (names and indices only) selects one value; any other selects a list.
Reference paths (ResultPath) must be definite and are written with :func:`assign`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache

from orchestration.local.json_types import Json

__all__ = ["JsonPath", "PathError", "assign", "parse", "select"]

_NAME = re.compile(r"[^.\[\]]+")
_COMPARISON = re.compile(r"^@((?:\.[^.\s=!<>]+|\['[^']*'\])*)\s*(==|!=|<=|>=|<|>)\s*(.+)$")


class PathError(ValueError):
    """A path is malformed or selects nothing; ``path`` is the path as written, when known."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Index:
    index: int


@dataclass(frozen=True, slots=True)
class Wildcard:
    pass


@dataclass(frozen=True, slots=True)
class Union:
    keys: tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Slice:
    start: int | None
    stop: int | None
    step: int | None


@dataclass(frozen=True, slots=True)
class Descend:
    name: str | None


@dataclass(frozen=True, slots=True)
class Filter:
    clauses: tuple[tuple[str, tuple[Segment, ...], str | None, Json], ...]  # (joiner, path, op, literal)


Segment = Name | Index | Wildcard | Union | Slice | Descend | Filter


@dataclass(frozen=True, slots=True)
class JsonPath:
    text: str
    segments: tuple[Segment, ...]

    @property
    def definite(self) -> bool:
        return all(isinstance(s, Name | Index) for s in self.segments)


def _key(token: str) -> str | int:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"":
        return token[1:-1]
    try:
        return int(token)
    except ValueError as exc:
        raise PathError(f"bad bracket key {token!r}") from exc


def _parse_filter(body: str) -> Filter:
    clauses = []
    for joiner, part in _split_logic(body):
        part = part.strip()
        if part.startswith("(") and part.endswith(")"):
            part = part[1:-1].strip()
        match = _COMPARISON.match(part)
        if match:
            literal = match.group(3).strip()
            if literal.startswith("'") and literal.endswith("'"):
                value: Json = literal[1:-1]
            else:
                try:
                    value = json.loads(literal)
                except json.JSONDecodeError as exc:
                    raise PathError(f"bad filter literal {literal!r}") from exc
            clauses.append((joiner, _segments("$" + match.group(1)), match.group(2), value))
        elif part.startswith("@"):
            clauses.append((joiner, _segments("$" + part[1:]), None, None))
        else:
            raise PathError(f"unsupported filter expression {body!r}")
    return Filter(tuple(clauses))


def _split_logic(body: str) -> list[tuple[str, str]]:
    parts = re.split(r"(&&|\|\|)", body)
    out = [("&&", parts[0])]
    out += [(parts[i], parts[i + 1]) for i in range(1, len(parts), 2)]
    return out


def _segments(text: str) -> tuple[Segment, ...]:
    if not text.startswith("$"):
        raise PathError(f"path {text!r} must start with '$'")
    segs: list[Segment] = []
    i, n = 1, len(text)
    while i < n:
        if text.startswith("..", i):
            m = _NAME.match(text, i + 2)
            if not m:
                raise PathError(f"bad path {text!r}")
            segs.append(Descend(None if m.group() == "*" else m.group()))
            i = m.end()
        elif text[i] == ".":
            m = _NAME.match(text, i + 1)
            if not m:
                raise PathError(f"bad path {text!r}")
            segs.append(Wildcard() if m.group() == "*" else Name(m.group()))
            i = m.end()
        elif text[i] == "[":
            end = _bracket_end(text, i)
            body = text[i + 1 : end].strip()
            i = end + 1
            if body == "*":
                segs.append(Wildcard())
            elif body.startswith("?"):
                segs.append(_parse_filter(body[1:].strip()[1:-1]))
            elif ":" in body and not body.startswith(("'", '"')):
                bits = [int(b) if b.strip() else None for b in body.split(":")]
                segs.append(Slice(*(bits + [None] * (3 - len(bits)))))
            elif "," in body:
                segs.append(Union(tuple(_key(k) for k in body.split(","))))
            else:
                key = _key(body)
                segs.append(Index(key) if isinstance(key, int) else Name(key))
        else:
            raise PathError(f"bad path {text!r} at position {i}")
    return tuple(segs)


def _bracket_end(text: str, start: int) -> int:
    quote = None
    for j in range(start + 1, len(text)):
        ch = text[j]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "]":
            return j
    raise PathError(f"unclosed '[' in path {text!r}")


@lru_cache(maxsize=4096)
def parse(text: str) -> JsonPath:
    return JsonPath(text, _segments(text.strip()))


def _children(value: Json) -> list[Json]:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return list(value)
    return []


def _descend(value: Json, name: str | None) -> list[Json]:
    out: list[Json] = []
    if isinstance(value, dict):
        if name is None:
            out.extend(value.values())
        elif name in value:
            out.append(value[name])
    elif isinstance(value, list) and name is None:
        out.extend(value)
    for child in _children(value):
        out.extend(_descend(child, name))
    return out


def _compare(left: Json, op: str | None, right: Json) -> bool:
    try:
        return {
            "==": lambda: left == right,
            "!=": lambda: left != right,
            "<": lambda: left < right,  # type: ignore[operator]
            "<=": lambda: left <= right,  # type: ignore[operator]
            ">": lambda: left > right,  # type: ignore[operator]
            ">=": lambda: left >= right,  # type: ignore[operator]
        }[op or "=="]()
    except TypeError:
        return False


def _matches(item: Json, flt: Filter) -> bool:
    result = True
    for joiner, path, op, literal in flt.clauses:
        found = _walk([item], path)
        ok = bool(found) if op is None else bool(found) and _compare(found[0], op, literal)
        result = (result and ok) if joiner == "&&" else (result or ok)
    return result


def _step(value: Json, seg: Segment) -> list[Json]:
    if isinstance(seg, Name):
        return [value[seg.name]] if isinstance(value, dict) and seg.name in value else []
    if isinstance(seg, Index):
        if isinstance(value, list) and -len(value) <= seg.index < len(value):
            return [value[seg.index]]
        return []
    if isinstance(seg, Wildcard):
        return _children(value)
    if isinstance(seg, Union):
        return [v for k in seg.keys for v in _step(value, Index(k) if isinstance(k, int) else Name(k))]
    if isinstance(seg, Slice):
        return value[seg.start : seg.stop : seg.step] if isinstance(value, list) else []
    if isinstance(seg, Descend):
        return _descend(value, seg.name)
    return [v for v in _children(value) if _matches(v, seg)]


def _walk(values: list[Json], segments: tuple[Segment, ...]) -> list[Json]:
    for seg in segments:
        values = [r for v in values for r in _step(v, seg)]
    return values


def select(path: str | JsonPath, data: Json) -> Json:
    """The value at a definite path (``PathError`` if absent), or the list of matches otherwise."""
    parsed = parse(path) if isinstance(path, str) else path
    found = _walk([data], parsed.segments)
    if parsed.definite:
        if not found:
            raise PathError(f"No results for path: {parsed.text}")
        return found[0]
    return found


def assign(path: str, data: Json, value: Json) -> Json:
    """A copy of ``data`` with ``value`` written at the reference path, creating missing objects."""
    parsed = parse(path)
    if not parsed.definite:
        raise PathError(f"{path!r} is not a reference path")
    if not parsed.segments:
        return value
    return _assign(data, parsed.segments, value, path)


def _assign(node: Json, segments: tuple[Segment, ...], value: Json, path: str) -> Json:
    seg, rest = segments[0], segments[1:]
    if isinstance(seg, Name):
        if node is None:
            node = {}
        if not isinstance(node, dict):
            raise PathError(f"cannot write field {seg.name!r} of a non-object for {path!r}")
        copy = dict(node)
        copy[seg.name] = _assign(copy.get(seg.name), rest, value, path) if rest else value
        return copy
    assert isinstance(seg, Index)
    if not isinstance(node, list) or not -len(node) <= seg.index < len(node):
        raise PathError(f"index {seg.index} is out of range for {path!r}")
    items = list(node)
    items[seg.index] = _assign(items[seg.index], rest, value, path) if rest else value
    return items
