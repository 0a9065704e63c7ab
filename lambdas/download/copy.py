"""Copy one planned item: a whole file, or one byte range of a file split across invocations.

Bytes stream from the server into upload parts of ``part_bytes``: at most one part is held in memory. A
whole file is checked before its object is published: the byte count against the listed size, and the
server's checksum when it offered one; a mismatch is transient (the transfer or the file changed), so the
state machine retries it. A range uploads its parts into the upload ``listing`` started; ``finish``
completes it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from orchestration.core.storage import Storage

from .landing import Landing
from .records import write_record
from .remote import Remote, RemoteFile, transient

__all__ = ["copy_item", "CHUNK_BYTES"]

CHUNK_BYTES = 1024 * 1024


def _hasher(file: RemoteFile) -> Any:
    if file.checksum is None:
        return None
    algo = file.checksum.split(":", 1)[0]
    return hashlib.new(algo) if algo in ("sha256", "md5") else None


def _check(file: RemoteFile, got: int, want: int | None, digest: Any) -> None:
    if want is not None and got != want:
        raise transient(file.url, f"received {got:,} bytes where {want:,} were expected (the server's length was "
                                  "wrong, the connection dropped, or the file changed since it was listed)")
    if digest is not None and file.checksum is not None:
        algo, expected = file.checksum.split(":", 1)
        if digest.hexdigest() != expected:
            raise transient(file.url, f"the {algo} of the received bytes is {digest.hexdigest()}, the server said "
                                      f"{expected}: the transfer was corrupted or the file changed")


def _copy_whole(item: dict[str, Any], file: RemoteFile, remote: Remote, landing: Landing) -> int:
    landed, part = item["landed"], int(item["part_bytes"])
    digest = _hasher(file)
    buffer = bytearray()
    upload_id: str | None = None
    number, got = 1, 0
    try:
        for chunk in remote.read(file, 0, None, CHUNK_BYTES):
            got += len(chunk)
            if digest is not None:
                digest.update(chunk)
            buffer += chunk
            while len(buffer) >= part:
                if upload_id is None:
                    upload_id = landing.start(landed)
                landing.part(landed, upload_id, number, bytes(buffer[:part]))
                del buffer[:part]
                number += 1
        _check(file, got, file.size, digest)
        if upload_id is None:
            landing.put(landed, bytes(buffer))
            return got
        if buffer:
            landing.part(landed, upload_id, number, bytes(buffer))
        landing.complete(landed, upload_id)
        return got
    except BaseException:
        if upload_id is not None:
            landing.abort(landed, upload_id)
        raise


def _copy_range(item: dict[str, Any], file: RemoteFile, remote: Remote, landing: Landing) -> int:
    landed, part, upload_id = item["landed"], int(item["part_bytes"]), str(item["upload_id"])
    start, end = int(item["start"]), int(item["end"])
    number, got = int(item["first_part"]), 0
    buffer = bytearray()
    for chunk in remote.read(file, start, end, CHUNK_BYTES):
        got += len(chunk)
        buffer += chunk
        while len(buffer) >= part:
            landing.part(landed, upload_id, number, bytes(buffer[:part]))
            del buffer[:part]
            number += 1
    _check(file, got, end - start, None)
    if buffer:
        landing.part(landed, upload_id, number, bytes(buffer))
    return got


def copy_item(item: dict[str, Any], remote: Remote, store: Storage, landing: Landing, control_uri: str,
              import_name: str) -> dict[str, Any]:
    """Copy ``item`` (one entry of downloads.json); returns ``{"index", "landed", "bytes", "kind"}``."""
    file = RemoteFile.from_json(item["file"])
    if item.get("upload_id"):
        got = _copy_range(item, file, remote, landing)
        return {"index": item["index"], "landed": item["landed"], "bytes": got, "kind": "range"}
    got = _copy_whole(item, file, remote, landing)
    write_record(store, control_uri, import_name, file, item["landed"], got)
    return {"index": item["index"], "landed": item["landed"], "bytes": got, "kind": "whole"}
