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
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["OUT", "IN_QUOTES", "AFTER_QUOTE", "RangeScan", "Piece", "scan_range", "chain", "lines_are_records",
           "last_record_start",
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
    return _lines_from(buf, lo, *_line_ends(buf, lo, hi, cr=csv), csv=csv)


def _line_ends(buf: bytes, lo: int, hi: int, *, cr: bool = True) -> tuple[int, int, int]:
    """LF, CR and CRLF counts in ``buf[lo:hi]`` (CRLF only counted when there is a CR: each count is a
    pass over the range, and most objects have none)."""
    lf = buf.count(b"\n", lo, hi)
    crs = buf.count(b"\r", lo, hi) if cr else 0
    return lf, crs, (buf.count(b"\r\n", lo, hi) if crs else 0)


def _lines_from(buf: bytes, lo: int, lf: int, crs: int, crlf: int, *, csv: bool) -> int:
    if not csv:
        return lf
    n = lf + crs - crlf
    if lo > 0 and buf[lo - 1] == _CR and buf[lo] == _LF:
        n -= 1
    return n


class _Scan(NamedTuple):
    first: int | None
    last: int | None
    state: int
    spans: bool = False
    """A line end was seen inside a quoted field (a record spans lines)."""


def _line_end_in(buf: bytes, lo: int, hi: int) -> bool:
    return buf.find(b"\n", lo, hi) >= 0 or buf.find(b"\r", lo, hi) >= 0


def _scan(buf: bytes, lo: int, hi: int, state: int, at_start: bool, quote: int, delimiter: int,
          special: re.Pattern[bytes], final: bool) -> _Scan:
    """First and last record start in ``[lo, hi)`` and the state at ``hi``, from ``state`` at ``lo``.

    ``at_start``: ``lo`` is a record start (only meaningful with ``OUT``). ``buf`` may hold bytes past
    ``hi`` (looked at to tell a CRLF from a lone CR); ``final``: nothing follows ``buf``.
    """
    first = last = lo if (state == OUT and at_start) else None
    pos = lo
    spans = False
    crs = special.search(b"\r") is not None  # CSV: a CR ends a line too
    if state == AFTER_QUOTE:
        if pos < hi and buf[pos] == quote:
            state, pos = IN_QUOTES, pos + 1
        else:
            state = OUT
    while pos < hi:
        if state == IN_QUOTES:
            q = buf.find(b"%c" % quote, pos, hi)
            spans = spans or _line_end_in(buf, pos, hi if q < 0 else q)
            if q < 0:
                return _Scan(first, last, IN_QUOTES, spans)
            if q + 1 >= hi:
                return _Scan(first, last, AFTER_QUOTE, spans)
            if buf[q + 1] == quote:
                pos = q + 2
                continue
            state, pos = OUT, q + 1
            continue
        if first is not None:
            # Between here and the next quote only the last line end can still move ``last``: jump to it
            # (a Python step per quote, not per line).
            q = buf.find(b"%c" % quote, pos, hi) if quote >= 0 else -1
            found = _last_start(buf, pos, hi if q < 0 else q, hi, final, crs=crs)
            last = found if found is not None else last
            if q < 0:
                return _Scan(first, last, OUT, spans)
            pos = q
        m = special.search(buf, pos, hi)
        if m is None:
            return _Scan(first, last, OUT, spans)
        p = m.start()
        c = buf[p]
        if c == quote:
            field_start = (p == lo and at_start) or p == 0 or buf[p - 1] in (delimiter, _LF, _CR)
            if field_start:
                state = IN_QUOTES
            pos = p + 1
            continue
        start = _after(buf, p, final)
        if start is None:
            return _Scan(first, last, OUT, spans)
        if start < hi:
            first = start if first is None else first
            last = start
        pos = start
    return _Scan(first, last, state, spans)


def _last_start(buf: bytes, lo: int, end: int, hi: int, final: bool, *, crs: bool) -> int | None:
    """The last record start before ``hi`` that a line end in ``buf[lo:end]`` makes (outside quotes), as
    ``_scan`` would find walking the line ends one by one; None when there is none."""
    while True:
        p = buf.rfind(b"\n", lo, end)
        if crs:
            p = max(p, buf.rfind(b"\r", lo, end))
        if p < 0:
            return None
        start = _after(buf, p, final)
        if start is not None and start < hi:
            return start
        end = p


def _after(buf: bytes, p: int, final: bool) -> int | None:
    """Where the record after the line end at ``p`` (LF, CR or the CR of a CRLF) starts; None for a CR
    that is the last byte of a ``buf`` more bytes follow: CRLF or not is not known yet."""
    if buf[p] != _CR:
        return p + 1
    if p + 1 >= len(buf):
        return p + 1 if final else None
    return p + 2 if buf[p + 1] == _LF else p + 1


def _special(quote: int | None, newline_only: bool) -> re.Pattern[bytes]:
    chars = b"\n" if newline_only else b"\n\r"
    if quote is not None:
        chars += re.escape(bytes([quote]))
    return re.compile(b"[" + chars + b"]")


@dataclass(frozen=True)
class RangeScan:
    """One range's speculative results: per start state, (first record start or None, lines from the
    range start to it, state at the range end); and the range's own line count.

    What ``lines_are_records`` needs besides: per start state, whether a line end lies inside a quoted
    field (``spans``); the range's LF count (``newlines``); whether it holds a CR that is not part of a
    CRLF (``lone_cr``) or bytes that are not UTF-8 (``utf8`` False); and for the last range of the
    object whether the object ends with an LF (``ends_lf``)."""

    start: int
    end: int
    results: dict[int, tuple[int | None, int, int]]
    lines: int
    spans: dict[int, bool] = field(default_factory=dict)
    newlines: int = 0
    lone_cr: bool = False
    utf8: bool = True
    ends_lf: bool = False


def _utf8_range(buf: bytes, lo: int, hi: int) -> bool:
    """Whether ``buf[lo:hi]`` is UTF-8, with a character cut at either end checked whole: the bytes of
    one started before ``lo`` are left to the range before; one that starts before ``hi`` is completed
    from the bytes ``buf`` holds past ``hi`` (up to 3)."""
    if buf.isascii() or buf[lo:hi].isascii():
        return True
    if lo > 0:  # not the object's first byte
        for _ in range(3):
            if lo < hi and 0x80 <= buf[lo] < 0xC0:
                lo += 1
    while hi < len(buf) and 0x80 <= buf[hi] < 0xC0:
        hi += 1
    try:
        buf[lo:hi].decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def scan_range(buf: bytes, base: int, start: int, end: int, *, csv: bool, quote: str | None = '"',
               delimiter: str = ",", size: int) -> RangeScan:
    """Scan the object bytes ``[start, end)``. ``buf`` holds the object from ``base`` (``start - 3``, or
    0 near the start: the byte before the range, or a whole byte-order mark) to ``end + 1`` or further
    (up to ``end + 4`` completes a UTF-8 character cut at ``end``; less at the end of the object, whose
    ``size`` is given)."""
    lo, hi = start - base, end - base
    q = ord(quote) if (csv and quote) else None
    special = _special(q, not csv)
    lf, crs, crlf = _line_ends(buf, lo, hi)  # one pass each, for everything below
    lines = _lines_from(buf, lo, lf, crs, crlf, csv=csv) if hi > lo else 0
    results: dict[int, tuple[int | None, int, int]] = {}
    spans: dict[int, bool] = {}
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
        spans[state] = s.spans
    lone_cr = bool(crs) and crs != buf.count(b"\r\n", lo, min(hi + 1, len(buf)))
    return RangeScan(start, end, results, lines, spans, lf, lone_cr, _utf8_range(buf, lo, hi),
                     end >= size and hi > lo and buf[hi - 1] == _LF)


class Piece(NamedTuple):
    """Bytes ``[start, end)`` of an object, starting at a record start after ``line0`` lines."""

    start: int
    end: int
    line0: int


def lines_are_records(scans: list[RangeScan]) -> bool:
    """Whether every line of the object (its ranges' scans, in order, covering it) is exactly one record:
    no line end inside a quoted field, no quoted field left open at the end, LF or CRLF line ends only,
    UTF-8 throughout. Such an object can be read line by line, its line numbers counted from LFs alone."""
    state = OUT
    for scan in scans:
        if scan.lone_cr or not scan.utf8 or scan.spans.get(state, scan.spans.get(OUT, True)):
            return False
        state = scan.results.get(state, scan.results[OUT])[2]
    return state == OUT


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
