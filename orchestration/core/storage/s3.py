"""Amazon S3 through the client factory (boto3), with pyarrow's S3 filesystem for random access."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from ..errors import ConfigError, LockgateError, StorageError
from ..spec.uris import split_s3_uri
from .base import AtomicWriter, ObjectInfo, ObjectNotFoundError, Storage, _match, _uri

if TYPE_CHECKING:
    import pyarrow.fs

__all__ = ["S3Storage"]

_PAGE_SIZE = 1000
_RETRYABLE_CODES = frozenset({
    "SlowDown", "Throttling", "ThrottlingException", "RequestTimeout", "RequestTimeTooSkewed",
    "InternalError", "ServiceUnavailable", "503", "500", "502", "504", "RequestLimitExceeded",
})
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NoSuchBucket", "NotFound"})


def _translate(e: Exception, uri: str) -> LockgateError:
    from botocore.exceptions import (
        ClientError,
        ConnectionError,
        HTTPClientError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(e, NoCredentialsError | PartialCredentialsError | NoRegionError):
        # Terminal, not transient: a retry finds no more credentials than this attempt did.
        return ConfigError(f"no usable AWS credentials or region for S3 ({e}); configure them (aws configure, "
                           "AWS_PROFILE, AWS_REGION) or add --local to work on this machine", where=uri)
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


class _S3Writer(AtomicWriter):
    """Spools to memory (then a temp file) and uploads the object when closed without error."""

    def __init__(self, storage: S3Storage, uri: str) -> None:
        self._storage = storage
        self._uri = uri
        self._f = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._f.seek(0)
            self._storage._upload(self._uri, self._f)
        finally:
            self._f.close()

    def abort(self) -> None:
        self._closed = True
        self._f.close()


class _S3Reader:
    """A read-only binary stream over a GetObject body."""

    def __init__(self, body: Any, uri: str, version: str | None = None) -> None:
        self._body = body
        self._uri = uri
        self.version = version
        """The ETag of the object version this body is (S3 serves one version for the whole body)."""
        self._pos = 0
        self.closed = False

    def read(self, n: int = -1) -> bytes:
        try:
            data: bytes = self._body.read() if n is None or n < 0 else self._body.read(n)
        except Exception as e:  # urllib3 protocol errors mid-stream
            raise StorageError(f"reading failed: {e}", where=self._uri) from None
        self._pos += len(data)
        return data

    def tell(self) -> int:
        """Bytes read so far (the engine compares them with the size its run planned)."""
        return self._pos

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
        from .. import aws

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
                        out.append(ObjectInfo(_uri(bucket, key), int(item["Size"]), item.get("ETag")))
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
        return ObjectInfo(uri, int(r["ContentLength"]), r.get("ETag"))

    def _get(self, uri: str, **kw: Any) -> Any:
        bucket, key = split_s3_uri(uri)
        try:
            return self._s3.get_object(Bucket=bucket, Key=key, **kw)
        except Exception as e:
            raise _translate(e, uri) from None

    def open_input(self, uri: str) -> IO[bytes]:
        r = self._get(uri)
        return _S3Reader(r["Body"], uri, r.get("ETag"))  # type: ignore[return-value]

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

    def read_range(self, uri: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        body = self._get(uri, Range=f"bytes={start}-{end - 1}")["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

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

        from .. import aws

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
