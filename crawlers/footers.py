"""Finding a table's Parquet files in the local lake and reading their footers, never their data.

``scan(lake, location, exclusions)`` walks ``<lake>/<bucket>/<key>``, drops files matching the crawler's
exclude patterns (Glue glob rules: ``*`` within one folder, ``**`` across folders), parses Hive
partition folders and returns one ``DataFile`` per object. ``read_footer(path)`` reads the last 8 bytes
(footer length and magic), then exactly the footer, and decodes the schema from those bytes only:
data pages are never touched, so a crawl costs a few KB per file whatever the file size.
"""

from __future__ import annotations

import io
import os
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.core.errors import DataError
from orchestration.core.storage.local import LocalLake

from .table import parse_partition_path

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DataFile", "Footer", "lake_path", "excluded", "scan", "read_footer"]

_MAGIC = b"PAR1"


def lake_path(lake: str | os.PathLike[str], uri: str) -> Path:
    """``s3://bucket/key`` -> ``<lake>/bucket/key``, by the local lake's own resolution (a key that would
    leave the lake is refused with ConfigError)."""
    return LocalLake(lake).path(uri)


@lru_cache(maxsize=256)
def _pattern(glob: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif glob.startswith("**", i):
            out += ".*"
            i += 2
        elif glob[i] == "*":
            out += "[^/]*"
            i += 1
        elif glob[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(glob[i])
            i += 1
    return re.compile(out + r"\Z")


def excluded(relative: str, patterns: list[str] | tuple[str, ...]) -> bool:
    """True when ``relative`` (a path under the crawl target, ``/``-separated) matches an exclude
    pattern, or lies inside a folder that does."""
    parts = relative.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(_pattern(p).match(prefix) for p in patterns for prefix in prefixes)


@dataclass(frozen=True)
class DataFile:
    """One object under the table location."""

    path: Path
    relative: str
    partition: dict[str, str]
    size: int
    mtime: float

    @property
    def partition_dir(self) -> str:
        return self.relative.rsplit("/", 1)[0] if "/" in self.relative else ""


@dataclass
class Footer:
    """What a footer tells: the Arrow schema, row count and how many bytes were read to learn it."""

    schema: pa.Schema
    num_rows: int
    bytes_read: int
    key_value: dict[str, str] = field(default_factory=dict)


def scan(lake: str | os.PathLike[str], location: str, exclusions: list[str] | tuple[str, ...] = ()) -> tuple[
        list[DataFile], list[str]]:
    """Every non-excluded object under ``location`` as DataFiles, plus the relative paths that were
    excluded. Folders named ``k=v`` become partition values; in-flight temp files are ignored."""
    root = lake_path(lake, location)
    files: list[DataFile] = []
    skipped: list[str] = []
    if not root.is_dir():
        return files, skipped
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        rel_dir = "" if rel_dir == "." else rel_dir
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name.startswith(".lockgate-tmp-") or excluded(rel, exclusions):
                skipped.append(rel)
                continue
            try:
                partition = parse_partition_path(rel_dir) if rel_dir else {}
            except ValueError:
                skipped.append(rel)
                continue
            st = (Path(dirpath) / name).stat()
            files.append(DataFile(Path(dirpath) / name, rel, partition, st.st_size, st.st_mtime))
    return files, skipped


def read_footer(path: str | os.PathLike[str]) -> Footer:
    """The schema of one Parquet file from its footer alone; DataError when it is not Parquet."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        if size < 12:
            raise DataError(f"{path} is not a Parquet file ({size} bytes)", where=str(path))
        f.seek(size - 8)
        tail = f.read(8)
        (length,) = struct.unpack("<I", tail[:4])
        if tail[4:] != _MAGIC or length + 12 > size:
            raise DataError(f"{path} is not a Parquet file (no PAR1 footer)", where=str(path))
        f.seek(size - 8 - length)
        meta = f.read(length)
    import pyarrow as pa  # here, not at import: the CLI loads the crawler before a run, pyarrow only at the crawl
    import pyarrow.parquet as pq

    # A synthetic file holding only the footer: decoding metadata needs nothing else.
    try:
        md = pq.read_metadata(io.BytesIO(_MAGIC + meta + tail))
    except (pa.ArrowInvalid, OSError) as e:
        raise DataError(f"{path}: unreadable Parquet footer: {e}", where=str(path)) from None
    schema = md.schema.to_arrow_schema()
    kv = {k.decode(errors="replace"): v.decode(errors="replace")
          for k, v in (md.metadata or {}).items() if k != b"ARROW:schema"}
    return Footer(schema=schema, num_rows=md.num_rows, bytes_read=length + 8, key_value=kv)
