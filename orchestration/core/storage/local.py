"""The local lake: ``s3://BUCKET/KEY`` is the file ``ROOT/BUCKET/KEY``; writes are temp file + rename.

Every key resolves inside the root or is refused (``ConfigError`` naming the URI and the fix): an empty
path segment (``s3://lake//etc/x``, whose key ``/etc/x`` would otherwise be an absolute path), a ``.``
or ``..`` segment, a NUL byte, a bucket that is not one folder name, and a path whose symbolic links
lead out of the root. Listings refuse a symbolic link leading out of the root the same way.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..errors import ConfigError, StorageError
from ..spec.uris import split_s3_uri
from .base import TMP_PREFIX, AtomicWriter, ObjectInfo, ObjectNotFoundError, Storage, _match, _uri

if TYPE_CHECKING:
    import pyarrow.fs

__all__ = ["LocalLake", "local_version"]


def local_version(st: os.stat_result) -> str:
    """A local file's version: its inode (a file written anew and renamed into place has a new one) and
    modification time (a file rewritten in place has a new one)."""
    return f"{st.st_ino}:{st.st_mtime_ns}"


class _AtomicLocalWriter(AtomicWriter):
    """Writes to a hidden temp file next to the target and renames it into place on close."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._tmp = path.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}-{path.name}"
        self._f = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()/abort()

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


class LocalLake(Storage):
    """``s3://BUCKET/KEY`` is the file ``ROOT/BUCKET/KEY``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()

    def __repr__(self) -> str:
        return f"LocalLake({str(self.root)!r})"

    def path(self, uri: str) -> Path:
        """The local file (or folder, for a key ending in ``/``) of an ``s3://`` URI, inside the root."""
        if not uri.startswith("s3://"):
            raise ConfigError(f"{uri!r} is not an s3:// URI; write it as s3://bucket/key", where="local lake")
        bucket, key = split_s3_uri(uri)
        return self._inside(uri, bucket, key)

    def _inside(self, uri: str, bucket: str, key: str) -> Path:
        def refuse(why: str) -> ConfigError:
            return ConfigError(f"{uri[:300]!r} is not a valid object URI: it {why}, so it cannot name a file inside "
                               f"the local lake {self.root}",
                               where="local lake")

        if not bucket or bucket in (".", "..") or "\\" in bucket or "\0" in bucket:
            raise refuse("has no valid bucket name (write it as s3://bucket/key)")
        if "\0" in key:
            raise refuse("contains a NUL byte")
        body = key[:-1] if key.endswith("/") else key
        if key.startswith("/"):
            raise refuse("has an absolute key (an empty path segment after the bucket, s3://bucket//...)")
        segments = body.split("/") if body else []
        if "" in segments:
            raise refuse("has an empty path segment (//)")
        if "." in segments or ".." in segments:
            raise refuse("has a '.' or '..' path segment")
        path = self.root.joinpath(bucket, *segments)
        if not Path(os.path.realpath(path)).is_relative_to(self.root):
            raise refuse("leads out of the lake through a symbolic link")
        return path

    def _uri_of(self, path: Path) -> str:
        rel = path.relative_to(self.root).as_posix()
        bucket, _, key = rel.partition("/")
        return _uri(bucket, key)

    def list(self, prefix_uri: str, pattern: str | None = None) -> list[ObjectInfo]:
        bucket, key_prefix = split_s3_uri(prefix_uri)
        self._inside(prefix_uri, bucket, key_prefix)  # refuse a prefix that would leave the lake, even if absent
        bucket_dir = self.root / bucket
        if not bucket_dir.is_dir():
            return []
        # Walk from the deepest directory the prefix names; filter by the remaining key prefix.
        base_key = key_prefix.rsplit("/", 1)[0] if "/" in key_prefix else ""
        start = self._inside(prefix_uri, bucket, base_key + "/") if base_key else bucket_dir
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
                if e.is_symlink() and not Path(os.path.realpath(e.path)).is_relative_to(self.root):
                    raise ConfigError(f"{e.path} is a symbolic link leading out of the local lake {self.root}; "
                                      "remove it or copy the data into the lake", where=prefix_uri)
                if e.is_dir(follow_symlinks=False):
                    stack.append(Path(e.path))
                    continue
                if e.name.startswith(TMP_PREFIX):
                    continue
                key = e.path[root_len:].replace(os.sep, "/")
                if key.startswith(key_prefix) and _match(e.name, pattern):
                    # A link inside the lake stands for its target: its size is the target's (checked above).
                    st = e.stat(follow_symlinks=True)
                    out.append(ObjectInfo(_uri(bucket, key), st.st_size, local_version(st)))
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
        return ObjectInfo(uri, st.st_size, local_version(st))

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
        """A hard link where the filesystem allows one, else a copy of the bytes. Objects here never
        change in place (every write is a temp file renamed over the key), so a link is a copy: writing or
        deleting either key later leaves the other as it was. Publishing a run's files then moves no
        bytes, as S3's server-side copy moves none through the caller."""
        s, d = self.path(src), self.path(dst)
        if not s.is_file():
            raise ObjectNotFoundError("no such object", where=src)
        d.parent.mkdir(parents=True, exist_ok=True)
        tmp = d.parent / f"{TMP_PREFIX}{uuid.uuid4().hex}-{d.name}"
        try:
            os.link(s, tmp)
        except OSError:  # another filesystem, or one without hard links
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
            d = self._inside(uri, bucket, key)
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
