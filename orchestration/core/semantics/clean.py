"""Which columns of one block of text may take the one-cast path (``validation_sql(clean=...)``).

Each numeric column's text buffer is searched once for the characters that make DuckDB's cast differ
from the spec's (``cast_breakers``); a column without any is *clean* for that block, and its statement
casts it with one ``TRY_CAST``, leaving the exact shape check to values that fail it. Both engines run
the DuckDB rendering over Arrow blocks and decide with this one function.

pyarrow is imported by the caller's table only; this module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

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
    breakers; source columns in ``skip`` (missing or already typed) never are. One copy of each
    chunk's characters and one ``memchr`` per breaker and column: far faster than a regex scan."""
    skipped = set(skip)
    texts: dict[str, list[bytes]] = {}
    clean = []
    for name, (src, chars) in found.items():
        if src in skipped:
            continue
        if src not in texts:
            texts[src] = [_characters(a) for a in table.column(src).chunks if len(a)]
        if not any(b in text for text in texts[src] for b in chars):
            clean.append(name)
    return frozenset(clean)


def _characters(array: pa.StringArray) -> bytes:
    """The characters of a string array's values only: a slice (a batch cut from a larger table) shares
    its parent's data buffer, and copying that whole buffer for every slice would cost the square."""
    _, offsets, data = array.buffers()[:3]
    if data is None or offsets is None:
        return b""
    width = 8 if str(array.type) in _LARGE else 4
    view = memoryview(offsets).cast("B")
    start = int.from_bytes(view[width * array.offset: width * (array.offset + 1)], "little", signed=True)
    end = int.from_bytes(view[width * (array.offset + len(array)): width * (array.offset + len(array) + 1)],
                         "little", signed=True)
    return data.slice(start, end - start).to_pybytes()
