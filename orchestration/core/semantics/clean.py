"""Which columns of one block of text may take the one-cast path (``validation_sql(clean=...)``).

Each numeric column's text buffer is searched once for the characters that make DuckDB's cast differ
from the spec's (``cast_breakers``); a column without any is *clean* for that block, and its statement
casts it with one ``TRY_CAST``, leaving the exact shape check to values that fail it. Both engines run
the DuckDB rendering over Arrow blocks and decide with this one function.

pyarrow is imported by the caller's table only; this module imports nothing heavy.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .casts import cast_breakers

if TYPE_CHECKING:
    import pyarrow as pa

    from ..spec import Spec

__all__ = ["Breakers", "breakers", "clean_columns"]

_LARGE = ("large_string", "large_utf8")

Breakers = dict[str, tuple[str, tuple[bytes, ...]]]
"""Target column -> (its source column, the byte strings whose presence rules out the one cast)."""


def breakers(spec: Spec) -> Breakers:
    """The breakers of every non-text target column that has the one-cast path."""
    return {c.name: (c.source_name, tuple(ch.encode() for ch in b))
            for c in spec.columns if c.type != "string" and (b := cast_breakers(c))}


def clean_columns(found: Breakers, table: pa.Table, skip: Iterable[str] = ()) -> frozenset[str]:
    """Target columns whose text in ``table`` (source columns by source name) holds none of their
    breakers; source columns in ``skip`` (missing or already typed) never are. One ``memchr`` per
    breaker and column over the characters where Arrow holds them (``_memchr``; where libc cannot be
    called, over one copy of them): far faster than a regex scan."""
    skipped = set(skip)
    spans: dict[str, list[_Span]] = {}
    clean = []
    for name, (src, chars) in found.items():
        if src in skipped:
            continue
        if src not in spans:
            spans[src] = [_Span(a) for a in table.column(src).chunks if len(a)]
        if not any(span.holds(b) for span in spans[src] for b in chars):
            clean.append(name)
    return frozenset(clean)


@functools.cache
def _memchr() -> Any:
    """libc's ``memchr`` through ctypes, or None where it cannot be loaded. Searching the characters in
    place: copying them out first (``to_pybytes``) cost more than the search, mostly in page faults on
    the fresh memory each chunk's copy takes (35,000 per 250 MB)."""
    try:
        import ctypes

        fn = ctypes.CDLL(None).memchr
        fn.restype = ctypes.c_void_p
        fn.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    except (OSError, AttributeError, TypeError):
        return None
    return fn


class _Span:
    """Where one string array's characters lie (its values only, see ``_characters``)."""

    def __init__(self, array: pa.StringArray) -> None:
        self.array = array
        self.address, self.size = _character_span(array)
        self._copy: bytes | None = None

    def holds(self, needle: bytes) -> bool:
        if not self.size:
            return False
        memchr = _memchr()
        if memchr is not None and len(needle) == 1:
            return memchr(self.address, needle[0], self.size) is not None
        if self._copy is None:
            self._copy = _characters(self.array)
        return needle in self._copy


def _character_span(array: pa.StringArray) -> tuple[int, int]:
    """(address, length) of the characters of ``array``'s values; (0, 0) when it has none."""
    _, offsets, data = array.buffers()[:3]
    if data is None or offsets is None:
        return 0, 0
    start, end = _value_bounds(array, offsets)
    return data.address + start, end - start


def _characters(array: pa.StringArray) -> bytes:
    """The characters of a string array's values only: a slice (a batch cut from a larger table) shares
    its parent's data buffer, and copying that whole buffer for every slice would cost the square."""
    _, offsets, data = array.buffers()[:3]
    if data is None or offsets is None:
        return b""
    start, end = _value_bounds(array, offsets)
    return data.slice(start, end - start).to_pybytes()


def _value_bounds(array: pa.StringArray, offsets: pa.Buffer) -> tuple[int, int]:
    """Byte offsets of the first value's start and the last value's end in the data buffer."""
    width = 8 if str(array.type) in _LARGE else 4
    view = memoryview(offsets).cast("B")
    start = int.from_bytes(view[width * array.offset: width * (array.offset + 1)], "little", signed=True)
    end = int.from_bytes(view[width * (array.offset + len(array)): width * (array.offset + len(array) + 1)],
                         "little", signed=True)
    return start, end
