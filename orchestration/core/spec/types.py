"""Column types of the spec: ``string boolean int bigint double float decimal(p,s) date timestamp``.

Derived columns may also hold arrays of these (``array<string>``, ``array<array<int>>``): their type is
a *derive type*, the canonical Glue (Hive DDL) spelling given by ``parse_derive_type``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ColumnType", "parse_type", "parse_derive_type", "TYPE_NAMES"]

TYPE_NAMES = ("string", "boolean", "int", "bigint", "double", "float", "decimal", "date", "timestamp")
_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


@dataclass(frozen=True)
class ColumnType:
    """A parsed column type. ``name`` is one of TYPE_NAMES; decimals carry precision and scale."""

    name: str
    precision: int | None = None
    scale: int | None = None

    def __str__(self) -> str:
        return f"decimal({self.precision},{self.scale})" if self.name == "decimal" else self.name

    @property
    def is_temporal(self) -> bool:
        return self.name in ("date", "timestamp")

    @property
    def is_numeric(self) -> bool:
        return self.name in ("int", "bigint", "double", "float", "decimal")


def parse_type(text: str) -> ColumnType:
    """Parse a type string; raises ValueError with a message that names the fix."""
    t = text.strip().lower()
    m = _DECIMAL.match(t)
    if m:
        p, s = int(m.group(1)), int(m.group(2))
        if not 1 <= p <= 38:
            raise ValueError(f"decimal precision {p} is outside 1..38")
        if s > p:
            raise ValueError(f"decimal scale {s} is larger than its precision {p}")
        return ColumnType("decimal", p, s)
    if t == "decimal":
        return ColumnType("decimal", 10, 0)
    if t in TYPE_NAMES:
        return ColumnType(t)
    raise ValueError(f"unknown type {text!r}; use one of string, boolean, int, bigint, double, float, "
                     "decimal(p,s), date, timestamp")


def parse_derive_type(text: str) -> str:
    """The canonical spelling of a derived column's type: a column type or ``array<T>`` of one
    (``decimal(10, 1)`` -> ``decimal(10,1)``, ``ARRAY<Int>`` -> ``array<int>``); raises ValueError naming
    the fix."""
    t = text.strip().lower().replace(" ", "")
    if t.startswith("array<") and t.endswith(">"):
        return f"array<{parse_derive_type(t[6:-1])}>"
    try:
        return str(parse_type(t))
    except ValueError:
        raise ValueError(f"unknown type {text!r}; use one of string, boolean, int, bigint, double, float, "
                         "decimal(p,s), date, timestamp, or array<T> of one") from None
