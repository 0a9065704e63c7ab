"""One filesystem abstraction over S3 and the local lake, so the same engine code runs on both.

``s3://BUCKET/KEY`` is the only way Lockgate names data; locally it is ``<lake>/BUCKET/KEY``.
``get_storage()`` picks the adapter: ``LocalLake`` when ``LOCKGATE_LAKE`` is set, else ``S3Storage``.

Sequential reads of S3 objects stream a GetObject body (boto3): measured against
``pyarrow.fs.S3FileSystem.open_input_stream`` on a 60 MB object it was faster (0.11 s against 0.64 s
against the same local endpoint), so the pyarrow filesystem (``arrow_filesystem()``) is only used where
pyarrow needs random access, such as Parquet footers.

Every write is atomic per object: the local lake writes a hidden temp file and renames it into place;
S3 uploads the whole object when the stream closes (never a partial object). A missing object raises
``ObjectNotFoundError`` (a ``DataError`` naming the URI); throttling and 5xx answers that outlive
botocore's retries raise ``StorageError`` (retryable).
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import shutil
import tempfile
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import DataError, LockgateError, StorageError
from .spec.uris import split_s3_uri

if TYPE_CHECKING:
    import pyarrow.fs

__all__ = [
    "ObjectInfo", "Storage", "LocalLake", "S3Storage", "get_storage", "ObjectNotFoundError", "TMP_PREFIX",
    "object_name",
]

TMP_PREFIX = ".lockgate-tmp-"
"""Names of in-flight local writes start with this; listings never show them."""


class ObjectNotFoundError(DataError):
    """The object (or bucket) does not exist; the message names the URI."""


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    """One stored object: its ``s3://`` URI and size in bytes."""

    uri: str
    size: int

    @property
    def name(self) -> str:
        return object_name(self.uri)


def object_name(uri: str) -> str:
    """The part of a URI after the last ``/``."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def _uri(bucket: str, key: str) -> str:
    return f"s3://{bucket}/{key}"


class Storage(ABC):
    """The operations the engines, plan and commit need; one adapter per backend."""

    @abstractmethod
    def list(self, prefix_uri: str, pattern: str | None = None) -> list[ObjectInfo]:
        """Every object whose URI starts with ``prefix_uri`` (recursive, sorted by URI); ``pattern`` is a
        glob on the object name (the part after the last ``/``)."""

    @abstractmethod
    def stat(self, uri: str) -> ObjectInfo:
        """Size of one object; ObjectNotFoundError when missing."""

    @abstractmethod
    def open_input(self, uri: str) -> IO[bytes]:
        """A binary stream over the object (sequential reads)."""

    @abstractmethod
    def open_output(self, uri: str) -> IO[bytes]:
        """A binary stream that becomes the object when closed without error (a context manager whose
        exception path discards the partial object)."""

    @abstractmethod
    def head(self, uri: str, n: int) -> bytes:
        """The first ``n`` bytes (fewer for a shorter object)."""

    @abstractmethod
    def copy(self, src: str, dst: str) -> None:
        """Copy one object."""

    @abstractmethod
    def delete(self, uri: str) -> None:
        """Delete one object; a missing object is not an error."""

    @abstractmethod
    def arrow_filesystem(self) -> pyarrow.fs.FileSystem:
        """A pyarrow filesystem for dataset/parquet APIs, used with ``arrow_path``."""

    @abstractmethod
    def arrow_path(self, uri: str) -> str:
        """The path of ``uri`` inside ``arrow_filesystem()``."""

    # Derived operations: adapters may override them with something faster.

    def exists(self, uri: str) -> bool:
        try:
            self.stat(uri)
        except ObjectNotFoundError:
            return False
        return True

    def read_bytes(self, uri: str) -> bytes:
        with self.open_input(uri) as f:
            return f.read()

    def write_bytes(self, uri: str, data: bytes) -> None:
        with self.open_output(uri) as f:
            f.write(data)

    def read_json(self, uri: str) -> Any:
        data = self.read_bytes(uri)
        try:
            return json.loads(data)
        except ValueError as e:
            raise DataError(f"not valid JSON: {e}", where=uri) from None

    def write_json(self, uri: str, value: Any) -> None:
        self.write_bytes(uri, json.dumps(value, indent=2, sort_keys=False, default=str).encode())

    def delete_prefix(self, uri: str) -> int:
        """Delete every object under ``uri``; returns how many."""
        objs = self.list(uri)
        for o in objs:
            self.delete(o.uri)
        return len(objs)


def _match(name: str, pattern: str | None) -> bool:
    return pattern is None or fnmatch.fnmatchcase(name, pattern)


# --------------------------------------------------------------------------------------------- local


class _AtomicLocalWriter:
    """Writes to a hidden temp file next to the target and renames it into place on close."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._tmp = path.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}-{path.name}"
        self._f = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()/abort()

    def write(self, data: Any) -> int:
        return self._f.write(data)

    def tell(self) -> int:
        return self._f.tell()

    def flush(self) -> None:
        self._f.flush()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return self._f.closed

    def close(self) -> None:
        if self._f.closed:
            return
        self._f.close()
        os.replace(self._tmp, self._path)

    def abort(self) -> None:
        if not self._f.closed:
            self._f.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> _AtomicLocalWriter:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class LocalLake(Storage):
    """``s3://BUCKET/KEY`` is the file ``ROOT/BUCKET/KEY``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalLake({str(self.root)!r})"

    def path(self, uri: str) -> Path:
        """The local file of an ``s3://`` URI."""
        if not uri.startswith("s3://"):
            raise LockgateError(f"{uri!r} is not an s3:// URI")
        bucket, key = split_s3_uri(uri)
        if not bucket or ".." in Path(key).parts:
            raise LockgateError(f"{uri!r} is not a valid object URI")
        return self.root / bucket / key

    def _uri_of(self, path: Path) -> str:
        rel = path.relative_to(self.root).as_posix()
        bucket, _, key = rel.partition("/")
        return _uri(bucket, key)

    def list(self, prefix_uri: str, pattern: str | None = None) -> list[ObjectInfo]:
        bucket, key_prefix = split_s3_uri(prefix_uri)
        bucket_dir = self.root / bucket
        if not bucket_dir.is_dir():
            return []
        # Walk from the deepest directory the prefix names; filter by the remaining key prefix.
        base_key = key_prefix.rsplit("/", 1)[0] if "/" in key_prefix else ""
        start = bucket_dir / base_key if base_key else bucket_dir
        if not start.is_dir():
            return []
        out: list[ObjectInfo] = []
        stack = [start]
        root_len = len(str(bucket_dir)) + 1
        while stack:
            d = stack.pop()
            try:
                entries = list(os.scandir(d))
            except FileNotFoundError:
                continue
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                    continue
                if e.name.startswith(TMP_PREFIX):
                    continue
                key = e.path[root_len:].replace(os.sep, "/")
                if key.startswith(key_prefix) and _match(e.name, pattern):
                    out.append(ObjectInfo(_uri(bucket, key), e.stat(follow_symlinks=False).st_size))
        out.sort(key=lambda o: o.uri.encode())
        return out

    def stat(self, uri: str) -> ObjectInfo:
        p = self.path(uri)
        try:
            st = p.stat()
        except FileNotFoundError:
            raise ObjectNotFoundError("no such object", where=uri) from None
        if not p.is_file():
            raise ObjectNotFoundError("no such object (it is a prefix)", where=uri)
        return ObjectInfo(uri, st.st_size)

    def open_input(self, uri: str) -> IO[bytes]:
        try:
            return open(self.path(uri), "rb")  # noqa: SIM115 - the caller closes it
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFoundError("no such object", where=uri) from None
        except OSError as e:
            raise StorageError(f"cannot open: {e}", where=uri) from None

    def open_output(self, uri: str) -> IO[bytes]:
        return _AtomicLocalWriter(self.path(uri))  # type: ignore[return-value]

    def read_bytes(self, uri: str) -> bytes:
        with self.open_input(uri) as f:
            return f.read()

    def head(self, uri: str, n: int) -> bytes:
        with self.open_input(uri) as f:
            return f.read(n)

    def exists(self, uri: str) -> bool:
        return self.path(uri).is_file()

    def copy(self, src: str, dst: str) -> None:
        s = self.path(src)
        if not s.is_file():
            raise ObjectNotFoundError("no such object", where=src)
        d = self.path(dst)
        d.parent.mkdir(parents=True, exist_ok=True)
        tmp = d.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}-{d.name}"
        shutil.copyfile(s, tmp)
        os.replace(tmp, d)

    def delete(self, uri: str) -> None:
        self.path(uri).unlink(missing_ok=True)

    def delete_prefix(self, uri: str) -> int:
        objs = self.list(uri)
        for o in objs:
            self.delete(o.uri)
        # Remove directories the prefix emptied, like S3 where prefixes vanish with their objects.
        bucket, key = split_s3_uri(uri)
        if key.endswith("/") or not key:
            d = self.root / bucket / key
            if d.is_dir():
                for sub in sorted((p for p in d.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                    _rmdir_quiet(sub)
                if key:
                    _rmdir_quiet(d)
        return len(objs)

    def arrow_filesystem(self) -> pyarrow.fs.FileSystem:
        import pyarrow.fs as pafs

        return pafs.LocalFileSystem()

    def arrow_path(self, uri: str) -> str:
        return str(self.path(uri))


def _rmdir_quiet(p: Path) -> None:
    with contextlib.suppress(OSError):
        p.rmdir()


# ------------------------------------------------------------------------------------------------ S3

_PAGE_SIZE = 1000
_RETRYABLE_CODES = frozenset({
    "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
    "InternalError", "ServiceUnavailable", "503", "500", "502", "504", "RequestLimitExceeded",
})
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NoSuchBucket", "NotFound"})


def _translate(e: Exception, uri: str) -> LockgateError:
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

    if isinstance(e, ClientError):
        code = str(e.response.get("Error", {}).get("Code", ""))
        status = int(e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _MISSING_CODES:
            what = "no such bucket" if code == "NoSuchBucket" else "no such object"
            return ObjectNotFoundError(what, where=uri)
        if code in _RETRYABLE_CODES or status >= 500 or status == 429:
            return StorageError(f"S3 answered {code or status}; retry later", where=uri)
        return LockgateError(f"S3 refused the request: {code} {e}", where=uri)
    if isinstance(e, ConnectionError | HTTPClientError):
        return StorageError(f"cannot reach S3: {e}", where=uri)
    return StorageError(f"S3 request failed: {e}", where=uri)


class _S3Writer:
    """Spools to memory (then a temp file) and uploads the object when closed without error."""

    def __init__(self, storage: S3Storage, uri: str) -> None:
        self._storage = storage
        self._uri = uri
        self._spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
        self._closed = False

    def write(self, data: Any) -> int:
        return self._spool.write(data)

    def tell(self) -> int:
        return self._spool.tell()

    def flush(self) -> None:
        pass

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._spool.seek(0)
            self._storage._upload(self._uri, self._spool)
        finally:
            self._spool.close()

    def abort(self) -> None:
        self._closed = True
        self._spool.close()

    def __enter__(self) -> _S3Writer:
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class _S3Reader:
    """A read-only binary stream over a GetObject body."""

    def __init__(self, body: Any, uri: str) -> None:
        self._body = body
        self._uri = uri
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        try:
            return self._body.read() if n is None or n < 0 else self._body.read(n)
        except Exception as e:  # urllib3 protocol errors mid-stream
            raise StorageError(f"reading failed: {e}", where=self._uri) from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._body.close()

    def __enter__(self) -> _S3Reader:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


class S3Storage(Storage):
    """Amazon S3 (or anything speaking its API at ``AWS_ENDPOINT_URL``) through the client factory."""

    def __init__(self, region: str | None = None) -> None:
        self.region = region

    def __repr__(self) -> str:
        return "S3Storage()"

    @property
    def _s3(self) -> Any:
        from . import aws

        return aws.client("s3", region=self.region)

    def list(self, prefix_uri: str, pattern: str | None = None) -> list[ObjectInfo]:
        bucket, prefix = split_s3_uri(prefix_uri)
        out: list[ObjectInfo] = []
        try:
            pages = self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": _PAGE_SIZE}
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    key = item["Key"]
                    if key.endswith("/"):
                        continue  # folder marker
                    if _match(key.rsplit("/", 1)[-1], pattern):
                        out.append(ObjectInfo(_uri(bucket, key), int(item["Size"])))
        except Exception as e:
            err = _translate(e, prefix_uri)
            if isinstance(err, ObjectNotFoundError):
                raise ObjectNotFoundError(f"cannot list: {err.message}", where=prefix_uri) from None
            raise err from None
        out.sort(key=lambda o: o.uri.encode())
        return out

    def stat(self, uri: str) -> ObjectInfo:
        bucket, key = split_s3_uri(uri)
        try:
            r = self._s3.head_object(Bucket=bucket, Key=key)
        except Exception as e:
            raise _translate(e, uri) from None
        return ObjectInfo(uri, int(r["ContentLength"]))

    def _get(self, uri: str, **kw: Any) -> Any:
        bucket, key = split_s3_uri(uri)
        try:
            return self._s3.get_object(Bucket=bucket, Key=key, **kw)
        except Exception as e:
            raise _translate(e, uri) from None

    def open_input(self, uri: str) -> IO[bytes]:
        return _S3Reader(self._get(uri)["Body"], uri)  # type: ignore[return-value]

    def open_output(self, uri: str) -> IO[bytes]:
        return _S3Writer(self, uri)  # type: ignore[return-value]

    def _upload(self, uri: str, fileobj: Any) -> None:
        bucket, key = split_s3_uri(uri)
        try:
            self._s3.upload_fileobj(fileobj, bucket, key)
        except Exception as e:
            raise _translate(e, uri) from None

    def read_bytes(self, uri: str) -> bytes:
        with self.open_input(uri) as f:
            return f.read()

    def write_bytes(self, uri: str, data: bytes) -> None:
        bucket, key = split_s3_uri(uri)
        try:
            self._s3.put_object(Bucket=bucket, Key=key, Body=data)
        except Exception as e:
            raise _translate(e, uri) from None

    def head(self, uri: str, n: int) -> bytes:
        if n <= 0:
            return b""
        try:
            return self._get(uri, Range=f"bytes=0-{n - 1}")["Body"].read()
        except LockgateError as e:
            # An empty object has no byte 0: S3 answers InvalidRange.
            if "InvalidRange" in str(e) and self.stat(uri).size == 0:
                return b""
            raise

    def copy(self, src: str, dst: str) -> None:
        sb, sk = split_s3_uri(src)
        db, dk = split_s3_uri(dst)
        try:
            self._s3.copy({"Bucket": sb, "Key": sk}, db, dk)
        except Exception as e:
            raise _translate(e, f"{src} -> {dst}") from None

    def delete(self, uri: str) -> None:
        bucket, key = split_s3_uri(uri)
        try:
            self._s3.delete_object(Bucket=bucket, Key=key)
        except Exception as e:
            err = _translate(e, uri)
            if not isinstance(err, ObjectNotFoundError):
                raise err from None

    def delete_prefix(self, uri: str) -> int:
        objs = self.list(uri)
        for chunk in _chunks([o.uri for o in objs], 1000):
            bucket = split_s3_uri(chunk[0])[0]
            try:
                r = self._s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": [{"Key": split_s3_uri(u)[1]} for u in chunk], "Quiet": True}
                )
            except Exception as e:
                raise _translate(e, uri) from None
            if r.get("Errors"):
                first = r["Errors"][0]
                raise StorageError(f"could not delete {first.get('Key')}: {first.get('Code')}", where=uri)
        return len(objs)

    def arrow_filesystem(self) -> pyarrow.fs.FileSystem:
        import pyarrow.fs as pafs

        from . import aws

        kw: dict[str, Any] = {"region": aws.region_name(self.region)}
        endpoint = aws.endpoint_url("s3")
        if endpoint:
            scheme, _, rest = endpoint.partition("://")
            kw["endpoint_override"] = rest or scheme
            kw["scheme"] = scheme if rest else "https"
            kw["allow_bucket_creation"] = True
        return pafs.S3FileSystem(**kw)

    def arrow_path(self, uri: str) -> str:
        bucket, key = split_s3_uri(uri)
        return f"{bucket}/{key}"


def _chunks(items: list[str], n: int) -> Iterator[list[str]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def get_storage() -> Storage:
    """``LocalLake(LOCKGATE_LAKE)`` when that variable is set, else ``S3Storage()``."""
    lake = os.environ.get("LOCKGATE_LAKE")
    if lake:
        return LocalLake(lake)
    return S3Storage()
