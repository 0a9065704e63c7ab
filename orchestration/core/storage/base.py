"""The storage port: the abstract ``Storage``, ``ObjectInfo`` and the not-found error."""

from __future__ import annotations

import fnmatch
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from ..errors import DataError

if TYPE_CHECKING:
    import pyarrow.fs

__all__ = ["AtomicWriter", "ObjectInfo", "Storage", "ObjectNotFoundError", "TMP_PREFIX", "object_name"]

TMP_PREFIX = ".lockgate-tmp-"
"""Names of in-flight local writes start with this; listings never show them."""


class ObjectNotFoundError(DataError):
    """The object (or bucket) does not exist; the message names the URI."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One stored object: its ``s3://`` URI, size in bytes and version: S3's ETag, or in the local lake the
    file's inode and modification time (``local_version``); None where the store gives none."""

    uri: str
    size: int
    version: str | None = None

    @property
    def name(self) -> str:
        return object_name(self.uri)


def object_name(uri: str) -> str:
    """The part of a URI after the last ``/``."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


class AtomicWriter(ABC):
    """A write-only stream that publishes its object on ``close()`` and discards it on ``abort()``.
    Leaving a ``with`` block by an exception aborts, so a half-written object never appears.
    Subclasses set ``_f`` (the file being written) and implement ``closed``, ``close`` and ``abort``."""

    _f: IO[bytes]

    def write(self, data: Any) -> int:
        return self._f.write(data)

    def tell(self) -> int:
        return self._f.tell()

    def flush(self) -> None:
        self._f.flush()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    @abstractmethod
    def closed(self) -> bool: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def abort(self) -> None: ...

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class Storage(ABC):
    """The operations the engines, plan and commit need; one adapter per backend."""

    @abstractmethod
    def list(self, prefix_uri: str, pattern: str | None = None) -> list[ObjectInfo]:
        """Every object whose URI starts with ``prefix_uri`` (recursive, sorted by URI); ``pattern`` is a
        glob on the object name (the part after the last ``/``)."""

    @abstractmethod
    def stat(self, uri: str) -> ObjectInfo:
        """Size of one object; ObjectNotFoundError when missing."""

    @abstractmethod
    def open_input(self, uri: str) -> IO[bytes]:
        """A binary stream over the object (sequential reads)."""

    @abstractmethod
    def open_output(self, uri: str) -> IO[bytes]:
        """A binary stream that becomes the object when closed without error (a context manager whose
        exception path discards the partial object)."""

    @abstractmethod
    def head(self, uri: str, n: int) -> bytes:
        """The first ``n`` bytes (fewer for a shorter object)."""

    def read_range(self, uri: str, start: int, end: int) -> bytes:
        """Bytes ``[start, end)`` of an object (fewer past its end); adapters override it with a ranged read."""
        if end <= start:
            return b""
        with self.open_input(uri) as f:
            f.seek(start)
            return f.read(end - start)

    @abstractmethod
    def copy(self, src: str, dst: str) -> None:
        """Copy one object."""

    @abstractmethod
    def delete(self, uri: str) -> None:
        """Delete one object; a missing object is not an error."""

    @abstractmethod
    def arrow_filesystem(self) -> pyarrow.fs.FileSystem:
        """A pyarrow filesystem for dataset/parquet APIs, used with ``arrow_path``."""

    @abstractmethod
    def arrow_path(self, uri: str) -> str:
        """The path of ``uri`` inside ``arrow_filesystem()``."""

    # Derived operations: adapters may override them with something faster.

    def exists(self, uri: str) -> bool:
        try:
            self.stat(uri)
        except ObjectNotFoundError:
            return False
        return True

    def read_bytes(self, uri: str) -> bytes:
        with self.open_input(uri) as f:
            return f.read()

    def write_bytes(self, uri: str, data: bytes) -> None:
        with self.open_output(uri) as f:
            f.write(data)

    def read_json(self, uri: str) -> Any:
        data = self.read_bytes(uri)
        try:
            return json.loads(data)
        except ValueError as e:
            raise DataError(f"not valid JSON: {e}", where=uri) from None

    def write_json(self, uri: str, value: Any) -> None:
        self.write_bytes(uri, json.dumps(value, indent=2, sort_keys=False, default=str).encode())

    def delete_prefix(self, uri: str) -> int:
        """Delete every object under ``uri``; returns how many."""
        objs = self.list(uri)
        for o in objs:
            self.delete(o.uri)
        return len(objs)


def _match(name: str, pattern: str | None) -> bool:
    return pattern is None or fnmatch.fnmatchcase(name, pattern)
