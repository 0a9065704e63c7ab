"""What each copied file leaves behind, so a re-run skips files already copied unchanged.

A record per landed object, ``<control>/downloads/<import>/<bucket>/<key>.json``: the remote file's facts
when it was copied (size, ETag, Last-Modified, checksum) and the landed object's size. A file is unchanged
when its size and at least one of checksum, ETag or Last-Modified equal the record's (every one of them
that both sides have must agree) and the landed object still exists with the recorded size. A server
that offers none of the three gets its files copied again on every run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from orchestration.core.spec.download import Download
from orchestration.core.spec.uris import join_uri, split_s3_uri
from orchestration.core.storage import ObjectNotFoundError, Storage

from .remote import RemoteFile

__all__ = ["record_uri", "write_record", "unchanged", "Sizes", "sizes", "PART_BYTES_ENV", "RANGE_BYTES_ENV",
           "items_uri"]

PART_BYTES_ENV = "LOCKGATE_DOWNLOAD_PART_BYTES"
RANGE_BYTES_ENV = "LOCKGATE_DOWNLOAD_RANGE_BYTES"
_MIB = 1024 * 1024
_STRONG = ("checksum", "etag", "last_modified")


@dataclass(frozen=True)
class Sizes:
    part: int
    range: int


def sizes(download: Download) -> Sizes:
    """Part and range sizes in bytes: the spec's, or the LOCKGATE_DOWNLOAD_* overrides (tests force tiny ones)."""
    part = int(os.environ.get(PART_BYTES_ENV) or download.part_size_mb * _MIB)
    rng = int(os.environ.get(RANGE_BYTES_ENV) or download.range_mb * _MIB)
    return Sizes(part=max(1, part), range=max(part, rng - rng % part))


def items_uri(control_uri: str, import_name: str, run_id: str) -> str:
    """The run's list of copies (the Distributed Map's items)."""
    return join_uri(control_uri, "runs", import_name, run_id, "downloads.json")


def record_uri(control_uri: str, import_name: str, landed: str) -> str:
    bucket, key = split_s3_uri(landed)
    return join_uri(control_uri, "downloads", import_name, bucket, key) + ".json"


def write_record(store: Storage, control_uri: str, import_name: str, file: RemoteFile, landed: str, size: int) -> None:
    store.write_json(record_uri(control_uri, import_name, landed), {
        "source": file.url, "landed": landed, "remote": file.identity(), "landed_size": size,
        "copied_at": datetime.now(UTC).isoformat(),
    })


def _record(store: Storage, uri: str) -> dict[str, Any] | None:
    try:
        data = store.read_json(uri)
    except ObjectNotFoundError:
        return None
    return data if isinstance(data, dict) else None


def unchanged(store: Storage, control_uri: str, import_name: str, file: RemoteFile, landed: str) -> bool:
    """The landed copy of ``file`` is current (module docstring)."""
    record = _record(store, record_uri(control_uri, import_name, landed))
    if record is None or file.size is None:
        return False
    remote = record.get("remote") or {}
    if remote.get("size") != file.size:
        return False
    both = [k for k in _STRONG if getattr(file, k) and remote.get(k)]
    if not both or any(remote[k] != getattr(file, k) for k in both):
        return False
    try:
        return store.stat(landed).size == record.get("landed_size")
    except ObjectNotFoundError:
        return False
