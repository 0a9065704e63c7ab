"""orchestration.core.semantics.jsontext: one JSON Lines record as text, for both engines."""

from __future__ import annotations

import json

import pytest

from orchestration.core.semantics.jsontext import INVALID_ESCAPE, NOT_AN_OBJECT, decode_record

COLUMNS = ("a", "b")


@pytest.mark.parametrize(("line", "values"), [
    ('{"a": 1.50, "b": "x"}', ("1.50", "x")),
    ('  {"a": 1e3}\r', ("1e3", None)),  # JSON whitespace around the object, a CRLF line's CR
    ('{"a": -0.0, "b": 12345678901234567890123}', ("-0.0", "12345678901234567890123")),
    ('{"a": NaN, "b": -Infinity}', ("NaN", "-Infinity")),
    ('{"a": true, "b": false}', ("true", "false")),
    ('{"a": null, "z": 1}', (None, None)),
    ('{"a": [1.50, "1.50", {"k": null}], "b": {"x": [true]}}', ('[1.50,"1.50",{"k":null}]', '{"x":[true]}')),
    ('{"a": "caf\\u00e9", "b": ["\\u00e9"]}', ("café", '["é"]')),
])
def test_values_are_their_json_text(line: str, values: tuple[str | None, ...]) -> None:
    decoded = decode_record(line, COLUMNS)
    assert not isinstance(decoded, str), decoded
    obj, got = decoded
    assert got == values and all(v is None or type(v) is str for v in got)
    assert list(obj) == list(json.loads(line))  # the keys, for extra-column tracking


@pytest.mark.parametrize("line", ['[1, 2]', '"text"', "null", "{oops", '{"a": 1} {"a": 2}', '{"a": 1} x',
                                  '{"a": 1}\x0b', "\x0b{}", ""])
def test_a_line_that_is_not_exactly_one_object_is_refused(line: str) -> None:
    assert decode_record(line, COLUMNS) == NOT_AN_OBJECT
    assert not isinstance(_loads(line), dict)  # json.loads does not make an object of it either


@pytest.mark.parametrize("line", ['{"a": "\\ud800"}', '{"b": ["x", "\\udfff"]}', '{"\\ud83d": 1}', '{"a": "\\ude00\\ud83d"}'])
def test_half_a_surrogate_pair_is_refused_with_its_own_rule(line: str) -> None:
    """Valid JSON that stands for no character: no UTF-8 text can hold it, so the line is quarantined
    (it failed both engines with an encoding error before). A whole pair is a character, and is kept."""
    assert isinstance(json.loads(line), dict)
    assert decode_record(line, COLUMNS) == INVALID_ESCAPE
    assert decode_record('{"a": "\\ud83d\\ude00", "\\u00e9": 1}', COLUMNS)[1] == ("\U0001f600", None)


def _loads(line: str) -> object:
    try:
        return json.loads(line)
    except ValueError:
        return None
