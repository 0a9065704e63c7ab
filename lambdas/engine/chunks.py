"""What every reader yields: Arrow tables of source values with their record numbers, plus the rows
that could not be parsed at all (quarantined as ``parse:...``)."""

from __future__ import annotations

import threading
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


_IOTA: list[pa.Array] = []
_IOTA_LOCK = threading.Lock()


def _iota(n: int) -> pa.Array:
    """int64 0..m-1 for some m >= n, built once per size class and shared (Arrow arrays are immutable)."""
    with _IOTA_LOCK:
        if not _IOTA or len(_IOTA[0]) < n:
            import array
            import sys

            import pyarrow as pa

            size = max(n, 2 * len(_IOTA[0]) if _IOTA else 1 << 18)
            values = array.array("q", range(size))  # the only Python loop: once per doubling
            if sys.byteorder != "little":  # pragma: no cover - Arrow buffers are little-endian
                values.byteswap()
            _IOTA[:] = [pa.Array.from_buffers(pa.int64(), size, [None, pa.py_buffer(values)])]
        return _IOTA[0]


def int_range(start: int, n: int) -> pa.Array:
    """int64 values start..start+n-1 (a chunk's record numbers): a shared 0..n-1 plus ``start`` in one
    vectorised add, which releases the GIL. Building each chunk's numbers from a Python ``range`` held the
    GIL for about 0.1 s per 2 million rows while the other threads waited for it (numpy, which has an
    ``arange``, is not in the Lambda package)."""
    import array

    import pyarrow as pa
    import pyarrow.compute as pc

    base = _iota(n).slice(0, n)
    if start == 0:
        return base
    # The offset as an Arrow scalar made from its bytes: given a Python int, pyarrow converts it as an object,
    # and that conversion imports pandas where it is installed (0.5-1.5 s, once per process).
    offset = pa.Array.from_buffers(pa.int64(), 1, [None, pa.py_buffer(array.array("q", [start]))])[0]
    return pc.add(base, offset)
