"""The remote port: what the download stage needs of a server (list, stat, read a byte range), and the
remote file facts that decide whether a landed copy is still current."""

from __future__ import annotations

import fnmatch
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from orchestration.core.errors import RemoteSourceError, TransientError

__all__ = ["RemoteFile", "Remote", "MAX_INDEX_BYTES", "matches", "permanent", "transient"]

MAX_INDEX_BYTES = 4 * 1024 * 1024
"""An index file or HTML listing larger than this is refused (a listing of ~50,000 names)."""


@dataclass(frozen=True, slots=True)
class RemoteFile:
    """One remote file as listed: its URL, its path under the listed directory (kept in the landing
    layout), and what the server says about its version."""

    url: str
    relative: str
    size: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    checksum: str | None = None
    """``sha256:<hex>`` or ``md5:<hex>`` when the server offers one (Repr-Digest, Digest, Content-MD5)."""
    ranges: bool = False
    """The server accepts byte range requests for it (SFTP always does)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RemoteFile:
        return cls(**{k: data.get(k) for k in cls.__slots__})  # type: ignore[arg-type]

    def identity(self) -> dict[str, Any]:
        """What a re-run compares to decide the landed copy is unchanged."""
        return {"size": self.size, "etag": self.etag, "last_modified": self.last_modified, "checksum": self.checksum}


def matches(name: str, pattern: str | None) -> bool:
    return pattern is None or fnmatch.fnmatchcase(name, pattern)


def permanent(url: str, reason: str) -> RemoteSourceError:
    return RemoteSourceError(f"{reason}; a retry will not help: fix the source, the credentials or the spec "
                             "and run again", where=url)


def transient(url: str, reason: str) -> TransientError:
    return TransientError(f"{reason}; retried with backoff", where=url)


class Remote(ABC):
    """One connection to a remote server (closed after use)."""

    @abstractmethod
    def list_directory(self, url: str, pattern: str | None) -> list[RemoteFile]:
        """The files directly in the directory ``url`` (ending in /) whose names match ``pattern``."""

    @abstractmethod
    def stat(self, url: str, relative: str) -> RemoteFile:
        """One file's facts; RemoteSourceError when it does not exist."""

    @abstractmethod
    def read_text(self, url: str) -> str:
        """A small text file (an index), at most MAX_INDEX_BYTES."""

    @abstractmethod
    def read(self, file: RemoteFile, start: int, end: int | None, chunk: int) -> Iterator[bytes]:
        """Bytes ``[start, end)`` of ``file`` (to its end when ``end`` is None), in chunks of at most ``chunk``
        bytes; raises TransientError when the server stops early, RemoteSourceError when it refuses."""

    def close(self) -> None:  # noqa: B027 - adapters without a connection keep the default
        pass

    def __enter__(self) -> Remote:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()
