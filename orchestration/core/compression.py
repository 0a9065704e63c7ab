"""Which compression a source object has: one rule for the planner and both engines.

Precedence, first match wins:

1. ``parquet`` sources: ``none`` (Parquet compresses inside the file);
2. the spec's ``source.compression`` when it is not ``auto``;
3. the object name's suffix: ``.gz``/``.gzip`` gzip, ``.zst``/``.zstd`` zstd, ``.bz2`` bz2, and the plain
   suffixes (``.csv``, ``.jsonl``, ``.json``, ...) ``none``;
4. the object's first bytes (gzip ``1f 8b``, zstd ``28 b5 2f fd``, bzip2 ``BZh``), read only for names
   that say nothing;
5. ``none``.

Names come before bytes so that planning a listing of many objects reads no object; an object whose
bytes contradict its name fails to decompress with a DataError naming it. The planner records the
result per object in the manifest (``SourceObject.compression``).

Both engines read gzip through ``gzip_reader``: ISA-L's inflate (the ``isal`` package) where it is
installed, about 2.5x the speed of zlib's (250 MB of CSV: 0.45 against 1.1-1.4 CPU-s), with the same
answers as Python's ``gzip`` (concatenated members, zero padding after the last one) and its errors
(``OSError``/``EOFError`` on corrupt or truncated data); Python's ``gzip`` where it is not.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import gzip

__all__ = ["CODECS", "MAGIC", "HEAD_BYTES", "detect_compression", "compression_from_name", "compression_from_head",
           "gzip_reader", "DECOMPRESS_ERRORS"]

CODECS = ("gzip", "zstd", "bz2")
MAGIC: dict[str, bytes] = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd", "bz2": b"BZh"}
HEAD_BYTES = 4
"""Bytes of an object that ``compression_from_head`` needs."""
_SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}
_PLAIN = (".csv", ".tsv", ".txt", ".jsonl", ".json", ".ndjson", ".parquet", ".pq")


def compression_from_name(uri: str) -> str | None:
    """The codec the object's name states (``none`` for plain suffixes), or None when it states nothing."""
    name = uri.rsplit("/", 1)[-1].lower()
    for suffix, codec in _SUFFIXES.items():
        if name.endswith(suffix):
            return codec
    return "none" if name.endswith(_PLAIN) else None


def compression_from_head(head: bytes) -> str:
    """The codec whose magic bytes ``head`` starts with, else ``none``."""
    return next((codec for codec, magic in MAGIC.items() if head.startswith(magic)), "none")


def detect_compression(uri: str, fmt: str, declared: str, head: Callable[[], bytes] | None = None) -> str:
    """The object's compression by the module's precedence; ``head`` reads the object's first
    HEAD_BYTES bytes and is only called when the name says nothing (without it: ``none``)."""
    if fmt == "parquet":
        return "none"
    if declared != "auto":
        return declared
    named = compression_from_name(uri)
    if named is not None:
        return named
    return compression_from_head(head()) if head is not None else "none"


def _isal_error() -> tuple[type[Exception], ...]:
    try:
        from isal import isal_zlib
    except ImportError:
        return ()
    error: type[Exception] = isal_zlib.error  # type: ignore[assignment]  # its stub calls it an instance
    return (error,)


DECOMPRESS_ERRORS: tuple[type[Exception], ...] = (OSError, EOFError, ValueError, zlib.error, *_isal_error())
"""What reading a damaged gzip (or bz2) stream raises: ``gzip_reader``'s errors and zlib's."""


def gzip_reader(raw: Any, *, use_isal: bool = True) -> gzip.GzipFile:
    """A binary reader of the decompressed bytes of the gzip stream ``raw`` (any object with ``read``):
    ISA-L's (a ``GzipFile`` subclass) when ``isal`` is installed and ``use_isal``, else Python's ``gzip``.
    ``read`` and ``readinto`` raise ``DECOMPRESS_ERRORS`` on damaged data."""
    if use_isal:
        try:
            from isal import igzip
        except ImportError:
            pass
        else:
            return igzip.IGzipFile(fileobj=raw, mode="rb")
    import gzip

    return gzip.GzipFile(fileobj=raw, mode="rb")
