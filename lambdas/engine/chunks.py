"""What every reader yields: Arrow tables of source values with their record numbers, plus the rows
that could not be parsed at all (quarantined as ``parse:...``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Chunk", "Reject", "ObjectLayout", "int_range"]


@dataclass(frozen=True, slots=True)
class Reject:
    """A record the reader could not turn into a row: its number, its values by source column (what
    could be recovered) and the ``parse:`` reason."""

    record: int
    values: dict[str, str | None]
    reason: str


@dataclass(slots=True)
class Chunk:
    """Up to one block of rows: one column per present source column (text, or already typed for
    Parquet columns listed in ``ObjectLayout.typed``) and ``_record`` (int64)."""

    table: pa.Table
    rejects: list[Reject] = field(default_factory=list)


@dataclass(slots=True)
class ObjectLayout:
    """What the reader learnt about an object's columns."""

    missing: set[str] = field(default_factory=set)
    """Source columns of the spec the object does not have."""
    typed: set[str] = field(default_factory=set)
    """Source columns whose values already have the target type (Parquet)."""
    extra: list[str] = field(default_factory=list)
    """Columns of the object the spec does not use (ignored, reported)."""


def int_range(start: int, n: int) -> pa.Array:
    """int64 values start..start+n-1, built from a buffer (numpy is not in the Lambda package, and
    converting Python ints one by one would be slow)."""
    import array
    import sys

    import pyarrow as pa

    values = array.array("q", range(start, start + n))
    if sys.byteorder != "little":  # pragma: no cover - Arrow buffers are little-endian
        values.byteswap()
    return pa.Array.from_buffers(pa.int64(), n, [None, pa.py_buffer(values)])
