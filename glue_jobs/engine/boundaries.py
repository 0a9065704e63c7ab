"""Where records start in CSV and JSON Lines bytes, so an object can be cut into pieces parsed apart.

Pure Python over bytes, no Spark. A *record start* is byte 0 and every byte right after a line end
outside a quoted field (LF, CRLF or a lone CR for CSV, as Python's ``csv`` module with ``newline=""``
reads them; LF for JSON Lines). A piece from one record start to the next parses exactly as the same
records do inside the whole object, so pieces can be parsed in parallel.

Whether a byte is inside a quoted field depends on everything before it. ``scan_range`` therefore
scans one byte range speculatively from each state the range can start in (outside quotes, inside a
quoted field, right after a quote inside a quoted field); ``chain`` then walks the ranges in order on
the driver, picks each range's result by the previous range's end state and turns the per-range line
counts into each piece's first line number (a prefix sum). The speculative scans skip from one quote
or line end to the next with ``bytes.find``/``re``, so a range without quotes costs a few C calls.

The quote rules are those of ``csv.reader(strict=False, doublequote=True)``: a quote opens a quoted
field only at the start of a field; inside one, a doubled quote is a quote and a single quote ends it;
a quote anywhere else is an ordinary character. Line counts follow ``StringIO(newline="")`` and count
every line end, inside quotes or not, as the reader's ``line_num`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["OUT", "IN_QUOTES", "AFTER_QUOTE", "RangeScan", "Piece", "scan_range", "chain", "last_record_start",
           "count_lines", "ascii_compatible", "BOM"]

OUT, IN_QUOTES, AFTER_QUOTE = 0, 1, 2
"""Scan states at a byte position: outside quoted fields; inside one; right after a quote inside one
(the next byte decides whether it was a doubled quote or the closing one)."""

BOM = b"\xef\xbb\xbf"
_CR, _LF = 13, 10


def ascii_compatible(encoding: str) -> bool:
    """True when line ends, quotes and delimiters are the same single bytes in ``encoding`` and never
    part of a multi-byte character, so the object can be cut at byte positions (UTF-8, Latin-1, ...)."""
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    if name.startswith(("utf-16", "utf-32", "utf-7")):
        return False
    try:
        return '\r\n",;|\t'.encode(name) == b'\r\n",;|\t'
    except (UnicodeError, LookupError):
        return False


def count_lines(buf: bytes, lo: int, hi: int, *, csv: bool) -> int:
    """Line ends in ``buf[lo:hi]``. ``buf[lo - 1]`` (when ``lo > 0``) is the byte before: a CR there
    and an LF at ``lo`` are one CRLF, counted where the CR is. JSON Lines counts LF only."""
    if hi <= lo:
        return 0
    n = buf.count(b"\n", lo, hi)
    if not csv:
        return n
    n += buf.count(b"\r", lo, hi) - buf.count(b"\r\n", lo, hi)
    if lo > 0 and buf[lo - 1] == _CR and buf[lo] == _LF:
        n -= 1
    return n


class _Scan(NamedTuple):
    first: int | None
    last: int | None
    state: int


def _scan(buf: bytes, lo: int, hi: int, state: int, at_start: bool, quote: int, delimiter: int,
          special: re.Pattern[bytes], final: bool) -> _Scan:
    """First and last record start in ``[lo, hi)`` and the state at ``hi``, from ``state`` at ``lo``.

    ``at_start``: ``lo`` is a record start (only meaningful with ``OUT``). ``buf`` may hold bytes past
    ``hi`` (looked at to tell a CRLF from a lone CR); ``final``: nothing follows ``buf``.
    """
    first = last = lo if (state == OUT and at_start) else None
    pos = lo
    if state == AFTER_QUOTE:
        if pos < hi and buf[pos] == quote:
            state, pos = IN_QUOTES, pos + 1
        else:
            state = OUT
    while pos < hi:
        if state == IN_QUOTES:
            q = buf.find(b"%c" % quote, pos, hi)
            if q < 0:
                return _Scan(first, last, IN_QUOTES)
            if q + 1 >= hi:
                return _Scan(first, last, AFTER_QUOTE)
            if buf[q + 1] == quote:
                pos = q + 2
                continue
            state, pos = OUT, q + 1
            continue
        m = special.search(buf, pos, hi)
        if m is None:
            return _Scan(first, last, OUT)
        p = m.start()
        c = buf[p]
        if c == quote:
            field_start = (p == lo and at_start) or p == 0 or buf[p - 1] in (delimiter, _LF, _CR)
            if field_start:
                state = IN_QUOTES
            pos = p + 1
            continue
        if c == _CR:
            if p + 1 >= len(buf):
                if not final:
                    return _Scan(first, last, OUT)  # a CR at the end: CRLF or not is not known yet
                start = p + 1
            else:
                start = p + 2 if buf[p + 1] == _LF else p + 1
        else:
            start = p + 1
        if start < hi:
            first = start if first is None else first
            last = start
        pos = start
    return _Scan(first, last, state)


def _special(quote: int | None, newline_only: bool) -> re.Pattern[bytes]:
    chars = b"\n" if newline_only else b"\n\r"
    if quote is not None:
        chars += re.escape(bytes([quote]))
    return re.compile(b"[" + chars + b"]")


@dataclass(frozen=True)
class RangeScan:
    """One range's speculative results: per start state, (first record start or None, lines from the
    range start to it, state at the range end); and the range's own line count."""

    start: int
    end: int
    results: dict[int, tuple[int | None, int, int]]
    lines: int


def scan_range(buf: bytes, base: int, start: int, end: int, *, csv: bool, quote: str | None = '"',
               delimiter: str = ",", size: int) -> RangeScan:
    """Scan the object bytes ``[start, end)``. ``buf`` holds the object from ``base`` (``start - 3``, or
    0 near the start: the byte before the range, or a whole byte-order mark) to ``end + 1`` (less at the
    end of the object, whose ``size`` is given)."""
    lo, hi = start - base, end - base
    q = ord(quote) if (csv and quote) else None
    special = _special(q, not csv)
    lines = count_lines(buf, lo, hi, csv=csv)
    results: dict[int, tuple[int | None, int, int]] = {}
    states = [OUT] if (not csv or q is None or start == 0 or (start == len(BOM) and buf.startswith(BOM))) else (
        [OUT, IN_QUOTES] + ([AFTER_QUOTE] if buf[lo - 1] == q else []))
    for state in states:
        if start == 0:
            at_start, scan_lo = True, (len(BOM) if buf.startswith(BOM) else 0)
        else:
            prev = buf[lo - 1]
            at_start = prev == _LF or (csv and prev == _CR and buf[lo] != _LF) or (
                start == len(BOM) and base == 0 and buf.startswith(BOM))
            scan_lo = lo
        s = _scan(buf, scan_lo, hi, state, at_start, q if q is not None else -1, ord(delimiter) if delimiter else -1,
                  special, final=end >= size)
        first = lo if (s.first is not None and start == 0) else s.first
        results[state] = (None if first is None else first + base,
                          0 if first is None else count_lines(buf, lo, first, csv=csv), s.state)
    return RangeScan(start, end, results, lines)


class Piece(NamedTuple):
    """Bytes ``[start, end)`` of an object, starting at a record start after ``line0`` lines."""

    start: int
    end: int
    line0: int


def chain(scans: list[RangeScan], size: int) -> list[Piece]:
    """The pieces of one object from its ranges' scans (in order, covering ``[0, size)``)."""
    state, lines = OUT, 0
    starts: list[tuple[int, int]] = []
    for scan in scans:
        first, before, end_state = scan.results.get(state, scan.results[OUT])
        if first is not None:
            starts.append((first, lines + before))
        lines += scan.lines
        state = end_state
    return [Piece(s, starts[i + 1][0] if i + 1 < len(starts) else size, n) for i, (s, n) in enumerate(starts)]


def last_record_start(buf: bytes, *, csv: bool, quote: str | None = '"', delimiter: str = ",",
                      final: bool = False) -> int | None:
    """The last record start after byte 0 of ``buf``, which starts at a record start (a streamed block);
    None when ``buf`` holds no complete record yet."""
    q = ord(quote) if (csv and quote) else None
    s = _scan(buf, 0, len(buf), OUT, True, q if q is not None else -1, ord(delimiter) if delimiter else -1,
              _special(q, not csv), final=final)
    return s.last if s.last else None
