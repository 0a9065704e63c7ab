"""JSON Lines in bounded blocks of whole lines, keeping physical line numbers.

pyarrow's JSON reader cannot stream and infers types (``1.50`` would become ``1.5``), so each line is
parsed with the standard library, numbers kept as their JSON text (docs/semantics.md section 1;
``orchestration.core.semantics.jsontext``, shared with the Glue engine).
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import call
from typing import TYPE_CHECKING, Any

from orchestration.core.errors import DataError
from orchestration.core.semantics.jsontext import decode_record

from .chunks import Chunk, ObjectLayout, Reject
from .source import SourceStream, StreamReader

if TYPE_CHECKING:
    from orchestration.core.spec.models import Spec


__all__ = ["JsonlReader"]


class JsonlReader(StreamReader):
    """Reads one JSON Lines object as Chunks of the spec's source columns."""

    def __init__(self, stream: SourceStream, spec: Spec, block_bytes: int, rows_per_chunk: int = 200_000) -> None:
        self.stream = stream
        self.uri = stream.uri
        self.block_bytes = max(block_bytes, 1024)
        self.rows_per_chunk = rows_per_chunk
        self.sources = tuple(dict.fromkeys(c.source_name for c in spec.columns))
        self.layout = ObjectLayout()
        self._extra: dict[str, None] = {}
        self._seen: set[str] = set()

    def _lines(self) -> Iterator[tuple[int, int, bytes]]:
        """(line number, byte offset, line) for every physical line."""
        pending = b""
        offset = 0
        line_no = 1
        first = True
        while True:
            data = self.stream.read(self.block_bytes)
            if first and data.startswith(b"\xef\xbb\xbf"):
                data, offset = data[3:], 3
            first = False
            if not data:
                if pending:
                    yield line_no, offset, pending
                return
            buf = pending + data
            parts = buf.split(b"\n")
            pending = parts.pop()
            for part in parts:
                yield line_no, offset, part
                offset += len(part) + 1
                line_no += 1

    def chunks(self) -> Iterator[Chunk]:
        try:
            yield from self._chunks()
        finally:
            self.stream.close()

    def _chunks(self) -> Iterator[Chunk]:
        import pyarrow as pa

        # Each record's values go to their columns by C code (``map`` over the lists' ``append``): a Python
        # loop over every value cost more than decoding the JSON.
        columns: list[list[str | None]] = [[] for _ in self.sources]
        appends = [c.append for c in columns]
        records: list[int] = []
        rejects: list[Reject] = []
        sources = self.sources
        for line_no, offset, raw in self._lines():
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(f"invalid UTF-8 at line {line_no} (byte {offset + e.start}); fix the file "
                                "(JSON Lines are UTF-8)", where=self.uri) from None
            decoded = decode_record(text, sources)
            if isinstance(decoded, str):  # the rule it breaks
                rejects.append(Reject(line_no, {}, decoded))
                continue
            obj, values = decoded
            records.append(line_no)
            any(map(call, appends, values))  # every append returns None: any() runs them all
            if not self._seen.issuperset(obj):
                for k in obj:
                    if k not in self._seen:
                        self._seen.add(k)
                        if k not in sources:
                            self._extra[k] = None
            if len(records) >= self.rows_per_chunk:
                yield self._chunk(pa, columns, records, rejects)
                columns = [[] for _ in self.sources]
                appends = [c.append for c in columns]
                records, rejects = [], []
        self.layout.extra = list(self._extra)
        if records or rejects:
            yield self._chunk(pa, columns, records, rejects)

    def _chunk(self, pa: Any, columns: list[list[str | None]], records: list[int], rejects: list[Reject]) -> Chunk:
        arrays = [pa.array(c, pa.string()) for c in columns] + [pa.array(records, pa.int64())]
        self.layout.extra = list(self._extra)
        return Chunk(pa.table(arrays, names=[*self.sources, "_record"]), rejects)
