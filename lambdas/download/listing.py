"""The download stage's first step: list the window's remote files and plan their copies.

For every location ``source.uri`` expands to over the window: a directory is listed (its HTML index page
or SFTP directory, or the index file ``source.download.index`` names) and filtered by ``source.pattern``;
a file URI names one file. Files whose landed copy is current are skipped (``records``). A file larger
than ``range_mb`` is split into byte ranges copied by separate invocations into one multipart upload,
started here and completed by ``finish``; a server that refuses range requests gets the file copied
whole, and the result's ``reasons`` say so and why. The copies go to ``runs/<import>/<run>/downloads.json``
(a JSON array: the Distributed Map's items); the result stays small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urljoin

from orchestration.core.errors import RemoteSourceError
from orchestration.core.spec.models import Spec
from orchestration.core.spec.remote import landed_key_for
from orchestration.core.spec.window import Window, expand_source_uris
from orchestration.core.storage import Storage

from .landing import MAX_PARTS, Landing
from .records import Sizes, items_uri, unchanged
from .remote import Remote, RemoteFile, matches

__all__ = ["DownloadPlan", "plan_downloads", "index_entries"]


@dataclass
class DownloadPlan:
    files: int = 0
    skipped: int = 0
    bytes: int = 0
    items: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def result(self, uri: str) -> dict[str, Any]:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return {"files": self.files, "copied": self.files - self.skipped, "skipped": self.skipped,
                "bytes": self.bytes, "items": len(self.items), "items_uri": uri, "items_bucket": bucket,
                "items_key": key, "reasons": _bounded(self.reasons)}


MAX_REASONS = 10
"""Reasons kept in the result (the state stays far under 256 KB whatever the number of files)."""


def _bounded(reasons: list[str]) -> list[str]:
    if len(reasons) <= MAX_REASONS:
        return reasons
    return [*reasons[:MAX_REASONS], f"... and {len(reasons) - MAX_REASONS:,} more like these"]


def index_entries(text: str, index_url: str, directory: str) -> list[tuple[str, str]]:
    """``(url, relative)`` per line of an index file: absolute URLs or paths relative to the index;
    blank lines and ``#`` comments skipped. ``relative`` keeps the path under ``directory`` when the file
    lies there, else its name."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        url = urljoin(index_url, entry)
        relative = url[len(directory):] if url.startswith(directory) else url.rsplit("/", 1)[-1]
        if relative and not relative.endswith("/"):
            out.setdefault(url, relative)
    return list(out.items())


def _listed(spec: Spec, remote: Remote, location: str, index: str) -> list[RemoteFile]:
    pattern = spec.source.pattern
    if not location.endswith("/"):
        return [remote.stat(location, location.rsplit("/", 1)[-1])]
    if not index:
        return remote.list_directory(location, pattern)
    entries = index_entries(remote.read_text(index), index, location)
    return [remote.stat(url, rel) for url, rel in entries if matches(rel.rsplit("/", 1)[-1], pattern)]


_STEP = "\x00"  # joins templates expanded together; URIs cannot contain it (check_remote_uri)


def _locations(spec: Spec, window: Window | None, tz: str) -> list[tuple[str, str, str]]:
    """``(remote location, landed location, index URL or "")`` per window step: the three templates are
    expanded together, so each location gets its own step's landing and index."""
    download = spec.source.download
    assert download is not None
    index = urljoin(spec.source.uri, download.index) if download.index else ""
    steps = expand_source_uris(_STEP.join((spec.source.uri, spec.source.s3_uri, index)), window, tz)
    return [cast(tuple[str, str, str], tuple(step.split(_STEP))) for step in steps]


def _split(plan: DownloadPlan, file: RemoteFile, landed: str, sizes: Sizes, landing: Landing) -> None:
    size = file.size or 0
    part = max(sizes.part, math.ceil(size / MAX_PARTS))
    step = max(part, sizes.range - sizes.range % part)
    upload_id = landing.start(landed)
    for start in range(0, size, step):
        plan.items.append({"file": file.to_json(), "landed": landed, "start": start, "end": min(size, start + step),
                           "first_part": start // part + 1, "part_bytes": part, "upload_id": upload_id})
    plan.reasons.append(f"{file.url} is {size:,} bytes, more than one invocation copies ({sizes.range:,}): "
                        f"fetched in {math.ceil(size / step)} ranges")


def plan_downloads(spec: Spec, window: Window | None, tz: str, remote: Remote, store: Storage, landing: Landing,
                   control_uri: str, run_id: str, sizes: Sizes) -> dict[str, Any]:
    """List, skip the unchanged, plan the copies, write the items; returns the small result."""
    plan = DownloadPlan()
    for location, landed_dir, index in _locations(spec, window, tz):
        try:
            files = _listed(spec, remote, location, index)
        except RemoteSourceError as e:
            missing = "404" in e.message or "no such file" in e.message
            if spec.quality.allow_empty and missing:
                plan.reasons.append(f"{location} does not exist (quality.allow_empty: nothing to copy there)")
                continue
            raise
        for file in files:
            landed = landed_dir if not location.endswith("/") else landed_key_for(landed_dir, file.relative)
            plan.files += 1
            if unchanged(store, control_uri, spec.name, file, landed):
                plan.skipped += 1
                continue
            plan.bytes += file.size or 0
            if file.size is not None and file.size > sizes.range and file.ranges:
                _split(plan, file, landed, sizes, landing)
                continue
            if file.size is not None and file.size > sizes.range:
                plan.reasons.append(f"{file.url} is {file.size:,} bytes, more than one invocation is sized to copy "
                                    f"({sizes.range:,}), and the server does not accept range requests: it is "
                                    "copied whole by one invocation, which may run out of time")
            plan.items.append({"file": file.to_json(), "landed": landed, "start": 0, "end": None, "first_part": 1,
                               "part_bytes": max(sizes.part, math.ceil((file.size or 0) / MAX_PARTS)),
                               "upload_id": None})
    for i, item in enumerate(plan.items):
        item["index"] = i
    uri = items_uri(control_uri, spec.name, run_id)
    store.write_json(uri, plan.items)
    return plan.result(uri)
