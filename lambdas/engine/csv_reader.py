"""CSV in bounded blocks with exact physical line numbers.

The decompressed stream is cut into blocks of whole records: at the last newline before which the
quote characters balance (an even count means "outside quotes", since a doubled quote adds two).
Each block is parsed by pyarrow (C++, multi-threaded, every field as text). Record numbers:

- fast path: when the block's physical line count equals its parsed rows, every line is one record,
  so records are ``first_line + i``;
- blank lines or quoted fields spanning lines: ``record_starts`` finds where each record starts from the
  newlines outside quotes (Arrow compute kernels);
- otherwise (rows with the wrong field count, or the two parses disagree) the block is parsed again with
  Python's ``csv`` module, which reports where every record starts; that parse is then the block's
  result, and rows with the wrong field count become rejects.

Peak memory is a few blocks, whatever the object's size.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from orchestration.core.errors import DataError

from .chunks import Chunk, ObjectLayout, Reject, int_range
from .source import SourceStream, StreamReader

if TYPE_CHECKING:

    from orchestration.core.spec.models import CsvOptions, Spec


__all__ = ["CsvReader", "record_starts"]

BOM = b"\xef\xbb\xbf"
_NOT_NEWLINE = re.compile(rb"[^\r\n]")
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _split_point(buf: bytes | bytearray, quote: bytes, end: int, start: int = 0, newline: bytes = b"\n") -> int:
    """Index just after the last newline in ``buf[start:end]`` that lies outside quotes; -1 if none."""
    pos = buf.rfind(newline, start, end)
    if pos < 0:
        return -1
    if buf.find(quote, start, pos) < 0:
        return pos + 1
    count = buf.count(quote, start, pos)
    while pos >= start:
        if count % 2 == 0:
            return pos + 1
        prev = buf.rfind(newline, start, pos)
        if prev < 0:
            return -1
        count -= buf.count(quote, prev, pos)
        pos = prev
    return -1


def _first_record_end(buf: bytes, quote: bytes, newline: bytes = b"\n") -> int:
    """Index just after the first newline outside quotes; -1 if none."""
    pos = -1
    count = 0
    while True:
        nxt = buf.find(newline, pos + 1)
        if nxt < 0:
            return -1
        count += buf.count(quote, pos + 1, nxt)
        pos = nxt
        if count % 2 == 0:
            return pos + 1


def record_starts(data: bytes, quote: bytes, first_line: int) -> list[int]:
    """The physical line where each non-blank record of ``data`` starts. Arrow kernels find the record
    ends, the newlines outside quotes (an even count of quote characters before them); one pass over the
    records then numbers them: record k starts on the line after the newline that ended record k-1.
    (Arrow, not numpy: the Lambda package carries no numpy.)"""
    import pyarrow as pa
    import pyarrow.compute as pc

    size = len(data)
    if size == 0:
        return []
    arr = pa.Array.from_buffers(pa.uint8(), size, [None, pa.py_buffer(data)])
    newlines = pc.indices_nonzero(pc.equal(arr, 10))  # positions of every newline
    if quote in data:
        # Running count of quote characters (uint8 wraps at 256, which keeps the parity).
        quotes = pc.cumulative_sum(pc.cast(pc.equal(arr, quote[0]), pa.uint8()))
        outside = pc.equal(pc.bit_wise_and(pc.take(quotes, newlines), 1), 0)
        end_idx = pc.indices_nonzero(outside)  # indices into ``newlines`` of record ends
    else:
        end_idx = pc.indices_nonzero(pc.is_valid(newlines))
    ends = pc.cast(pc.take(newlines, end_idx), pa.int64()).to_pylist()
    end_lines = pc.cast(end_idx, pa.int64()).to_pylist()
    if not data.endswith(b"\n"):
        ends.append(size)
    out: list[int] = []
    start, line = 0, first_line
    for end, idx in zip(ends, [*end_lines, None], strict=False):
        length = end - start
        if length > 1 or (length == 1 and data[start] != 13):
            out.append(line)
        start = end + 1
        if idx is not None:
            line = first_line + idx + 1
    return out


class CsvReader(StreamReader):
    """Reads one CSV object as Chunks of the spec's source columns."""

    def __init__(self, stream: SourceStream, spec: Spec, block_bytes: int) -> None:
        self.stream = stream
        self.uri = stream.uri
        self.opts: CsvOptions = spec.source.csv
        self.block_bytes = max(block_bytes, 1024)
        self.quote = self.opts.quote.encode()
        self.sources = list(dict.fromkeys(c.source_name for c in spec.columns))
        self.layout = ObjectLayout()
        self._eof = False
        # Bytes not yet parsed are _buf[_lo:_hi]. One buffer is reused for every block (a block is a view
        # into it, parsed before the next read overwrites it): reading into fresh memory per block, then
        # copying it to join, cut and strip it, cost more CPU in page faults and copies than the parse.
        self._buf = bytearray()
        self._lo = self._hi = 0
        self._quoted = False  # whether the last block taken holds a quote character
        # Lines end in LF or CRLF, or, in files whose first line ends in a lone CR (classic Mac, as Excel for
        # Mac still writes CSV), in CR: then blocks are cut and lines counted at CR.
        self._newline = b"\n"
        self._offset = 0  # decompressed byte offset of _buf[_lo]
        self._line = 1  # physical line number of _buf[_lo]
        self.positions: dict[str, int] = {}  # source column -> field index
        self.width = 0
        self.header: list[str] = []

    # ------------------------------------------------------------------ bytes

    def _pending_copy(self) -> bytes:
        """A copy of the bytes not yet parsed (for the header only; blocks are views, see ``_take``)."""
        return bytes(self._buf[self._lo:self._hi])

    def _fill(self, need: int) -> None:
        """Reads until at least ``need`` bytes are pending (or the object ends)."""
        while not self._eof and self._hi - self._lo < need:
            if len(self._buf) - self._lo < need:
                have = self._hi - self._lo
                if len(self._buf) >= need:  # move what is pending to the front (same size: no resize)
                    self._buf[0:have] = self._buf[self._lo:self._hi]
                else:  # a larger buffer; the old one may still be exported to a block's Arrow buffer
                    grown = bytearray(max(need, 2 * len(self._buf)))
                    grown[0:have] = self._buf[self._lo:self._hi]
                    self._buf = grown
                self._lo, self._hi = 0, have
            view = memoryview(self._buf)
            try:
                n = self.stream.readinto(view[self._hi:])
                bom = (self._offset == 0 and self._hi == 0 and view[:len(BOM)] == BOM
                       and self.opts.encoding in ("utf-8", "utf-8-sig"))  # latin-1, cp1252: text like any other
            finally:
                view.release()
            if not n:
                self._eof = True
                break
            if bom:
                self._lo = self._offset = len(BOM)
            self._hi += n

    def _take(self, n: int) -> tuple[memoryview, int, int]:
        """The next ``n`` pending bytes as a view into the buffer (valid until the next ``_fill``), with their
        decompressed offset and first line."""
        block = memoryview(self._buf)[self._lo:self._lo + n]
        offset, line = self._offset, self._line
        self._line += self._buf.count(self._newline, self._lo, self._lo + n)
        self._quoted = self._buf.find(self.quote, self._lo, self._lo + n) >= 0
        self._lo += n
        self._offset += n
        return block, offset, line

    def _next_block(self) -> tuple[memoryview, int, int] | None:
        target = self.block_bytes
        while True:
            self._fill(target)
            have = self._hi - self._lo
            if not have:
                return None
            if self._eof and have <= target:
                return self._take(have)
            cut = _split_point(self._buf, self.quote, self._lo + target, self._lo, self._newline)
            if cut > 0:
                return self._take(cut - self._lo)
            if self._eof:
                return self._take(have)
            target *= 2  # one record longer than the block: read on

    def _text(self, block: bytes | memoryview, offset: int, line: int) -> str:
        enc = self.opts.encoding
        block = bytes(block)
        try:
            return block.decode("utf-8" if enc in ("utf-8", "utf-8-sig") else enc)
        except UnicodeDecodeError as e:
            bad_line = line + block.count(b"\n", 0, e.start)
            raise DataError(
                f"invalid {enc} data at line {bad_line} (byte {offset + e.start}); "
                "fix the file or set source.csv.encoding", where=self.uri
            ) from None

    def _utf8(self, block: memoryview, offset: int, line: int) -> bytes | memoryview:
        if self.opts.encoding in ("utf-8", "utf-8-sig"):
            return block
        return self._text(block, offset, line).encode("utf-8")

    def _reader(self, text: str) -> Iterator[list[str]]:
        return csv.reader(io.StringIO(text, newline=""), delimiter=self.opts.delimiter,
                          quotechar=self.opts.quote, doublequote=True, strict=False)

    # ----------------------------------------------------------------- header

    def _read_header(self) -> bool:
        """Sets names, positions and the layout; False for an empty object. Blank lines before the first
        record are skipped (counted as lines), as the Glue engine does, however many there are."""
        while True:
            self._fill(1 << 16)
            pending = self._pending_copy()
            rest = len(pending.lstrip(b"\r\n"))
            blank = len(pending) - rest
            if not rest and not self._eof and pending.endswith(b"\r"):
                blank -= 1  # a CR at the end of what was read may be the first half of a CRLF
            if blank:
                run = pending[:blank]
                self._take(blank)  # counts the LFs; a lone CR ends a line too
                self._line += run.count(b"\r") - run.count(b"\r\n")
            if rest:
                break
            if self._eof:
                return False
        pending = self._pending_copy()
        while True:
            cr, lf = pending.find(b"\r"), pending.find(b"\n")
            if self._eof or lf >= 0 or 0 <= cr < len(pending) - 1:
                break  # whether the first line ends in a lone CR is decided
            self._fill(len(pending) * 2)
            pending = self._pending_copy()
        if cr >= 0 and (lf < 0 or cr + 1 < lf):
            self._newline = b"\r"
        while not self._eof and _first_record_end(pending, self.quote, self._newline) < 0:
            self._fill(len(pending) * 2)
            pending = self._pending_copy()
        end = _first_record_end(pending, self.quote, self._newline)
        first = pending if end < 0 else pending[:end]
        rows = [r for r in self._reader(self._text(first, self._offset, self._line)) if r]
        fields = rows[0] if rows else []
        self.width = len(fields)
        if self.opts.header:
            _, _, line = self._take(len(first))
            self.header = fields
            seen: dict[str, int] = {}
            for i, name in enumerate(fields):
                if name in seen:  # the Glue engine's words (glue_jobs/engine/textparse.py)
                    raise DataError(f"line {line}: duplicate header {name!r} at columns {seen[name] + 1} and {i + 1}; "
                                    "rename one of them in the source", where=self.uri)
                seen[name] = i
            names = fields
        else:
            names = [self.sources[i] if i < len(self.sources) else f"_c{i}" for i in range(self.width)]
            self.header = names
        self.positions = {n: i for i, n in enumerate(names) if n in self.sources}
        self.layout.missing = {s for s in self.sources if s not in self.positions}
        self.layout.extra = [n for n in names if n not in self.sources]
        return True

    # ------------------------------------------------------------------ parse

    def chunks(self) -> Iterator[Chunk]:
        try:
            if not self._read_header():
                return
            while True:
                nxt = self._next_block()
                if nxt is None:
                    return
                block, offset, line = nxt
                if _NOT_NEWLINE.search(block) is None:  # blank lines only
                    continue
                chunk = self._parse(block, offset, line, newlines=self._line - line,  # counted by _take
                                    has_quote=self._quoted)
                if chunk.table.num_rows or chunk.rejects:
                    yield chunk
        finally:
            self.stream.close()

    def _present(self) -> list[str]:
        return [s for s in self.sources if s in self.positions]

    def _parse(self, block: memoryview, offset: int, line: int, newlines: int, has_quote: bool) -> Chunk:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        data = self._utf8(block, offset, line)
        names = [f"f{i}" for i in range(self.width)]
        present = self._present()
        include = [f"f{self.positions[s]}" for s in present]
        invalid: list[object] = []

        def on_invalid(row: object) -> str:
            invalid.append(row)
            return "skip"

        if data is not block:  # re-encoded to UTF-8
            has_quote = self.quote in data
        try:
            table = pacsv.read_csv(
                pa.py_buffer(data),
                read_options=pacsv.ReadOptions(column_names=names, use_threads=True, block_size=1 << 22),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.opts.delimiter, quote_char=self.opts.quote, double_quote=True,
                    escape_char=False, newlines_in_values=has_quote, ignore_empty_lines=True,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in include}, include_columns=include or names[:1],
                    strings_can_be_null=False, quoted_strings_can_be_null=False, null_values=[],
                ),
            )
        except pa.ArrowInvalid as e:
            if "UTF8" in str(e) or "utf8" in str(e).lower():
                self._text(block, offset, line)  # raises DataError with the exact position
            return self._parse_python(block, offset, line, str(e))
        if invalid:
            return self._parse_python(block, offset, line, None)
        if data is not block:  # re-encoded to UTF-8
            newlines = bytes(data).count(b"\n")
        lines = newlines + (0 if data[-1:] == self._newline else 1)
        if table.num_rows == lines:
            records = int_range(line, table.num_rows)
        elif self._newline != b"\n":  # CR line ends: Python's csv module numbers the records
            return self._parse_python(block, offset, line, None)
        else:  # blank lines or quoted newlines: find where each record starts
            starts = record_starts(bytes(data), self.quote, line)
            if len(starts) != table.num_rows:
                return self._parse_python(block, offset, line, None)
            records = pa.array(starts, pa.int64())  # only for blocks with blank or multi-line records
        if not include:
            table = table.select([])
        table = table.rename_columns(present)
        return Chunk(table.append_column("_record", records))

    def _parse_python(self, block: bytes | memoryview, offset: int, line: int,
                      arrow_error: str | None) -> Chunk:
        """Slow path: Python's csv module knows where each record starts."""
        import pyarrow as pa

        text = self._text(block, offset, line)
        present = self._present()
        cols: list[list[str]] = [[] for _ in present]
        idx = [self.positions[s] for s in present]
        records: list[int] = []
        rejects: list[Reject] = []
        reader = self._reader(text)
        prev_end = 0
        try:
            for row in reader:
                start = line + prev_end
                prev_end = reader.line_num  # type: ignore[attr-defined]
                if not row:
                    continue  # a blank line: counted, not a record
                if len(row) != self.width:
                    values = {name: (row[i] if i < len(row) else None)
                              for i, name in enumerate(self.header) if name in self.sources}
                    rejects.append(Reject(start, values, f"parse:field count {len(row)}, expected {self.width}"))
                    continue
                records.append(start)
                for c, i in zip(cols, idx, strict=True):
                    c.append(row[i])
        except csv.Error as e:
            raise DataError(f"cannot parse CSV near line {line + prev_end}: {e}"
                            + (f" (pyarrow: {arrow_error})" if arrow_error else ""), where=self.uri) from None
        arrays = [pa.array(c, pa.string()) for c in cols] + [pa.array(records, pa.int64())]
        return Chunk(pa.table(arrays, names=[*present, "_record"]), rejects)
