"""JSON Lines in bounded blocks of whole lines, keeping physical line numbers.

pyarrow's JSON reader cannot stream and infers types (``1.50`` would become ``1.5``), so each line is
parsed with the standard library, numbers kept as their JSON text (docs/semantics.md section 1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from orchestration.core.errors import DataError

from .chunks import Chunk, ObjectLayout, Reject

if TYPE_CHECKING:
    from orchestration.core.spec.models import Spec

    from .source import SourceStream

__all__ = ["JsonlReader", "json_text"]


class _Num(str):
    """A JSON number, kept as its text."""

    __slots__ = ()


_decoder = json.JSONDecoder(parse_float=_Num, parse_int=_Num, parse_constant=_Num)


def _compact(value: Any) -> str:
    if isinstance(value, _Num):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_compact(v)}" for k, v in value.items()) + "}"
    return "[" + ",".join(_compact(v) for v in value) + "]"


def json_text(value: Any) -> str | None:
    """A parsed JSON value as text: strings as is, numbers as their JSON text, ``true``/``false``,
    NULL for null, objects and arrays as compact JSON."""
    if value is None:
        return None
    if isinstance(value, str):  # also _Num
        return str(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _compact(value)


class JsonlReader:
    """Reads one JSON Lines object as Chunks of the spec's source columns."""

    def __init__(self, stream: SourceStream, spec: Spec, block_bytes: int, rows_per_chunk: int = 200_000) -> None:
        self.stream = stream
        self.uri = stream.uri
        self.block_bytes = max(block_bytes, 1024)
        self.rows_per_chunk = rows_per_chunk
        self.sources = list(dict.fromkeys(c.source_name for c in spec.columns))
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

        cols: dict[str, list[str | None]] = {s: [] for s in self.sources}
        records: list[int] = []
        rejects: list[Reject] = []
        decode = _decoder.decode
        for line_no, offset, raw in self._lines():
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(f"invalid UTF-8 at line {line_no} (byte {offset + e.start})", where=self.uri) from None
            try:
                obj = decode(text)
            except ValueError:
                obj = None
            if not isinstance(obj, dict):
                rejects.append(Reject(line_no, {}, "parse:not a JSON object"))
                continue
            records.append(line_no)
            for s in self.sources:
                cols[s].append(json_text(obj.get(s)))
            if not self._seen.issuperset(obj):
                for k in obj:
                    if k not in self._seen:
                        self._seen.add(k)
                        if k not in cols:
                            self._extra[k] = None
            if len(records) >= self.rows_per_chunk:
                yield self._chunk(pa, cols, records, rejects)
                cols = {s: [] for s in self.sources}
                records, rejects = [], []
        self.layout.extra = list(self._extra)
        if records or rejects:
            yield self._chunk(pa, cols, records, rejects)

    def _chunk(self, pa: Any, cols: dict[str, list[str | None]], records: list[int], rejects: list[Reject]) -> Chunk:
        arrays = [pa.array(cols[s], pa.string()) for s in self.sources] + [pa.array(records, pa.int64())]
        self.layout.extra = list(self._extra)
        return Chunk(pa.table(arrays, names=[*self.sources, "_record"]), rejects)
