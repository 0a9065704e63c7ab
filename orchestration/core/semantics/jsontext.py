"""One JSON Lines record as the text of each spec column (docs/semantics.md §1), for both engines.

A string is itself; a number is its JSON text (``1.50`` stays ``1.50``); ``true``/``false`` are those
words; ``null`` or a missing key is NULL; an object or array is its compact JSON text, numbers unquoted.

Speed (wide records, the Python worker's or the Lambda engine's reader): the line is decoded with
numbers as plain ``str`` and the values are looked up by C code (``map``). A top-level number's text is
then exactly what ``json_text`` gives for it, so a record whose values are all strings, numbers or nulls
needs nothing else; one with a boolean, an object or an array is decoded again keeping numbers apart
from strings. A Python loop over every value used to cost more than decoding the JSON.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["decode_record", "json_text", "NOT_AN_OBJECT", "INVALID_ESCAPE"]

NOT_AN_OBJECT = "parse:not a JSON object"
"""The rule of a line that is not exactly one JSON object."""
INVALID_ESCAPE = "parse:invalid unicode escape"
"""The rule of an object holding a ``\\uXXXX`` escape of half a surrogate pair (``"\\ud800"``): valid JSON
syntax that stands for no character, so no UTF-8 text (the quarantine's or the table's) can hold it."""


class _Number(str):
    """A JSON number, kept as its text (only for nested values: there it must not be quoted)."""

    __slots__ = ()


_EXACT = json.JSONDecoder(parse_float=_Number, parse_int=_Number, parse_constant=_Number)
_TEXT = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)
_SCAN = _TEXT.scan_once  # type: ignore[attr-defined]  # set by JSONDecoder.__init__
_JSON_SPACE = " \t\n\r"
_TEXT_TYPES = frozenset({str, type(None)})


def json_text(value: Any) -> str | None:
    """One decoded JSON value as text (NULL for ``null`` or a missing key)."""
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):  # also _Number
        return str(value)
    return _compact(value)


def _compact(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, _Number):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(_compact(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _compact(v) for k, v in value.items()) + "}"
    return str(value)


def decode_record(line: str, columns: tuple[str, ...] | list[str]) -> tuple[dict[str, Any], tuple[str | None, ...]] | str:
    """The JSON object on ``line`` (for its keys) and the text of each of ``columns`` in it; or, for a line
    to quarantine, its rule: ``NOT_AN_OBJECT`` when the line is not exactly one JSON object,
    ``INVALID_ESCAPE`` when a key or a column's text holds half a surrogate pair. JSON whitespace may
    surround the object, as ``json.loads`` allows."""
    try:
        obj, end = _SCAN(line, 0)
        if end != len(line) and line[end:].strip(_JSON_SPACE):
            return NOT_AN_OBJECT  # more after the value
    except StopIteration:  # leading whitespace, or no JSON value at the start
        try:
            obj = _TEXT.decode(line)
        except ValueError:
            return NOT_AN_OBJECT
    except ValueError:
        return NOT_AN_OBJECT
    if obj.__class__ is not dict:
        return NOT_AN_OBJECT
    values = tuple(map(obj.get, columns))
    if not _TEXT_TYPES.issuperset(map(type, values)):  # a boolean, object or array
        values = tuple(map(json_text, map(_EXACT.decode(line).get, columns)))
    if "\\u" in line and not _utf8(obj, values):  # only an escape can make half a surrogate pair
        return INVALID_ESCAPE
    return obj, values


def _utf8(keys: Any, values: tuple[str | None, ...]) -> bool:
    """Whether every key and value can be written as UTF-8."""
    try:
        for text in (*keys, *values):
            if text is not None and not text.isascii():
                text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
