"""Record starts and line numbers from byte ranges agree with Python's csv reader over the whole object.

Pure Python, no Spark: generated objects full of quoted line breaks, doubled quotes, stray quotes, CRLF
and lone CR, cut into ranges of every small size, must give exactly the records (text and first line)
that ``csv.reader`` gives for the whole object.
"""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from glue_jobs.engine.boundaries import ascii_compatible, chain, last_record_start, scan_range


def _reference(data: bytes) -> list[tuple[int, list[str]]]:
    """(first line, fields) of every record, as the whole-object parser sees them."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), strict=False)
    out = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return out
        if row:
            out.append((start, row))


def _pieces(data: bytes, block: int, csv_format: bool = True) -> list[tuple[int, int, int]]:
    size = len(data)
    scans = []
    for a in range(0, size, block):
        b = min(a + block, size)
        base = max(a - 3, 0)
        scans.append(scan_range(data[base:min(b + 1, size)], base, a, b, csv=csv_format, size=size))
    return [tuple(p) for p in chain(scans, size)]


def _by_pieces(data: bytes, block: int) -> list[tuple[int, list[str]]]:
    out = []
    for start, end, line0 in _pieces(data, block):
        text = data[start:end].decode("utf-8-sig" if start == 0 else "utf-8")
        out += [(line0 + n, row) for n, row in _reference(text.encode())]
    return out


_CHUNKS = st.sampled_from(['"', '""', ",", "\n", "\r\n", "\r", "a", "bc", '"x\ny"', "ü", '"a""b"', ' "', "\n\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHUNKS, max_size=40).map("".join), st.integers(min_value=1, max_value=9))
def test_pieces_parse_exactly_as_the_whole_object(text: str, block: int) -> None:
    data = text.encode()
    assert _by_pieces(data, block) == _reference(data)


def test_every_record_spans_lines_and_a_range_starts_inside_a_quoted_field() -> None:
    rows = [f'{i},"first line {i}\nsecond, line\r\nthird ""quoted"" line"\n' for i in range(30)]
    data = ("id,note\n" + "".join(rows)).encode()
    for block in (1, 2, 5, 16, 17, 64):
        got = _by_pieces(data, block)
        assert got == _reference(data)
        assert [line for line, _ in got] == [1] + [2 + 3 * i for i in range(30)]
    # a range that starts inside a quoted field: the scan must not take "second, line" as a record
    assert all(data[s - 1:s] in (b"\n", b"") for s, _, _ in _pieces(data, 20))


def test_a_byte_order_mark_does_not_hide_a_quoted_header() -> None:
    data = b'\xef\xbb\xbf"a\nb",c\n1,2\n'
    assert _by_pieces(data, 3) == _reference(data) == [(1, ["a\nb", "c"]), (3, ["1", "2"])]


def test_json_lines_pieces_start_after_every_line_feed() -> None:
    data = b'{"a": 1}\n\n{"a": "x\\"y"}\r\n{"a": 3}'
    pieces = _pieces(data, 4, csv_format=False)
    assert [p[0] for p in pieces] == [0, 9, 25]  # at most one piece starts in each 4-byte range
    assert [p[2] for p in pieces] == [0, 1, 3]  # LF only: the CR of CRLF is part of the line


def test_a_streamed_block_is_cut_at_its_last_complete_record() -> None:
    assert last_record_start(b'a,"b\nc"\nd,e\nf', csv=True) == 12
    assert last_record_start(b'a,"b\nc', csv=True) is None
    assert last_record_start(b"a,b\r", csv=True) is None  # CRLF or a lone CR: the next block decides
    assert last_record_start(b"a,b\r", csv=True, final=True) is None


def test_only_ascii_compatible_encodings_are_cut_at_bytes() -> None:
    assert ascii_compatible("utf-8") and ascii_compatible("latin-1") and ascii_compatible("cp1252")
    assert not ascii_compatible("utf-16") and not ascii_compatible("no-such-codec")


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHUNKS, max_size=40).map("".join))
def test_a_streamed_block_is_cut_at_the_last_record_start_of_any_prefix(text: str) -> None:
    """``last_record_start`` over every prefix of an object (and the whole of it, ``final``) names the last
    record start before the prefix's end that the whole object has (all of them from 1-byte ranges),
    never a CR at the very end, which may still be half of a CRLF."""
    data = text.encode()
    starts = [start for start, _, _ in _pieces(data, 1) if start > 0] if data else []
    for k in range(len(data) + 1):
        want = max((s for s in starts if s < k), default=None)
        assert last_record_start(data[:k], csv=True, final=k == len(data)) == want, (data, k)
