"""One compression rule (orchestration.core.compression) for the planner and the Lambda engine's reader."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from lambdas.engine.source import open_source
from orchestration.core.compression import detect_compression
from orchestration.core.spec import parse_spec
from orchestration.core.storage import LocalLake
from orchestration.planning import preview_plan

ROWS = b"id\n1\n2\n"


def _put(lake: Path, key: str, data: bytes) -> str:
    path = lake / "raw" / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"s3://raw/{key}"


def test_precedence_declared_then_name_then_bytes(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path)
    gz_without_suffix = _put(tmp_path, "in/c", gzip.compress(ROWS))
    reads: list[str] = []

    def head(uri: str):  # type: ignore[no-untyped-def]
        def read() -> bytes:
            reads.append(uri)
            return lake.head(uri, 4)
        return read

    assert detect_compression("s3://raw/x.csv", "csv", "zstd", head("x")) == "zstd"
    assert detect_compression("s3://raw/x.jsonl.zst", "jsonl", "auto", head("x")) == "zstd"
    assert detect_compression("s3://raw/x.csv", "csv", "auto", head("x")) == "none"
    assert detect_compression("s3://raw/x.parquet", "parquet", "gzip", head("x")) == "none"
    assert reads == []  # a name that says something reads no bytes
    assert detect_compression(gz_without_suffix, "csv", "auto", head(gz_without_suffix)) == "gzip"
    assert reads == [gz_without_suffix]


# mtime=0: the compressed bytes are part of each test's id, which every xdist worker must collect alike.
@pytest.mark.parametrize(("key", "data", "codec"), [
    ("in/a.csv.gz", gzip.compress(ROWS, mtime=0), "gzip"),  # name
    ("in/b", gzip.compress(ROWS, mtime=0), "gzip"),         # bytes, the name says nothing
    ("in/c.csv", ROWS, "none"),                         # plain name
    ("in/d.gz", ROWS, "gzip"),                          # the name wins: reading it fails, naming the object
])
def test_planner_and_reader_decide_alike(tmp_path: Path, key: str, data: bytes, codec: str) -> None:
    uri = _put(tmp_path, key, data)
    spec = parse_spec({"name": "t", "source": {"uri": "s3://raw/in/", "format": "csv"},
                       "columns": [{"name": "id", "type": "bigint"}],
                       "target": {"database": "d", "table": "t", "location": "s3://lake/t/"}})
    lake = LocalLake(tmp_path)
    planned = {o.uri: o.compression for o in preview_plan(spec, storage=lake).objects}
    assert planned[uri] == codec
    stream = open_source(lake, uri, "auto")
    assert stream.codec == codec
    if data.startswith(b"\x1f\x8b") or codec == "none":
        assert stream.read(1 << 20) == ROWS
    else:
        with pytest.raises(Exception, match=key.rsplit("/", 1)[-1]):
            stream.read(1 << 20)
    stream.close()


# ------------------------------------------------------------------ gzip_reader: ISA-L and Python's gzip

PADDING = 64


def _members() -> bytes:
    """Three gzip members (the middle one empty), as `cat a.gz b.gz c.gz` or a parallel compressor
    writes them, then the zero padding some tape and block writers add."""
    first = b"".join(b"%d,%s\n" % (i, b"x" * (i % 37)) for i in range(60_000))  # several MB: many reads
    return (gzip.compress(first, mtime=0) + gzip.compress(b"", mtime=0)
            + gzip.compress(b"last,member\n", mtime=0) + b"\x00" * PADDING)


@pytest.mark.parametrize("use_isal", [True, False], ids=["isal", "python-gzip"])
def test_gzip_reader_reads_every_member_like_pythons_gzip(use_isal: bool) -> None:
    import io

    from orchestration.core.compression import gzip_reader

    data = _members()
    expected = gzip.decompress(data[:-PADDING])
    reader = gzip_reader(io.BytesIO(data), use_isal=use_isal)
    assert type(reader).__module__.startswith("isal") is use_isal  # the fast path is the one in use
    got = bytearray()
    buf = bytearray(1 << 16)
    while n := reader.readinto(buf):  # how SourceStream reads
        got += buf[:n]
    assert bytes(got) == expected and got.endswith(b"last,member\n")


@pytest.mark.parametrize("use_isal", [True, False], ids=["isal", "python-gzip"])
@pytest.mark.parametrize("damage", ["truncated", "corrupt-deflate", "bad-crc", "garbage-after"])
def test_gzip_reader_raises_a_decompress_error_on_damage(use_isal: bool, damage: str) -> None:
    import io

    from orchestration.core.compression import DECOMPRESS_ERRORS, gzip_reader

    body = gzip.compress(b"".join(b"%d,row\n" % i for i in range(50_000)), mtime=0)
    data = {
        "truncated": body[: len(body) // 2],
        "corrupt-deflate": body[:200] + b"\xff" * 64 + body[264:],
        "bad-crc": body[:-8] + bytes(b ^ 0xFF for b in body[-8:-4]) + body[-4:],
        "garbage-after": body + b"not gzip at all",
    }[damage]
    with pytest.raises(DECOMPRESS_ERRORS):
        gzip_reader(io.BytesIO(data), use_isal=use_isal).read()


def test_the_lambda_engine_reads_every_gzip_member(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    uri = _put(lake, "in/many.csv.gz", _members())
    with open_source(LocalLake(lake), uri, "auto") as stream:
        out = bytearray()
        while chunk := stream.read(1 << 20):
            out += chunk
    assert bytes(out) == gzip.decompress(_members()[:-PADDING])
