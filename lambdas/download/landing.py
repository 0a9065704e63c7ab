"""Where downloaded bytes go: an S3 multipart upload, or its stand-in in the local lake.

One upload per landed object: parts (1..10,000) are uploaded as they arrive, so a file is never held in
memory whole (one part at a time), and the object appears only when the upload completes; an aborted or
failed upload leaves no object. In the local lake the parts are files under ``<lake>/.lockgate-uploads/``
and completing concatenates them into the object atomically (``LocalLake.open_output``).
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from orchestration.core.errors import LockgateError
from orchestration.core.spec.uris import split_s3_uri
from orchestration.core.storage import LocalLake, Storage

__all__ = ["Landing", "S3Landing", "LocalLanding", "landing_for", "MAX_PARTS", "MIN_PART_BYTES"]

MAX_PARTS = 10_000
MIN_PART_BYTES = 5 * 1024 * 1024
"""S3's smallest part (except the last)."""


class Landing(ABC):
    @abstractmethod
    def put(self, uri: str, data: bytes) -> None:
        """Write a small object (at most one part) in one request."""

    @abstractmethod
    def start(self, uri: str) -> str:
        """Begin an upload of ``uri``; returns its upload id."""

    @abstractmethod
    def part(self, uri: str, upload_id: str, number: int, data: bytes) -> None:
        """Upload part ``number`` (1-based); uploading a number again replaces it."""

    @abstractmethod
    def parts(self, uri: str, upload_id: str) -> dict[int, int]:
        """The parts uploaded so far: ``{number: size}``."""

    @abstractmethod
    def complete(self, uri: str, upload_id: str) -> None:
        """Publish the object from every uploaded part, in number order."""

    @abstractmethod
    def abort(self, uri: str, upload_id: str) -> None:
        """Discard the upload (best effort)."""


class S3Landing(Landing):
    def __init__(self) -> None:
        from orchestration.core.aws import client

        self._s3: Any = client("s3")

    def _call(self, uri: str, fn: Any, **kw: Any) -> Any:
        from orchestration.core.storage.s3 import _translate

        try:
            return fn(**kw)
        except Exception as e:  # noqa: BLE001 - translated into the project's errors
            if isinstance(e, LockgateError):
                raise
            raise _translate(e, uri) from None

    def put(self, uri: str, data: bytes) -> None:
        bucket, key = split_s3_uri(uri)
        self._call(uri, self._s3.put_object, Bucket=bucket, Key=key, Body=data)

    def start(self, uri: str) -> str:
        bucket, key = split_s3_uri(uri)
        return str(self._call(uri, self._s3.create_multipart_upload, Bucket=bucket, Key=key)["UploadId"])

    def part(self, uri: str, upload_id: str, number: int, data: bytes) -> None:
        bucket, key = split_s3_uri(uri)
        self._call(uri, self._s3.upload_part, Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data)

    def _listed(self, uri: str, upload_id: str) -> list[dict[str, Any]]:
        bucket, key = split_s3_uri(uri)
        out: list[dict[str, Any]] = []
        marker = 0
        while True:
            page = self._call(uri, self._s3.list_parts, Bucket=bucket, Key=key, UploadId=upload_id,
                              PartNumberMarker=marker)
            out += page.get("Parts", [])
            if not page.get("IsTruncated"):
                return out
            marker = int(page["NextPartNumberMarker"])

    def parts(self, uri: str, upload_id: str) -> dict[int, int]:
        return {int(p["PartNumber"]): int(p["Size"]) for p in self._listed(uri, upload_id)}

    def complete(self, uri: str, upload_id: str) -> None:
        bucket, key = split_s3_uri(uri)
        listed = sorted(self._listed(uri, upload_id), key=lambda p: int(p["PartNumber"]))
        self._call(uri, self._s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId=upload_id,
                   MultipartUpload={"Parts": [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed]})

    def abort(self, uri: str, upload_id: str) -> None:
        bucket, key = split_s3_uri(uri)
        with contextlib.suppress(Exception):  # best effort; a lifecycle rule removes what is left
            self._s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)


class LocalLanding(Landing):
    def __init__(self, lake: LocalLake) -> None:
        self._lake = lake
        self._root = Path(lake.root) / ".lockgate-uploads"

    def _dir(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise ValueError(f"upload id {upload_id!r} is not one this lake made")
        return self._root / upload_id

    def put(self, uri: str, data: bytes) -> None:
        self._lake.write_bytes(uri, data)

    def start(self, uri: str) -> str:
        self._lake.path(uri)  # refuses a URI outside the lake
        upload_id = uuid.uuid4().hex
        self._dir(upload_id).mkdir(parents=True)
        return upload_id

    def part(self, uri: str, upload_id: str, number: int, data: bytes) -> None:
        d = self._dir(upload_id)
        tmp = d / f".{number:05d}.{uuid.uuid4().hex}"
        tmp.write_bytes(data)
        tmp.replace(d / f"{number:05d}")

    def parts(self, uri: str, upload_id: str) -> dict[int, int]:
        d = self._dir(upload_id)
        return {int(p.name): p.stat().st_size for p in d.iterdir() if p.name.isdigit()} if d.is_dir() else {}

    def complete(self, uri: str, upload_id: str) -> None:
        d = self._dir(upload_id)
        with self._lake.open_output(uri) as out:
            for number in sorted(self.parts(uri, upload_id)):
                with open(d / f"{number:05d}", "rb") as f:
                    shutil.copyfileobj(f, out, 1024 * 1024)
        shutil.rmtree(d, ignore_errors=True)

    def abort(self, uri: str, upload_id: str) -> None:
        shutil.rmtree(self._dir(upload_id), ignore_errors=True)


def landing_for(store: Storage) -> Landing:
    """The landing that writes where ``store`` reads."""
    return LocalLanding(store) if isinstance(store, LocalLake) else S3Landing()
