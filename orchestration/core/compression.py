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
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["CODECS", "MAGIC", "HEAD_BYTES", "detect_compression", "compression_from_name", "compression_from_head"]

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
