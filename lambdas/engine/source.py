"""Opening one source object as a stream of decompressed bytes.

Compression is taken as declared, or detected (``auto``) by the shared rule of
``orchestration.core.compression`` (the name, then the first bytes), as the planner does.
Decompression runs outside the GIL: gzip in ISA-L (``compression.gzip_reader``), zstd and bz2 in pyarrow;
every failure becomes a ``DataError`` naming the object and how far it got.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

from orchestration.core.compression import DECOMPRESS_ERRORS, HEAD_BYTES, detect_compression, gzip_reader
from orchestration.core.errors import DataError

if TYPE_CHECKING:
    from orchestration.core.storage import Storage

__all__ = ["open_source", "SourceStream", "StreamReader"]


class SourceStream:
    """Decompressed bytes of one object; ``read`` raises DataError with the compressed offset."""

    def __init__(self, uri: str, raw: Any, codec: str, version: str | None = None) -> None:
        import pyarrow as pa

        self.uri = uri
        self.codec = codec
        self.version = version
        """The version of the object read (S3's ETag of the body, the local file's ``local_version``)."""
        self._raw = raw
        self._native = raw if isinstance(raw, pa.NativeFile) else pa.PythonFile(raw, mode="r")
        self._stream: Any
        if codec == "gzip":  # through the NativeFile: it gives every raw object the readinto gzip needs
            self._stream = gzip_reader(self._native)
        elif codec == "none":
            self._stream = self._native
        else:
            self._stream = pa.CompressedInputStream(self._native, codec)
        self.decompressed = 0
        self.stored_bytes: int | None = None
        """Stored (compressed) bytes the stream had read when it was closed; None before, or when unknown."""

    def read(self, n: int) -> bytes:
        try:
            data = self._stream.read(n)
        except DECOMPRESS_ERRORS as e:
            raise self._error(e) from None
        out = data.to_pybytes() if hasattr(data, "to_pybytes") else bytes(data)
        self.decompressed += len(out)
        return out

    def readinto(self, view: memoryview) -> int:
        """Reads up to ``len(view)`` decompressed bytes into ``view``; 0 at the end."""
        try:
            n = int(self._stream.readinto(view))
        except DECOMPRESS_ERRORS as e:
            raise self._error(e) from None
        self.decompressed += n
        return n

    def _error(self, e: Exception) -> DataError:
        where = f"{self.uri} (after {self.decompressed} decompressed bytes)"
        return DataError(f"cannot read {self.codec} data: {e}; the object is corrupt or truncated", where=where)

    def close(self) -> None:
        if self.stored_bytes is None:
            with contextlib.suppress(Exception):  # a raw stream that cannot tell leaves it unknown
                self.stored_bytes = int(self._native.tell())
        for s in (self._stream, self._native, self._raw):
            with contextlib.suppress(Exception):  # closing is best effort
                s.close()

    def __enter__(self) -> SourceStream:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


class StreamReader:
    """A reader of one object's stream; once its chunks are read, the batch checks that the object read is
    the object planned (``batch._check_unchanged``)."""

    stream: SourceStream

    @property
    def stored_bytes(self) -> int | None:
        """Stored bytes read, once the chunks are done (compared with the size the run planned)."""
        return self.stream.stored_bytes

    @property
    def version(self) -> str | None:
        """The version of the object read (compared with the version the run planned)."""
        return self.stream.version


def open_source(storage: Storage, uri: str, declared: str) -> SourceStream:
    """Open ``uri`` decompressed. ``declared``: the spec's compression (``auto`` detects)."""
    codec = detect_compression(uri, "text", declared, lambda: storage.head(uri, HEAD_BYTES))
    raw, version = _raw_input(storage, uri)
    return SourceStream(uri, raw, codec, version)


def _raw_input(storage: Storage, uri: str) -> tuple[Any, str | None]:
    from orchestration.core.storage import LocalLake

    if isinstance(storage, LocalLake):
        import pyarrow as pa

        from orchestration.core.storage.local import local_version

        try:
            raw = pa.OSFile(str(storage.path(uri)), "r")
            return raw, local_version(os.fstat(raw.fileno()))  # the version of the file opened
        except FileNotFoundError:
            from orchestration.core.storage import ObjectNotFoundError

            raise ObjectNotFoundError("no such object", where=uri) from None
    raw = storage.open_input(uri)
    return raw, getattr(raw, "version", None)
