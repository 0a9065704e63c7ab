"""orchestration.core.storage: the same behaviour on the local lake and on S3 (moto over HTTP)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from botocore.exceptions import ClientError

from orchestration.core import aws
from orchestration.core.errors import ConfigError, DataError, StorageError
from orchestration.core.storage import LocalLake, ObjectNotFoundError, S3Storage, Storage, get_storage
from orchestration.core.storage import s3 as s3_adapter


def test_write_read_list(storage: Storage) -> None:
    storage.write_bytes("s3://raw/a/b/x.csv", b"hello")
    storage.write_bytes("s3://raw/a/x.csv.gz", b"zz")
    storage.write_bytes("s3://raw/ab/y.csv", b"y")
    storage.write_json("s3://raw/a/c.json", {"a": [1, 2]})
    with storage.open_output("s3://raw/a/d.bin") as f:
        f.write(b"12")
        f.write(b"3")
    assert [o.uri for o in storage.list("s3://raw/a/")] == [
        "s3://raw/a/b/x.csv", "s3://raw/a/c.json", "s3://raw/a/d.bin", "s3://raw/a/x.csv.gz"]
    assert [(o.name, o.size) for o in storage.list("s3://raw/a/", "*.csv")] == [("x.csv", 5)]
    # A prefix without a trailing slash matches key prefixes, as S3 does.
    assert [o.uri for o in storage.list("s3://raw/a")][-1] == "s3://raw/ab/y.csv"
    assert [o.uri for o in storage.list("s3://raw/a/x")] == ["s3://raw/a/x.csv.gz"]
    assert storage.list("s3://raw/nothing/") == []
    assert storage.read_json("s3://raw/a/c.json") == {"a": [1, 2]}
    assert storage.read_bytes("s3://raw/a/d.bin") == b"123"
    assert storage.head("s3://raw/a/b/x.csv", 2) == b"he"
    assert storage.head("s3://raw/a/b/x.csv", 100) == b"hello"
    assert storage.read_range("s3://raw/a/b/x.csv", 1, 4) == b"ell"
    assert storage.read_range("s3://raw/a/b/x.csv", 3, 100) == b"lo"
    assert storage.read_range("s3://raw/a/b/x.csv", 2, 2) == b""
    with storage.open_input("s3://raw/a/b/x.csv") as f:
        assert f.read(3) == b"hel"
        assert f.read() == b"lo"
    assert storage.stat("s3://raw/a/b/x.csv").size == 5
    assert storage.exists("s3://raw/a/c.json") and not storage.exists("s3://raw/a/nope")


def test_empty_object(storage: Storage) -> None:
    storage.write_bytes("s3://raw/empty.csv", b"")
    assert storage.head("s3://raw/empty.csv", 8) == b""
    assert storage.read_bytes("s3://raw/empty.csv") == b""
    assert storage.list("s3://raw/empty")[0].size == 0


def test_missing_objects_name_the_uri(storage: Storage) -> None:
    for call in (lambda: storage.read_bytes("s3://raw/missing.csv"), lambda: storage.stat("s3://raw/missing.csv"),
                 lambda: storage.head("s3://raw/missing.csv", 4), lambda: storage.copy("s3://raw/missing.csv", "s3://raw/b")):
        with pytest.raises(ObjectNotFoundError) as e:
            call()
        assert "s3://raw/missing.csv" in str(e.value)
        assert isinstance(e.value, DataError) and not e.value.retryable
    storage.delete("s3://raw/missing.csv")  # deleting nothing is fine


def test_copy_delete_delete_prefix(storage: Storage) -> None:
    for i in range(5):
        storage.write_bytes(f"s3://control/staging/r/data/p={i % 2}/f{i}.parquet", b"x" * i)
    storage.copy("s3://control/staging/r/data/p=0/f2.parquet", "s3://lake/t/p=0/f2.parquet")
    assert storage.read_bytes("s3://lake/t/p=0/f2.parquet") == b"xx"
    storage.delete("s3://lake/t/p=0/f2.parquet")
    assert not storage.exists("s3://lake/t/p=0/f2.parquet")
    assert storage.delete_prefix("s3://control/staging/r/") == 5
    assert storage.list("s3://control/staging/") == []


def test_a_copy_stays_what_it_was_when_either_key_changes(storage: Storage) -> None:
    storage.write_bytes("s3://control/staging/r/f.parquet", b"staged")
    storage.copy("s3://control/staging/r/f.parquet", "s3://lake/t/f.parquet")
    storage.write_bytes("s3://control/staging/r/f.parquet", b"rewritten")
    with storage.open_output("s3://lake/t/f.parquet") as f:  # the other way round, streamed
        f.write(b"new")
    assert storage.read_bytes("s3://control/staging/r/f.parquet") == b"rewritten"
    assert storage.read_bytes("s3://lake/t/f.parquet") == b"new"
    storage.copy("s3://control/staging/r/f.parquet", "s3://lake/t/f.parquet")  # over an existing key
    storage.delete("s3://control/staging/r/f.parquet")
    assert storage.read_bytes("s3://lake/t/f.parquet") == b"rewritten"


def test_local_copy_moves_no_bytes(tmp_path: Path) -> None:
    """Publishing a run copies every staged file into the table: in the local lake a link, not a copy of
    the bytes (the commit of 2.5 million wide rows spent 0.85 s copying)."""
    lake = LocalLake(tmp_path)
    lake.write_bytes("s3://control/staging/r/f.parquet", b"x" * 4096)
    lake.copy("s3://control/staging/r/f.parquet", "s3://lake/t/f.parquet")
    assert lake.path("s3://lake/t/f.parquet").stat().st_ino == lake.path("s3://control/staging/r/f.parquet").stat().st_ino
    assert [o.name for o in lake.list("s3://lake/t/")] == ["f.parquet"]  # no temp file left


def test_writes_are_atomic(storage: Storage) -> None:
    storage.write_bytes("s3://raw/keep.txt", b"old")
    with pytest.raises(RuntimeError), storage.open_output("s3://raw/keep.txt") as f:
        f.write(b"partial")
        raise RuntimeError("writer died")
    assert storage.read_bytes("s3://raw/keep.txt") == b"old"
    assert [o.name for o in storage.list("s3://raw/")] == ["keep.txt"]  # no temp files show


def test_arrow_filesystem_reads_parquet(storage: Storage) -> None:
    buf = io.BytesIO()
    pq.write_table(pa.table({"a": [1, 2, 3]}), buf)
    storage.write_bytes("s3://lake/t/x.parquet", buf.getvalue())
    fs = storage.arrow_filesystem()
    assert pq.read_table(storage.arrow_path("s3://lake/t/x.parquet"), filesystem=fs).column("a").to_pylist() == [1, 2, 3]


def test_listing_paginates(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(s3_adapter, "_PAGE_SIZE", 7)
    for i in range(30):
        storage.write_bytes(f"s3://raw/many/{i:03d}.csv", b"1")
    listed = storage.list("s3://raw/many/", "*.csv")
    assert [o.name for o in listed] == [f"{i:03d}.csv" for i in range(30)]


def test_local_lake_layout(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lake = LocalLake(tmp_path)
    lake.write_bytes("s3://bkt/k/v.txt", b"1")
    assert (tmp_path / "bkt" / "k" / "v.txt").read_bytes() == b"1"
    assert lake.path("s3://bkt/k/v.txt") == tmp_path / "bkt" / "k" / "v.txt"
    with pytest.raises(Exception, match="not a valid"):
        lake.path("s3://bkt/../../etc/passwd")
    assert lake.delete_prefix("s3://bkt/k/") == 1 and not (tmp_path / "bkt" / "k").exists()


def test_local_lake_lists_many_objects(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lake = LocalLake(tmp_path)
    for d in range(20):
        (tmp_path / "b" / "p" / f"d={d:02d}").mkdir(parents=True)
        for i in range(500):
            (tmp_path / "b" / "p" / f"d={d:02d}" / f"{i:04d}.json").write_bytes(b"")
    listed = lake.list("s3://b/p/", "*.json")
    assert len(listed) == 10_000 and listed == sorted(listed, key=lambda o: o.uri)


def test_get_storage_follows_the_environment(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path))
    s = get_storage()
    assert isinstance(s, LocalLake) and s.root == tmp_path.resolve()
    monkeypatch.delenv("LOCKGATE_LAKE")
    assert isinstance(get_storage(), S3Storage)


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "GetObject")


def test_s3_errors_are_classified() -> None:
    slow = s3_adapter._translate(_client_error("SlowDown", 503), "s3://b/k")
    assert isinstance(slow, StorageError) and slow.retryable and "s3://b/k" in str(slow)
    assert isinstance(s3_adapter._translate(_client_error("InternalError", 500), "s3://b/k"), StorageError)
    missing = s3_adapter._translate(_client_error("NoSuchKey", 404), "s3://b/k")
    assert isinstance(missing, ObjectNotFoundError)
    denied = s3_adapter._translate(_client_error("AccessDenied", 403), "s3://b/k")
    assert not denied.retryable and "AccessDenied" in str(denied)


def test_missing_credentials_are_a_terminal_config_error_naming_the_fix(monkeypatch: pytest.MonkeyPatch,
                                                                       tmp_path) -> None:  # type: ignore[no-untyped-def]
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_REGION", raising=False)
    aws.clear_cache()  # sessions are cached per region: a cached one would still hold other tests' credentials
    try:
        with pytest.raises(ConfigError) as caught:
            S3Storage().read_bytes("s3://raw/a/x.csv")
    finally:
        aws.clear_cache()
    assert not caught.value.retryable
    assert "credentials" in str(caught.value) and "--local" in str(caught.value) and "s3://raw/a/x.csv" in str(caught.value)


def test_s3_throttling_surfaces_as_storage_error(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    class Throttled:
        def get_object(self, **_: object) -> None:
            raise _client_error("SlowDown", 503)

    s3 = S3Storage()
    monkeypatch.setattr(S3Storage, "_s3", property(lambda self: Throttled()))
    with pytest.raises(StorageError) as e:
        s3.read_bytes("s3://raw/x")
    assert e.value.asl_error == "Lockgate.StorageError"
    assert json.dumps(str(e.value))
