"""Hive partition paths (``k=v/k2=v2``): the one escaping rule the writers, commit, the crawler and the
catalog share.

A partition value is written as text with Hive's escaping (``ExternalCatalogUtils.escapePathName``,
which Spark's ``partitionBy`` applies too): the characters ``" # % ' * / : = ? \\ { [ ] ^``, DEL and the
control characters become ``%XX`` (uppercase hex); everything else, spaces, ``+`` and unicode included,
is written as it is. Reading reverses it: every ``%XX`` with two hex digits is that character, any other
``%`` stays. So ``city=New York`` is the directory of ``New York`` everywhere, and the catalog's
partition location is the directory the writer wrote. NULL and empty values are Hive's default
partition ``__HIVE_DEFAULT_PARTITION__``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["HIVE_DEFAULT_PARTITION", "escape", "unescape", "value_text", "partition_path", "parse_partition_path"]

HIVE_DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_ESCAPED = frozenset('"#%\'*/:=?\\\x7f{[]^') | {chr(i) for i in range(0x20)}
_HEX = re.compile(r"%([0-9A-Fa-f]{2})")


def escape(text: str) -> str:
    """``text`` as one path segment, Hive-escaped."""
    return "".join(f"%{ord(ch):02X}" if ch in _ESCAPED else ch for ch in text)


def unescape(text: str) -> str:
    """The value a Hive-escaped path segment stands for."""
    return _HEX.sub(lambda m: chr(int(m.group(1), 16)), text)


def value_text(value: Any) -> str:
    """A typed partition value as the (unescaped) text Spark writes: ``true``, ``2024-01-02``,
    ``2024-01-02 03:04:05``; NULL and the empty string as the Hive default partition."""
    if value is None:
        return HIVE_DEFAULT_PARTITION
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | Decimal | int | float):
        return str(value)
    text = str(value)
    return text if text else HIVE_DEFAULT_PARTITION


def partition_path(keys: Sequence[str], values: Sequence[Any]) -> str:
    """``["city"], ["New York"]`` -> ``city=New York``: the directory of one partition (values may be typed)."""
    return "/".join(f"{escape(k)}={escape(value_text(v))}" for k, v in zip(keys, values, strict=True))


def parse_partition_path(path: str) -> dict[str, str]:
    """``city=New York/hour=3`` -> ``{"city": "New York", "hour": "3"}``; ValueError for a segment that is
    not ``key=value``."""
    out: dict[str, str] = {}
    for segment in path.strip("/").split("/"):
        key, sep, value = segment.partition("=")
        if not sep or not key:
            raise ValueError(f"{segment!r} in {path!r} is not a Hive partition directory (key=value)")
        out[unescape(key)] = unescape(value)
    return out
