"""The commit lease: one commit per import at a time, and a crashed commit is finished by the next one.

The lease is one object in the control location, ``<control>/leases/<import>.json``:
``{"import", "run_id", "state": "held" | "released", "expires_at"}``.

- S3: taken with conditional writes (PutObject ``If-None-Match: *`` when absent, ``If-Match: <etag>`` to
  take over a released or expired lease), so two commits cannot both win. A held lease expires after
  ``LEASE_TTL_S`` (the commit function's 900 s timeout plus a margin): a commit killed by its timeout
  cannot hold it longer.
- Local lake: an exclusive ``flock`` on ``<lake>/<bucket>/leases/<import>.lock`` held by the commit process;
  the kernel drops it when the process dies (Ctrl-C, SIGKILL), so a lease never has to expire locally.
  The record next to it says whether its last holder released it.

``acquire`` returns the run id of a previous holder that did not release the lease (it crashed, or its
commit failed after it had begun changing the target): the caller must finish that commit first.
"""

from __future__ import annotations

import json
import logging
import os
import time
from abc import ABC, abstractmethod
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from orchestration.core.errors import PublishError, TransientError
from orchestration.core.spec.uris import join_uri, split_s3_uri
from orchestration.core.storage import LocalLake, Storage

__all__ = ["Lease", "lease_for", "lease_uri", "LEASE_TTL_S", "WAIT_ENV"]

log = logging.getLogger(__name__)

LEASE_TTL_S = 960
WAIT_ENV = "LOCKGATE_LEASE_WAIT_S"
"""How long a commit waits for another run's lease before failing (retryably); default 120 s."""
_POLL_S = 0.5


def lease_uri(control_uri: str, import_name: str) -> str:
    return join_uri(control_uri, "leases", f"{import_name}.json")


def _now() -> datetime:
    return datetime.now(UTC)


def _busy(import_name: str, holder: dict[str, Any], waited: float) -> TransientError:
    return TransientError(
        f"run {holder.get('run_id')} of import {import_name} is committing (lease held until "
        f"{holder.get('expires_at', 'its process ends')}); waited {waited:.0f} s. Two runs of one import never "
        "publish at once: this commit is retried later. Do not start overlapping runs of one import",
        where=f"import {import_name}: commit lease",
    )


class Lease(ABC):
    """One import's commit lease, held by one run."""

    def __init__(self, import_name: str, run_id: str) -> None:
        self.import_name = import_name
        self.run_id = run_id
        self.pending: str | None = None
        """A run whose commit began and did not finish: the holder must finish it before its own."""

    @abstractmethod
    def acquire(self, wait_s: float) -> str | None:
        """Take the lease (waiting up to ``wait_s``); the run id of an unreleased previous holder, if any."""

    def _pending_after(self, previous: dict[str, Any] | None) -> str | None:
        if not previous:
            return None
        if previous.get("pending"):
            return str(previous["pending"])
        if previous.get("state") == "held" and previous.get("run_id") != self.run_id:
            return str(previous.get("run_id"))
        return None

    @abstractmethod
    def settle(self) -> None:
        """The pending run's commit is finished: forget it."""

    @abstractmethod
    def release(self, clean: bool) -> None:
        """Give the lease up. ``clean=False`` (the target may be half changed) makes the next holder finish
        this run's commit first."""

    def _record(self, state: str, ttl: float) -> dict[str, Any]:
        return {"import": self.import_name, "run_id": self.run_id, "state": state, "pending": self.pending,
                "expires_at": (_now() + timedelta(seconds=ttl)).isoformat()}


class _LocalLease(Lease):
    def __init__(self, lake: Any, uri: str, import_name: str, run_id: str) -> None:
        super().__init__(import_name, run_id)
        self._record_path = lake.path(uri)
        self._lock_path = self._record_path.with_suffix(".lock")
        self._fd: IO[bytes] | None = None

    def acquire(self, wait_s: float) -> str | None:
        import fcntl

        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = open(self._lock_path, "a+b")  # noqa: SIM115 - held until release()
        started = time.monotonic()
        while True:
            try:
                fcntl.flock(fd.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - started >= wait_s:
                    holder = self._read() or {}
                    fd.close()
                    raise _busy(self.import_name, holder, time.monotonic() - started) from None
                time.sleep(_POLL_S)
        self._fd = fd
        self.pending = self._pending_after(self._read())
        self._write(self._record("held", LEASE_TTL_S))
        return self.pending

    def settle(self) -> None:
        self.pending = None
        self._write(self._record("held", LEASE_TTL_S))

    def _read(self) -> dict[str, Any] | None:
        try:
            return dict(json.loads(self._record_path.read_text(encoding="utf-8")))
        except (FileNotFoundError, ValueError):
            return None

    def _write(self, record: dict[str, Any]) -> None:
        tmp = self._record_path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, self._record_path)

    def release(self, clean: bool) -> None:
        if self._fd is None:
            return
        if clean:
            self._write(self._record("released", 0))
        self._fd.close()  # closing the descriptor drops the flock
        self._fd = None


class _S3Lease(Lease):
    def __init__(self, uri: str, import_name: str, run_id: str) -> None:
        super().__init__(import_name, run_id)
        self.bucket, self.key = split_s3_uri(uri)
        self._etag: str | None = None

    @property
    def _s3(self) -> Any:
        from orchestration.core import aws

        return aws.client("s3")

    def _read(self) -> tuple[dict[str, Any] | None, str | None]:
        from botocore.exceptions import ClientError

        try:
            r = self._s3.get_object(Bucket=self.bucket, Key=self.key)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None, None
            raise
        return dict(json.loads(r["Body"].read())), str(r["ETag"])

    def _put(self, record: dict[str, Any], **condition: str) -> bool:
        """Conditional PutObject; False when the condition failed (someone else wrote first)."""
        from botocore.exceptions import ClientError

        try:
            r = self._s3.put_object(Bucket=self.bucket, Key=self.key, Body=json.dumps(record).encode(),
                                    ContentType="application/json", **condition)
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code in ("PreconditionFailed", "ConditionalRequestConflict", "412", "409", "NoSuchKey"):
                return False
            raise
        self._etag = str(r["ETag"])
        return True

    def acquire(self, wait_s: float) -> str | None:
        started = time.monotonic()
        while True:
            current, etag = self._read()
            if current is None:
                self.pending = None
                if self._put(self._record("held", LEASE_TTL_S), IfNoneMatch="*"):
                    return None
                continue
            expired = datetime.fromisoformat(str(current.get("expires_at"))) <= _now()
            free = current.get("state") == "released" or expired or current.get("run_id") == self.run_id
            if free and etag is not None:
                self.pending = self._pending_after(current)
                if self._put(self._record("held", LEASE_TTL_S), IfMatch=etag):
                    if current.get("state") == "held":
                        log.warning("took over the lease of run %s (%s)", current.get("run_id"),
                                    "expired" if expired else "same run")
                    return self.pending
                continue
            if time.monotonic() - started >= wait_s:
                raise _busy(self.import_name, current, time.monotonic() - started)
            time.sleep(_POLL_S)

    def settle(self) -> None:
        self.pending = None
        if self._etag is not None and not self._put(self._record("held", LEASE_TTL_S), IfMatch=self._etag):
            raise _busy(self.import_name, {"run_id": "another run"}, 0)

    def release(self, clean: bool) -> None:
        if self._etag is None:
            return
        # Not clean: keep the lease "held" but expired now, so the next commit takes it over at once and
        # finishes this run's commit first.
        if not self._put(self._record("released" if clean else "held", 0), IfMatch=self._etag):
            log.warning("the lease of import %s was taken over before run %s released it", self.import_name, self.run_id)
        self._etag = None


def lease_for(storage: Storage, control_uri: str, import_name: str, run_id: str) -> Lease:
    """The lease adapter for this storage backend."""
    uri = lease_uri(control_uri, import_name)
    if local_files(storage):
        return _LocalLease(storage, uri, import_name, run_id)
    if uri.startswith("s3://"):
        return _S3Lease(uri, import_name, run_id)
    raise PublishError(f"no commit lease for storage {storage!r}", where=uri)


def local_files(storage: Storage) -> bool:
    """The storage keeps objects as local files (the local lake, or a wrapper around it in tests)."""
    return isinstance(storage, LocalLake) or isinstance(getattr(storage, "root", None), os.PathLike)


def wait_seconds(default: float = 120.0) -> float:
    raw = os.environ.get(WAIT_ENV)
    return float(raw) if raw else default
