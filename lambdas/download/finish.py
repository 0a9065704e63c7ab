"""The download stage's last step: complete the files that were copied in ranges.

Each split file's upload must hold every part its ranges planned, adding up to the listed size; then the
upload is completed (the object appears) and the file's record written. Files copied whole were
completed and recorded by their own invocation.
"""

from __future__ import annotations

from typing import Any

from orchestration.core.errors import LockgateError
from orchestration.core.storage import Storage

from .landing import Landing
from .records import write_record
from .remote import RemoteFile

__all__ = ["finish_downloads"]


def _expected_parts(items: list[dict[str, Any]]) -> dict[int, int]:
    out: dict[int, int] = {}
    for item in items:
        part, start, end = int(item["part_bytes"]), int(item["start"]), int(item["end"])
        for i, offset in enumerate(range(start, end, part)):
            out[int(item["first_part"]) + i] = min(part, end - offset)
    return out


def finish_downloads(items: list[dict[str, Any]], store: Storage, landing: Landing, control_uri: str,
                     import_name: str) -> dict[str, Any]:
    split: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if item.get("upload_id"):
            split.setdefault(item["landed"], []).append(item)
    total = 0
    for landed, ranges in split.items():
        file = RemoteFile.from_json(ranges[0]["file"])
        upload_id = str(ranges[0]["upload_id"])
        expected = _expected_parts(ranges)
        found = landing.parts(landed, upload_id)
        if found != expected:
            missing = sorted(set(expected) - set(found))[:5]
            wrong = sorted(n for n in expected if n in found and found[n] != expected[n])[:5]
            raise LockgateError(f"the ranges of {file.url} did not all arrive (missing parts {missing}, parts of "
                                f"the wrong size {wrong}); run the import again", where=landed)
        landing.complete(landed, upload_id)
        size = sum(expected.values())
        write_record(store, control_uri, import_name, file, landed, size)
        total += size
    whole = sum(1 for item in items if not item.get("upload_id"))
    return {"files": whole + len(split), "ranged_files": len(split), "ranged_bytes": total}
