"""The ``States.*`` functions. Each takes the evaluated arguments and returns a JSON value or raises
``IntrinsicError`` (surfaced as ``States.IntrinsicFailure``) with the argument checks AWS applies."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import uuid
from collections.abc import Callable

from orchestration.local.json_types import Json

__all__ = ["ARITY", "FUNCTIONS", "IntrinsicError", "format_template"]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_MAX_TEXT = 10_000
_MAX_RANGE = 1000
_HASHES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


class IntrinsicError(ValueError):
    pass


def _is_int(value: Json) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) or (
        isinstance(value, float) and value.is_integer()
    )


def _is_number(value: Json) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _arity(name: str, args: list[Json], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        want = str(low) if low == high else f"{low} to {high}"
        raise IntrinsicError(f"Function {name} takes {want} argument(s) but {len(args)} were given")


def _array(name: str, value: Json, what: str = "array") -> list[Json]:
    if not isinstance(value, list):
        raise IntrinsicError(f"Function {name}: the {what} argument must be a JSON array, got {_show(value)}")
    return value


def _integer(name: str, value: Json, what: str) -> int:
    if not _is_int(value):
        raise IntrinsicError(f"Function {name}: the {what} argument must be an integer, got {_show(value)}")
    return int(value)  # type: ignore[arg-type]


def _string(name: str, value: Json, what: str) -> str:
    if not isinstance(value, str):
        raise IntrinsicError(f"Function {name}: the {what} argument must be a string, got {_show(value)}")
    return value


def _show(value: Json) -> str:
    return json.dumps(value, separators=(",", ":"))


def _text(value: Json) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return _show(value)


def _format_value(value: Json) -> str:
    """How States.Format renders an argument: JSON scalars as text, arrays and objects the way AWS
    prints them (``[1, two, true]``, ``{a=1, b=[x]}``: Java collection text, strings unquoted)."""
    if isinstance(value, list):
        return "[" + ", ".join(_format_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_format_value(v)}" for k, v in value.items()) + "}"
    return _text(value)


def format_template(template: str, values: list[Json], escaped: bool) -> str:
    """Replace each ``{}`` with the next value; ``escaped`` templates honour ``\\{ \\} \\\\``."""
    out: list[str] = []
    used = 0
    i = 0
    while i < len(template):
        ch = template[i]
        if escaped and ch == "\\" and i + 1 < len(template):
            out.append(template[i + 1])
            i += 2
            continue
        if template.startswith("{}", i):
            if used >= len(values):
                raise IntrinsicError("Function States.Format: more placeholders '{}' than arguments")
            out.append(_format_value(values[used]))
            used += 1
            i += 2
            continue
        out.append(ch)
        i += 1
    if used != len(values):
        raise IntrinsicError("Function States.Format: fewer placeholders '{}' than arguments")
    return "".join(out)


def _string_to_json(args: list[Json]) -> Json:
    _arity("States.StringToJson", args, 1)
    text = _string("States.StringToJson", args[0], "first")
    if not text.strip():
        return None  # an empty or blank string is JSON null on AWS
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise IntrinsicError(f"Function States.StringToJson: {text!r} is not valid JSON") from exc


def _json_to_string(args: list[Json]) -> Json:
    _arity("States.JsonToString", args, 1)
    return json.dumps(args[0], separators=(",", ":"), ensure_ascii=False)


def _partition(args: list[Json]) -> Json:
    _arity("States.ArrayPartition", args, 2)
    items = _array("States.ArrayPartition", args[0])
    size = _integer("States.ArrayPartition", args[1], "chunk size")
    if size <= 0:
        raise IntrinsicError("Function States.ArrayPartition: the chunk size must be greater than 0")
    return [items[i : i + size] for i in range(0, len(items), size)]


def _contains(args: list[Json]) -> Json:
    _arity("States.ArrayContains", args, 2)
    return any(_same(v, args[1]) for v in _array("States.ArrayContains", args[0]))


def _same(a: Json, b: Json) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def _range(args: list[Json]) -> Json:
    _arity("States.ArrayRange", args, 3)
    start, end, step = (_integer("States.ArrayRange", v, w) for v, w in zip(args, ("start", "end", "step"), strict=True))
    if step == 0:
        raise IntrinsicError("Function States.ArrayRange: the step must not be 0")
    values: list[Json] = list(range(start, end + (1 if step > 0 else -1), step))
    if len(values) > _MAX_RANGE:
        raise IntrinsicError(f"Function States.ArrayRange: the result has more than {_MAX_RANGE} items")
    return values


def _get_item(args: list[Json]) -> Json:
    _arity("States.ArrayGetItem", args, 2)
    items = _array("States.ArrayGetItem", args[0])
    index = _integer("States.ArrayGetItem", args[1], "index")
    if not 0 <= index < len(items):
        raise IntrinsicError(f"Function States.ArrayGetItem: index {index} is out of bounds for {len(items)} items")
    return items[index]


def _unique(args: list[Json]) -> Json:
    _arity("States.ArrayUnique", args, 1)
    out: list[Json] = []
    for value in _array("States.ArrayUnique", args[0]):
        if not any(_same(value, seen) for seen in out):
            out.append(value)
    return out


def _b64encode(args: list[Json]) -> Json:
    _arity("States.Base64Encode", args, 1)
    text = _string("States.Base64Encode", args[0], "first")
    if len(text) > _MAX_TEXT:
        raise IntrinsicError(f"Function States.Base64Encode: the input is longer than {_MAX_TEXT} characters")
    return base64.b64encode(text.encode()).decode()


def _b64decode(args: list[Json]) -> Json:
    _arity("States.Base64Decode", args, 1)
    text = _string("States.Base64Decode", args[0], "first")
    if len(text) > _MAX_TEXT:
        raise IntrinsicError(f"Function States.Base64Decode: the input is longer than {_MAX_TEXT} characters")
    try:
        return base64.b64decode(text, validate=True).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntrinsicError("Function States.Base64Decode: the input is not valid base64") from exc


def _hash(args: list[Json]) -> Json:
    _arity("States.Hash", args, 2)
    data, algorithm = args
    algorithm = _string("States.Hash", algorithm, "algorithm")
    if algorithm not in _HASHES:
        raise IntrinsicError(f"Function States.Hash: algorithm {algorithm!r} is not one of {', '.join(_HASHES)}")
    if data is None:
        raise IntrinsicError("Function States.Hash: the data argument must not be null")
    text = _text(data)
    if len(text) > _MAX_TEXT:
        raise IntrinsicError(f"Function States.Hash: the data is longer than {_MAX_TEXT} characters")
    return hashlib.new(_HASHES[algorithm], text.encode()).hexdigest()


def _merge(args: list[Json]) -> Json:
    _arity("States.JsonMerge", args, 3)
    left, right, deep = args
    if not isinstance(left, dict) or not isinstance(right, dict):
        raise IntrinsicError("Function States.JsonMerge: the first two arguments must be JSON objects")
    if deep is not False:
        raise IntrinsicError("Function States.JsonMerge: only a shallow merge (false) is supported")
    return {**left, **right}


def _random(args: list[Json], rng: random.Random) -> Json:
    _arity("States.MathRandom", args, 2, 3)
    start = _integer("States.MathRandom", args[0], "start")
    end = _integer("States.MathRandom", args[1], "end")
    if len(args) == 3:
        rng = random.Random(_integer("States.MathRandom", args[2], "seed"))
    if start >= end:
        raise IntrinsicError("Function States.MathRandom: start must be less than end")
    return rng.randrange(start, end)


def _add(args: list[Json]) -> Json:
    _arity("States.MathAdd", args, 2)
    total = 0
    for value in args:
        if not _is_number(value):
            raise IntrinsicError(f"Function States.MathAdd: the arguments must be numbers, got {_show(value)}")
        number = int(math.floor(value + 0.5)) if isinstance(value, float) else int(value)  # type: ignore[arg-type]
        if not _INT_MIN <= number <= _INT_MAX:
            raise IntrinsicError("Function States.MathAdd: the arguments must fit a 32-bit integer")
        total += number
    return total


def _split(args: list[Json]) -> Json:
    _arity("States.StringSplit", args, 2)
    text = _string("States.StringSplit", args[0], "first")
    delimiters = _string("States.StringSplit", args[1], "delimiter")
    if not delimiters:
        return [text] if text else []
    return [p for p in re.split("|".join(map(re.escape, delimiters)), text) if p]


def _length(args: list[Json]) -> Json:
    _arity("States.ArrayLength", args, 1)
    return len(_array("States.ArrayLength", args[0]))


def _uuid(args: list[Json], rng: random.Random) -> Json:
    _arity("States.UUID", args, 0)
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _simple(fn: Callable[[list[Json]], Json]) -> Callable[[list[Json], random.Random], Json]:
    return lambda args, _rng: fn(args)


FUNCTIONS: dict[str, Callable[[list[Json], random.Random], Json]] = {
    "States.StringToJson": _simple(_string_to_json),
    "States.JsonToString": _simple(_json_to_string),
    "States.Array": _simple(list),
    "States.ArrayPartition": _simple(_partition),
    "States.ArrayContains": _simple(_contains),
    "States.ArrayRange": _simple(_range),
    "States.ArrayGetItem": _simple(_get_item),
    "States.ArrayLength": _simple(_length),
    "States.ArrayUnique": _simple(_unique),
    "States.Base64Encode": _simple(_b64encode),
    "States.Base64Decode": _simple(_b64decode),
    "States.Hash": _simple(_hash),
    "States.JsonMerge": _simple(_merge),
    "States.MathRandom": _random,
    "States.MathAdd": _simple(_add),
    "States.StringSplit": _simple(_split),
    "States.UUID": _uuid,
}

ARITY: dict[str, tuple[int, int | None]] = {
    "States.Format": (1, None), "States.StringToJson": (1, 1), "States.JsonToString": (1, 1),
    "States.Array": (0, None), "States.ArrayPartition": (2, 2), "States.ArrayContains": (2, 2),
    "States.ArrayRange": (3, 3), "States.ArrayGetItem": (2, 2), "States.ArrayLength": (1, 1),
    "States.ArrayUnique": (1, 1), "States.Base64Encode": (1, 1), "States.Base64Decode": (1, 1),
    "States.Hash": (2, 2), "States.JsonMerge": (3, 3), "States.MathRandom": (2, 3), "States.MathAdd": (2, 2),
    "States.StringSplit": (2, 2), "States.UUID": (0, 0),
}
"""Argument counts, checked when the definition is built (AWS rejects these at CreateStateMachine)."""
