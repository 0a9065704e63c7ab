"""What a Python worker does with one read task: bytes of an object in, text rows out (Arrow batches).

A task is one row of the task table ``readers`` builds (``TASK_SCHEMA``):

- ``piece``: bytes ``[start, end)`` of an uncompressed object, from one record start to the next
  (``boundaries.chain``), parsed with the object's first record's ``layout`` unless it is the piece at
  byte 0. Memory is bounded by the piece, i.e. by the block size (plus at most one record).
- ``skip``: a later piece of a CSV object whose first record could not be read (the piece at byte 0
  reports why); it only reports itself.
- ``stream``: a whole compressed (or not byte-splittable) object, decompressed as a stream and parsed
  block by block, each block cut at its last record start (``boundaries.last_record_start``); the rest
  is carried into the next block. Memory is bounded by the block size, never the object's size.

Each task yields its records and one ``_info`` row (rows read, extra and missing columns, the error
that makes the object unreadable). Kept free of Spark imports: tests call ``run_task`` directly.
"""

from __future__ import annotations

import bz2
import gc
import json
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from orchestration.core.compression import DECOMPRESS_ERRORS, gzip_reader
from orchestration.core.errors import DataError
from orchestration.core.storage import LocalLake, S3Storage, Storage

from .boundaries import count_lines, last_record_start
from .textparse import (
    FileInfo,
    Layout,
    ParseOptions,
    decode,
    fast_csv,
    header_info,
    is_utf8,
    parse_csv,
    parse_jsonl,
)

__all__ = ["BATCH_ROWS", "TASK_COLUMNS", "row_schema", "run_task", "storage_for", "raw_column"]

BATCH_ROWS = 20_000
TASK_COLUMNS = ("uri", "mode", "start", "stop", "line0", "compression", "layout", "seq")
"""One read task: object, ``piece``/``stream``, byte range, lines before it, compression, the
object's first-record ``Layout`` as JSON (NULL for the piece at byte 0), manifest order of the object."""


def raw_column(index: int) -> str:
    """Name of the text column holding spec column ``index`` before casting."""
    return f"_raw_{index}"


def row_schema(n: int) -> Any:
    import pyarrow as pa

    return pa.schema([("_source_file", pa.string()), ("_record", pa.int64()), ("_parse_error", pa.string()),
                      ("_missing", pa.list_(pa.string())), ("_info", pa.string())]
                     + [(raw_column(i), pa.string()) for i in range(n)])


def storage_for(root: Path | None) -> Storage:
    """The lake the driver saw (``root``; workers may not share its environment), else S3."""
    return LocalLake(root) if root is not None else S3Storage()


@contextmanager
def _decompressed(raw: IO[bytes], compression: str) -> Iterator[IO[bytes]]:
    if compression == "gzip":
        with gzip_reader(raw) as g:
            yield g  # type: ignore[misc]
    elif compression == "bz2":
        with bz2.BZ2File(raw, mode="rb") as b:
            yield b
    elif compression == "zstd":
        import pyarrow as pa

        with pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), "zstd") as z:
            yield z
    else:
        yield raw


def _decompress_error(uri: str, compression: str, e: BaseException) -> str:
    return (f"{uri}: cannot decompress {compression} ({e}); the object is corrupt or truncated, "
            f"replace it or exclude it with source.pattern")


class _Batches:
    """Collects rows into Arrow batches of the row schema."""

    def __init__(self, n: int) -> None:
        import pyarrow as pa

        self.pa, self.n, self.schema = pa, n, row_schema(n)
        self.pending: list[tuple[Any, ...]] = []

    def add(self, row: tuple[Any, ...]) -> Any:
        self.pending.append(row)
        return self.flush() if len(self.pending) >= BATCH_ROWS else None

    def flush(self) -> Any:
        pa = self.pa
        uris, lines, errors, missing, infos, values = zip(*self.pending, strict=True)
        columns = [list(uris), list(lines), list(errors), list(missing), list(infos)]
        columns += [list(c) for c in zip(*values, strict=True)] if self.n else []
        self.pending.clear()
        return pa.RecordBatch.from_arrays([pa.array(c, type=self.schema.field(i).type) for i, c in enumerate(columns)],
                                          schema=self.schema)

    def table(self, table: Any, uri: str, first_line: int, missing: list[str]) -> Iterator[Any]:
        """A fast-path table of text columns as batches (records on consecutive lines)."""
        pa = self.pa
        n = table.num_rows
        meta = [
            pa.repeat(uri, n).cast(pa.string()), pa.array(range(first_line, first_line + n), pa.int64()),
            pa.nulls(n, pa.string()),
            pa.repeat(pa.scalar(missing, pa.list_(pa.string())), n) if missing else pa.nulls(n, pa.list_(pa.string())),
            pa.nulls(n, pa.string()),
        ]
        out = pa.Table.from_arrays(meta + [table.column(i) for i in range(table.num_columns)], schema=self.schema)
        yield from out.to_batches(max_chunksize=BATCH_ROWS)


def _parse(data: bytes, uri: str, opts: ParseOptions, info: FileInfo, out: _Batches, *, offset: int, line0: int,
           layout: Layout | None) -> Generator[Any, None, int]:
    """The Arrow batches of one piece; the generator's value is its row count (``info`` gets the rest).
    UTF-8 pieces try the fast path on their bytes as they are; the text is decoded (and invalid bytes
    reported with their offset) only when the Python parser has to decide."""
    text: str | None = None
    if opts.format == "csv":
        if not is_utf8(opts.encoding):
            text = decode(data, opts.encoding, uri, offset=offset, line0=line0)
        fast = fast_csv(data if text is None else text.encode("utf-8"), uri, opts, line0=line0, layout=layout)
        if fast is not None:
            table, first_line, header = fast
            if layout is None:
                assert header is not None
                header_info(header, uri, opts, info)
            else:
                info.layout = layout
            if table.num_rows:
                yield from out.table(table, uri, first_line, info.missing_columns)
            return table.num_rows
    if text is None:
        text = decode(data, opts.encoding, uri, offset=offset, line0=line0,
                      hint=" or set source.csv.encoding" if opts.format == "csv" else " (JSON Lines are UTF-8)")
    records = parse_csv if opts.format == "csv" else parse_jsonl
    count = 0
    missing: list[str] | None = None
    first = True
    for line, values, error in records(text, uri, opts, info, line0=line0, layout=layout):
        if first:
            missing, first = info.missing_columns or None, False
        batch = out.add((uri, line, error, missing, None, values))
        count += 1
        if batch is not None:
            yield batch
    return count


def run_task(task: dict[str, Any], opts: ParseOptions, storage: Storage, block_size: int) -> Iterator[Any]:
    """The Arrow batches of one read task: its records, then its ``_info`` row. Python's cyclic garbage
    collector is paused while the task runs (and as it was afterwards, also when the task is closed
    early): the parse makes a tuple per record and keeps up to ``BATCH_ROWS`` of them, none in a cycle,
    and the collector kept walking them, a third of the time of a JSON Lines parse."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield from _run_task(task, opts, storage, block_size)
    finally:
        if paused:
            gc.enable()


def _run_task(task: dict[str, Any], opts: ParseOptions, storage: Storage, block_size: int) -> Iterator[Any]:
    uri = task["uri"]
    out = _Batches(len(opts.columns))
    info = FileInfo(uri)
    extra: dict[str, None] = {}
    count = 0
    layout: Layout | None = None
    if task.get("layout"):
        index, width, names = json.loads(task["layout"])
        layout = Layout(tuple(index), width, tuple(names))
        info.missing_columns = [c for c, i in zip(opts.columns, index, strict=True) if i is None]
    try:
        if task["mode"] == "piece":
            data = storage.read_range(uri, task["start"], task["stop"])
            count = yield from _parse(data, uri, opts, info, out, offset=task["start"], line0=task["line0"],
                                      layout=layout)
            extra.update(dict.fromkeys(info.extra_columns))
        elif task["mode"] == "stream":
            count = yield from _stream(task, opts, storage, block_size, info, out, extra)
        else:  # "skip": the object has no readable header, so its piece at byte 0 fails the run; unless it is blank
            data = storage.read_range(uri, task["start"], task["stop"])
            if data.strip(b"\r\n"):
                info.fatal = (f"{uri}: records from byte {task['start']} (line {task['line0'] + 1}) on follow no "
                              "readable header")
    except ValueError as e:
        info.fatal = str(e)
    except DataError as e:  # the object is gone or unreadable
        info.fatal = f"{uri}: {e.message}"
    row = json.dumps({"uri": uri, "seq": task["seq"], "start": task["start"], "extra": list(extra),
                      "missing": info.missing_columns if task["start"] == 0 else [], "fatal": info.fatal,
                      "rows": count})
    batch = out.add((uri, None, None, None, row, (None,) * len(opts.columns)))
    if batch is not None:  # the info row completed a batch
        yield batch
    if out.pending:
        yield out.flush()


def _stream(task: dict[str, Any], opts: ParseOptions, storage: Storage, block_size: int, info: FileInfo,
            out: _Batches, extra: dict[str, None]) -> Generator[Any, None, int]:
    """Decompress and parse one object block by block; returns the row count."""
    uri, compression = task["uri"], task["compression"]
    csv = opts.format == "csv"
    splittable = task["stop"] >= 0  # stop < 0: the encoding cannot be cut at bytes, read it whole
    count, offset, line0 = 0, 0, 0
    carry = b""
    with storage.open_input(uri) as raw:
        try:
            with _decompressed(raw, compression) as stream:
                eof = False
                while not eof:
                    try:
                        block = stream.read(block_size if splittable else -1)
                    except DECOMPRESS_ERRORS as e:
                        raise ValueError(_decompress_error(uri, compression, e)) from None
                    eof = not block or not splittable
                    buf = carry + block
                    cut = len(buf) if eof else last_record_start(buf, csv=csv, quote=opts.quote,
                                                                  delimiter=opts.delimiter)
                    if cut is None:
                        carry = buf
                        continue
                    piece, carry = buf[:cut], buf[cut:]
                    if not piece:
                        continue
                    count += yield from _parse(piece, uri, opts, info, out, offset=offset, line0=line0,
                                               layout=info.layout)
                    extra.update(dict.fromkeys(info.extra_columns))
                    if info.fatal:
                        return count
                    offset += len(piece)
                    line0 += count_lines(piece, 0, len(piece), csv=csv)
        except ValueError:
            raise
        except Exception as e:  # pyarrow's zstd errors have their own types
            if compression == "none":
                raise
            raise ValueError(_decompress_error(uri, compression, e)) from None
    return count
