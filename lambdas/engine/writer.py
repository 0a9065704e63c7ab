"""Parquet output: Hive-partitioned, rolled at a target size, with deterministic names.

Files are named ``<unit>-<seq>.parquet`` inside each partition directory (``seq`` counts the files this
unit wrote there), so a retried invocation of the same unit overwrites its own files instead of adding
to them. Rows are buffered per partition and written in row groups of ``row_group_rows``; a file rolls
over at ``target_file_bytes`` or ``max_file_rows``. At most ``max_open`` files are open at once (the
least recently used one is finished first).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from orchestration.core.partitions import HIVE_DEFAULT_PARTITION, partition_path
from orchestration.core.spec.uris import join_uri

if TYPE_CHECKING:
    import pyarrow as pa

    from orchestration.core.storage import Storage

__all__ = ["PartitionedWriter", "partition_dir", "HIVE_DEFAULT_PARTITION", "WriterSettings", "unit_name"]


def unit_name(kind: str, index: int) -> str:
    """The name of one unit of work (``batch-00003``, ``dedupe-00001``): the stem of every file it writes."""
    return f"{kind}-{index:05d}"


def partition_dir(columns: list[str], values: tuple[Any, ...]) -> str:
    """``a=1/b=x`` for the partition columns and one row's values (the shared Hive rule)."""
    return partition_path(columns, values)


@dataclass(frozen=True)
class WriterSettings:
    """Output sizes; each default can be overridden through the environment (read when created)."""

    compression: str = "snappy"
    target_file_bytes: int = field(default_factory=lambda: _env("LOCKGATE_TARGET_FILE_BYTES", 128 * 1024 * 1024))
    """A file is finished once it reaches this size..."""
    max_file_rows: int = field(default_factory=lambda: _env("LOCKGATE_MAX_FILE_ROWS", 10_000_000))
    """...or this many rows."""
    row_group_rows: int = field(default_factory=lambda: _env("LOCKGATE_ROW_GROUP_ROWS", 128 * 1024))
    max_open: int = 128
    """Files open at once (one per partition being written)."""
    max_buffered_bytes: int = field(default_factory=lambda: _env("LOCKGATE_WRITER_BUFFER_BYTES", 32 * 1024 * 1024))
    """Rows held back to make row groups larger, over all partitions."""


def _env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class _Open:
    writer: Any
    sink: Any
    uri: str
    rows: int = 0


@dataclass
class _Partition:
    dir: str
    seq: int = 0
    pending: list[pa.Table] = field(default_factory=list)
    pending_rows: int = 0
    pending_bytes: int = 0


class PartitionedWriter:
    """Writes tables under ``base_uri`` into Hive partitions of ``partition_by``."""

    def __init__(self, storage: Storage, base_uri: str, unit: str, partition_by: list[str],
                 settings: WriterSettings, dir_names: list[str] | None = None) -> None:
        self.storage = storage
        self.dir_names = dir_names or partition_by
        self.base_uri = base_uri
        self.unit = unit
        self.partition_by = partition_by
        self.settings = settings
        self.schema: pa.Schema | None = None
        self.files: list[str] = []
        self.partitions: dict[str, None] = {}
        self.rows_written = 0
        self._parts: dict[str, _Partition] = {}
        self._open: OrderedDict[str, _Open] = OrderedDict()
        self._buffered = 0

    def write(self, table: pa.Table) -> None:
        """Add rows; they are split by partition (order within each partition is kept)."""
        if table.num_rows == 0:
            return
        if not self.partition_by:
            self._add("", table)
        else:
            for pdir, part in _split(table, self.partition_by, self.dir_names):
                self._add(pdir, part.drop_columns(self.partition_by))
        if self._buffered > self.settings.max_buffered_bytes:
            for key in sorted(self._parts, key=lambda k: -self._parts[k].pending_bytes):
                self._flush(key)
                if self._buffered <= self.settings.max_buffered_bytes // 2:
                    break

    def _add(self, pdir: str, table: pa.Table) -> None:
        if self.schema is None:
            self.schema = table.schema
        elif table.schema != self.schema:
            table = table.cast(self.schema)
        part = self._parts.get(pdir)
        if part is None:
            part = self._parts[pdir] = _Partition(pdir)
            if pdir:
                self.partitions[pdir] = None
        part.pending.append(table)
        part.pending_rows += table.num_rows
        part.pending_bytes += table.nbytes
        self._buffered += table.nbytes
        if part.pending_rows >= self.settings.row_group_rows:
            self._flush(pdir)

    def _flush(self, pdir: str) -> None:
        import pyarrow as pa

        part = self._parts[pdir]
        if not part.pending:
            return
        table = pa.concat_tables(part.pending) if len(part.pending) > 1 else part.pending[0]
        self._buffered -= part.pending_bytes
        part.pending, part.pending_rows, part.pending_bytes = [], 0, 0
        start = 0
        while start < table.num_rows:
            handle = self._writer(part)
            room = self.settings.max_file_rows - handle.rows
            piece = table.slice(start, min(room, table.num_rows - start))
            handle.writer.write_table(piece, row_group_size=self.settings.row_group_rows)
            handle.rows += piece.num_rows
            start += piece.num_rows
            self.rows_written += piece.num_rows
            if handle.rows >= self.settings.max_file_rows or handle.sink.tell() >= self.settings.target_file_bytes:
                self._close(pdir)

    def _writer(self, part: _Partition) -> _Open:
        import pyarrow.parquet as pq

        handle = self._open.get(part.dir)
        if handle is not None:
            self._open.move_to_end(part.dir)
            return handle
        while len(self._open) >= self.settings.max_open:
            self._close(next(iter(self._open)))
        name = f"{self.unit}-{part.seq:05d}.parquet"
        part.seq += 1
        uri = join_uri(self.base_uri, part.dir, name) if part.dir else join_uri(self.base_uri, name)
        sink = self.storage.open_output(uri)
        assert self.schema is not None
        writer = pq.ParquetWriter(sink, self.schema, compression=self.settings.compression,
                                  coerce_timestamps="us", allow_truncated_timestamps=True,
                                  write_statistics=True, use_dictionary=_dictionary_columns(self.schema),
                                  store_decimal_as_integer=True)
        handle = self._open[part.dir] = _Open(writer, sink, uri)
        return handle

    def _close(self, pdir: str) -> None:
        handle = self._open.pop(pdir)
        handle.writer.close()
        handle.sink.close()
        self.files.append(handle.uri)

    def close(self) -> None:
        """Flush everything and finish every file."""
        for pdir in list(self._parts):
            self._flush(pdir)
        for pdir in list(self._open):
            self._close(pdir)

    def abort(self) -> None:
        """Drop open files without publishing them."""
        for handle in self._open.values():
            abort = getattr(handle.sink, "abort", None)
            if abort:
                abort()
        self._open.clear()


def _dictionary_columns(schema: pa.Schema) -> list[str]:
    """Dictionary-encode text, boolean and date columns only: numbers and timestamps are mostly
    distinct, where trying a dictionary first costs as much as the rest of the write."""
    import pyarrow as pa

    t = pa.types
    return [f.name for f in schema
            if t.is_string(f.type) or t.is_large_string(f.type) or t.is_boolean(f.type) or t.is_date(f.type)]


def _split(table: pa.Table, columns: list[str], names: list[str]) -> list[tuple[str, pa.Table]]:
    """Partition directory and rows for every distinct partition value (rows keep their order)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    dicts = []
    combined = None
    for c in columns:
        enc = pc.dictionary_encode(table.column(c).combine_chunks(), null_encoding="encode")
        dicts.append(enc.dictionary.to_pylist())
        idx = pc.cast(enc.indices, pa.int64())
        combined = idx if combined is None else pc.add(pc.multiply(combined, len(dicts[-1])), idx)
    assert combined is not None
    enc = pc.dictionary_encode(combined)
    codes = enc.dictionary.to_pylist()

    def values_of(code: int) -> tuple[Any, ...]:
        out = []
        for d in reversed(dicts):
            code, i = divmod(code, len(d))
            out.append(d[i])
        return tuple(reversed(out))

    if len(codes) == 1:
        return [(partition_dir(names, values_of(codes[0])), table)]
    indices = enc.indices
    # Codes number partitions by first appearance, so they never decrease exactly when every partition's
    # rows are contiguous (time-ordered exports): then the rows are sliced where they are, not copied.
    contiguous = pc.all(pc.greater_equal(indices.slice(1), indices.slice(0, len(indices) - 1))).as_py()
    if contiguous:
        counts, taken = pc.value_counts(indices), table
    else:
        order = pc.sort_indices(indices)  # stable: rows keep their order within a partition
        counts = pc.value_counts(pc.take(indices, order))
        taken = table.take(order)
    out = []
    start = 0
    for item in sorted(counts.to_pylist(), key=lambda x: x["values"]):
        n = item["counts"]
        out.append((partition_dir(names, values_of(codes[item["values"]])), taken.slice(start, n)))
        start += n
    return out
