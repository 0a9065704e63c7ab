"""Turn one CSV or JSON Lines object into text records with line numbers (docs/semantics.md §1, §6).

Pure Python, no Spark: the Spark reader runs it inside Python workers over whole objects, and tests
call it directly. Each object becomes a ``FileInfo`` (extra and missing columns, or the whole-file
error that fails the run) and a stream of ``Record``s: the record's first physical line (1-based,
counting the header and blank lines), one text value (or None) per spec column, and a parse error
(``parse:...``) for rows that are damaged on their own.

Why not Spark's CSV reader: it cannot say on which line a record starts, it folds an unquoted empty
field and a missing field into the same NULL, and ``null_values`` would apply after its own rules.
Parsing here with the ``csv`` module over whole objects gives exact line numbers and raw text.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, NamedTuple

from orchestration.core.semantics.jsontext import decode_record

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

BOM = b"\xef\xbb\xbf"

__all__ = ["FileInfo", "Layout", "Record", "ParseOptions", "decode", "parse_csv", "parse_jsonl", "fast_csv", "header_info", "is_utf8"]


@dataclass(frozen=True)
class ParseOptions:
    """What the parser needs from the spec: source column names in spec order and CSV options."""

    columns: tuple[str, ...]
    format: str = "csv"
    header: bool = True
    delimiter: str = ","
    quote: str = '"'
    null_values: tuple[str, ...] = ("",)
    encoding: str = "utf-8"


class Layout(NamedTuple):
    """What a CSV object's first record fixed, which every later piece of the object needs: the field
    index of each spec column (None: missing), the expected field count and the field names."""

    positions: tuple[int | None, ...]
    width: int
    names: tuple[str, ...]


@dataclass
class FileInfo:
    """What one object contributes besides rows."""

    uri: str
    extra_columns: list[str] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)
    fatal: str | None = None
    layout: Layout | None = None
    """Set by ``parse_csv`` once it has read the header (or the first record without a header)."""


class Record(NamedTuple):
    """One record: its starting line, one text value per spec column, and a row-level parse error."""

    line: int
    values: tuple[str | None, ...]
    error: str | None = None


def decode(data: bytes, encoding: str, uri: str, *, offset: int = 0, line0: int = 0, errors: str = "strict",
           hint: str = " or set source.csv.encoding") -> str:
    """Decode text and drop a UTF-8 byte-order mark; raises ValueError naming the byte offset.

    ``data`` may be a piece of the object starting at byte ``offset`` after ``line0`` lines: the
    error names the position in the whole object, and only a piece at offset 0 can start with a BOM.
    ``errors="replace"`` never raises (for a look at the head, whose bytes the pieces check again).
    """
    codec = "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding
    try:
        text = data.decode(codec, errors)
    except UnicodeDecodeError as e:
        line = line0 + data[: e.start].count(b"\n") + 1
        raise ValueError(f"{uri}: invalid {encoding} at byte offset {offset + e.start} (line {line}); "
                         f"fix the file{hint}") from None
    if offset == 0 and codec == "utf-8" and text.startswith("\ufeff"):
        text = text[1:]
    return text


def _header(row: list[str], start: int, uri: str, opts: ParseOptions, info: FileInfo) -> Layout | None:
    """Field index per spec source column; fills ``info``. None (and ``info.fatal``) for duplicate names."""
    if opts.header:
        names = row
        seen: dict[str, int] = {}
        for i, name in enumerate(names):
            if name in seen:
                info.fatal = (f"{uri}: line {start}: duplicate header {name!r} at columns {seen[name] + 1} and "
                              f"{i + 1}; rename one of them in the source")
                return None
            seen[name] = i
    else:
        names = [opts.columns[i] if i < len(opts.columns) else f"_c{i}" for i in range(len(row))]
    wanted = set(opts.columns)
    positions = {n: i for i, n in enumerate(names) if n in wanted}
    info.missing_columns = [c for c in opts.columns if c not in positions]
    info.extra_columns = [n for n in names if n not in wanted]
    info.layout = Layout(tuple(positions.get(c) for c in opts.columns), len(row), tuple(names))
    return info.layout


def _picker(index: tuple[int | None, ...]) -> Callable[[list[str]], tuple[str | None, ...]]:
    """A fast function from a parsed row to the spec columns' values (None for missing columns)."""
    if index and None not in index:
        if index == tuple(range(len(index))):
            return lambda row: tuple(row[: len(index)])
        if len(index) > 1:
            return itemgetter(*index)
        only = index[0]
        return lambda row: (row[only],)  # type: ignore[index]
    return lambda row: tuple(None if p is None else row[p] for p in index)


def parse_csv(text: str, uri: str, opts: ParseOptions, info: FileInfo, *, line0: int = 0,
              layout: Layout | None = None) -> Iterator[Record]:
    """Records of one CSV object, or of one piece of it. Fills ``info`` (header problems, ``layout``)
    before the first record.

    Values are the raw field text (``null_values`` are applied by the cast rules, so the quarantine
    keeps what the file said). Lines end at LF, CRLF or a lone CR (``newline=""``); the first
    non-blank record is the header, or, without a header, fixes the expected field count. A row with
    another field count is quarantined with the fields it has.

    A piece starts at a record boundary after ``line0`` lines of the object; ``layout`` is what the
    object's first record fixed (``FileInfo.layout`` of the piece that held it). Without ``layout``
    the text is taken as the start of the object.
    """
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=opts.delimiter, quotechar=opts.quote,
                        doublequote=True, strict=False)
    info.layout = layout
    index = layout.positions if layout else ()
    pick = _picker(index)
    width = layout.width if layout else 0
    while True:
        start = line0 + reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            info.fatal = f"{uri}: cannot parse CSV near line {start}: {e}"
            return
        if not row:
            continue  # a blank line: counted in line numbers, never a record
        if info.layout is None:
            if _header(row, start, uri, opts, info) is None:
                return
            assert info.layout is not None
            index, width = info.layout.positions, info.layout.width
            pick = _picker(index)
            if opts.header:
                continue
        if len(row) != width:
            values = tuple(row[p] if p is not None and p < len(row) else None for p in index)
            yield Record(start, values, f"parse:field count {len(row)}, expected {width}")
            continue
        yield Record(start, pick(row))


def header_info(text: str, uri: str, opts: ParseOptions, info: FileInfo) -> None:
    """Fill ``info`` from the header alone (extra and missing columns)."""
    next(parse_csv(text, uri, opts, info), None)


def is_utf8(encoding: str) -> bool:
    """Whether the spec's ``source.csv.encoding`` is UTF-8 (the two spellings ``decode`` reads as UTF-8)."""
    return encoding in ("utf-8", "utf-8-sig")


def _valid_utf8(buf: Any) -> bool:
    """Whether a buffer is valid UTF-8, checked in C++ (a cast of one binary value to text)."""
    import pyarrow as pa

    offsets = pa.py_buffer((0).to_bytes(8, "little") + int(buf.size).to_bytes(8, "little"))
    try:
        pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, buf]).cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def fast_csv(data: bytes, uri: str, opts: ParseOptions, *, line0: int = 0,
             layout: Layout | None = None) -> tuple[Any, int, str | None] | None:
    """The common case in C++: when every line after the header is one well-formed record, the spec
    columns as a pyarrow Table of text (missing columns NULL), the first record's line number and the
    header line's text (None with ``layout``).

    ``data`` is UTF-8 (the caller re-encodes other encodings) and is never copied: the header line is
    found in the bytes, the rest is handed to pyarrow as it is. None means "decode and use
    ``parse_csv``" (no header mode, a header spanning lines, blank lines, quoted
    newlines spanning lines, lone CRs, rows with another field count, invalid UTF-8, or pyarrow
    refusing the text): exactly the split the Lambda engine makes between its pyarrow fast path and
    its ``csv`` slow path. With ``layout`` the data is a later piece of the object (no header), after
    ``line0`` lines.
    """
    if not opts.header:
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        quote = opts.quote.encode()
        header_text: str | None = None
        if layout is None:
            at = 3 if data.startswith(BOM) else 0
            end = data.find(b"\n", at)
            stop = len(data) if end < 0 else end + 1
            line = data[at:stop]
            bare = line.rstrip(b"\r\n")
            if not bare or line.count(quote) % 2 or b"\r" in bare:
                return None  # a blank first line, a header spanning lines, a lone CR: the Python parser decides
            header_text = line.decode("utf-8")
            names = next(csv.reader([bare.decode("utf-8")], delimiter=opts.delimiter, quotechar=opts.quote,
                                    doublequote=True, strict=False))
            first = line0 + 2
        else:
            names, first, stop = list(layout.names), line0 + 1, 0
        if len(set(names)) != len(names):
            return None
        body = pa.py_buffer(data).slice(stop)
        if not _valid_utf8(body):
            return None
        positions = {n: i for i, n in enumerate(names)}
        fields = [f"f{i}" for i in range(len(names))]
        present = sorted({positions[c] for c in opts.columns if c in positions})
        include = [fields[i] for i in present] or fields[:1]
        if body.size == 0:
            return pa.table({c: pa.array([], pa.string()) for c in opts.columns}), first, header_text
        invalid: list[object] = []

        def on_invalid(bad: object) -> str:
            invalid.append(bad)
            return "skip"

        table = pacsv.read_csv(
            body,
            read_options=pacsv.ReadOptions(column_names=fields, use_threads=False, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=opts.delimiter, quote_char=opts.quote, double_quote=True,
                                             escape_char=False, newlines_in_values=data.find(quote, stop) >= 0,
                                             ignore_empty_lines=True, invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={f: pa.string() for f in include}, include_columns=include,
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                 null_values=[]),
        )
        lines = data.count(b"\n", stop) + (0 if data.endswith(b"\n") else 1)
        if invalid or table.num_rows != lines:
            return None
        n = table.num_rows
        cols = {c: (table.column(fields[positions[c]]).combine_chunks() if c in positions else pa.nulls(n, pa.string()))
                for c in opts.columns}
        return pa.table(cols), first, header_text
    except Exception:  # pyarrow refused the text or is too old: the Python parser decides
        return None


def parse_jsonl(text: str, uri: str, opts: ParseOptions, info: FileInfo, *, line0: int = 0,
                layout: Layout | None = None) -> Iterator[Record]:
    """Records of one JSON Lines object (or of a piece of it after ``line0`` lines); blank lines are
    skipped but counted. ``layout`` is unused (JSON Lines records carry their own names). Values:
    ``orchestration.core.semantics.jsontext``, shared with the Lambda engine."""
    columns = opts.columns
    known = set(columns)
    extra: dict[str, None] = {}
    none_row = (None,) * len(columns)
    for number, line in enumerate(text.split("\n"), start=line0 + 1):
        if not line or line.isspace():
            continue
        decoded = decode_record(line, columns)
        if isinstance(decoded, str):  # the rule it breaks
            yield Record(number, none_row, decoded)
            continue
        obj, values = decoded
        if not known.issuperset(obj):
            for k in obj:
                if k not in known:
                    extra[k] = None
                    known.add(k)
        yield Record(number, values)
    info.extra_columns = list(extra)
