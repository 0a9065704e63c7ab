"""Bad and awkward input, each case on both backends: a clear DataError naming the object and the
position, or quarantine with the reason; never a silently lost row."""

from __future__ import annotations

import csv
import gzip
import io
import random
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from lambdas.engine import process_batch
from orchestration.core.errors import DataError
from orchestration.core.storage import Storage

from .conftest import make_manifest, make_spec, parquet_bytes, read_parquet, rows
from .test_engine import HEADER, accounted, run

OK = "1,10,5,EUR,paid,2024-01-01 10:00:00"


def _quarantine(storage: Storage) -> Any:
    return read_parquet(storage, "s3://lake/_quarantine/orders/")


def test_wrong_field_count_is_quarantined(storage: Storage) -> None:
    r, out, q = run(storage, make_spec(), {"a.csv": (HEADER + OK + "\n2,11\n3,12,5,EUR,paid,2024-01-01 10:00:00,extra\n").encode()})
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (3, 1, 2) and accounted(r)
    assert rows(q, "_record", "OrderID", "customer_id", "_errors") == [
        (3, "2", "11", ["parse:field count 2, expected 6"]), (4, "3", "12", ["parse:field count 7, expected 6"])]


@pytest.mark.parametrize(("column", "value", "rule"), [
    ("amount", "12,5", "cast:amount"), ("amount", "1e3", "cast:amount"),
    ("amount", "10000000000.00", "cast:amount"),          # decimal(12,2) overflow
    ("OrderID", "9223372036854775808", "cast:order_id"),  # out of bigint range
    ("OrderID", "1.0", "cast:order_id"),
    ("ordered_at", "2024-13-01 10:00:00", "cast:ordered_at"), ("ordered_at", "yesterday", "cast:ordered_at"),
])
def test_unparsable_values_are_quarantined(storage: Storage, column: str, value: str, rule: str) -> None:
    header = HEADER.strip().split(",")
    fields = OK.split(",")
    fields[header.index(column)] = f'"{value}"'
    r, out, q = run(storage, make_spec(), {"a.csv": (HEADER + ",".join(fields) + "\n").encode()})
    assert (r.rows_written, r.rows_rejected) == (0, 1)
    assert q.column("_errors").to_pylist() == [[rule]] and q.column(column).to_pylist() == [value]


def test_booleans_and_out_of_range_numbers(storage: Storage) -> None:
    spec = make_spec(columns=[{"name": "flag", "type": "boolean"}, {"name": "n", "type": "int"},
                              {"name": "f", "type": "float"}], derive=None, filter=None,
                     target={"database": "d", "table": "t", "location": "s3://lake/t/", "quarantine": "s3://lake/_quarantine/orders/"})
    data = "flag,n,f\nyes,1,1.5\nmaybe,2,1\nN,2147483648,1\n0,-5,3.5e38\n"
    r, out, q = run(storage, spec, {"a.csv": data.encode()})
    assert rows(out, "flag", "n", "f") == [(True, 1, 1.5)]
    assert rows(q, "_record", "_errors") == [(3, ["cast:flag"]), (4, ["cast:n"]), (5, ["cast:f"])]


def test_invalid_utf8_fails_naming_object_and_line(storage: Storage) -> None:
    data = (HEADER + OK + "\n" + OK + "\n").encode() + b"2,10,5,EUR,p\xffid,2024-01-01 10:00:00\n"
    with pytest.raises(DataError) as e:
        run(storage, make_spec(), {"bad.csv": data})
    assert "s3://raw/orders/bad.csv" in str(e.value) and "line 4" in str(e.value)


def test_bom_and_crlf(storage: Storage) -> None:
    data = ("\ufeff" + HEADER + OK + "\n").replace("\n", "\r\n").encode()
    data += b'2,11,"6",USD,"pa\r\nid",2024-01-01 11:00:00\r\n3,12,7,GBP,new,2024-01-02 11:00:00\r\n'
    r, out, q = run(storage, make_spec(), {"a.csv": data})
    assert r.rows_written == 3 and q is None
    assert rows(out, "order_id", "status", "_record") == [(1, "paid", 2), (2, "pa\r\nid", 3), (3, "new", 5)]


def test_empty_and_header_only_files(storage: Storage) -> None:
    r, out, q = run(storage, make_spec(), {"empty.csv": b"", "header.csv": HEADER.encode(), "header2.csv": HEADER.strip().encode(),
                                          "empty.csv.gz": gzip.compress(b""), "a.csv": (HEADER + OK + "\n").encode()})
    assert (r.rows_in, r.rows_written) == (1, 1) and q is None


def test_empty_jsonl_and_parquet(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "jsonl"})
    r, _, _ = run(storage, spec, {"e.jsonl": b"", "b.jsonl": b"\n\n"})
    assert r.rows_in == 0 and r.files_written == []
    pspec = make_spec(source={"uri": "s3://raw/orders/", "format": "parquet"})
    empty = pa.table({"OrderID": pa.array([], pa.int64())})
    r, _, _ = run(storage, pspec, {"e.parquet": parquet_bytes(empty)})
    assert r.rows_in == 0


@pytest.mark.parametrize("damage", ["truncated", "corrupt"])
def test_broken_gzip_fails_naming_the_object(storage: Storage, damage: str) -> None:
    body = gzip.compress((HEADER + "\n".join([OK] * 2000) + "\n").encode())
    data = body[: len(body) // 2] if damage == "truncated" else body[:200] + b"\x00" * 50 + body[250:]
    with pytest.raises(DataError) as e:
        run(storage, make_spec(), {"broken.csv.gz": data})
    assert "s3://raw/orders/broken.csv.gz" in str(e.value) and "decompressed bytes" in str(e.value)


def test_declared_gzip_that_is_not_gzip(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "csv", "compression": "gzip"})
    with pytest.raises(DataError, match="s3://raw/orders/plain.csv"):
        run(storage, spec, {"plain.csv": (HEADER + OK + "\n").encode()})


def test_missing_column_fails_every_row_and_extra_columns_are_reported(storage: Storage) -> None:
    data = "OrderID,customer_id,amount,status,ordered_at,note,other\n" + "1,10,5,paid,2024-01-01 10:00:00,x,y\n" * 3
    spec = make_spec(columns=[c.model_dump() for c in make_spec().columns])
    r, out, q = run(storage, spec, {"a.csv": data.encode()})
    assert (r.rows_rejected, r.rows_written) == (3, 0)
    assert {tuple(e) for e in q.column("_errors").to_pylist()} == {("missing_column:currency",)}
    assert q.column("currency").to_pylist() == [None] * 3
    assert r.extra_columns == {"s3://raw/orders/a.csv": ["note", "other"]}


def test_duplicate_header_names_fail_naming_both_positions(storage: Storage) -> None:
    with pytest.raises(DataError) as e:
        run(storage, make_spec(), {"dup.csv": (HEADER.strip() + ",amount\n" + OK + ",1\n").encode()})
    assert "'amount'" in str(e.value) and "line 1: duplicate header 'amount' at columns 3 and 7" in str(e.value) and "dup.csv" in str(e.value)


def test_json_lines_that_are_not_objects(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "jsonl"})
    good = '{"OrderID": 1, "customer_id": "10", "amount": 5.10, "currency": "EUR", "status": "paid", "ordered_at": "2024-01-01 10:00:00", "x": {"a": [1, 2.50]}}'
    data = "\n".join([good, "[1,2]", '"text"', "{oops", "", "null", good.replace('"OrderID": 1', '"OrderID": 2')]) + "\n"
    r, out, q = run(storage, spec, {"a.jsonl": data.encode()})
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (6, 2, 4) and accounted(r)
    assert rows(q, "_record", "_errors") == [(r_, ["parse:not a JSON object"]) for r_ in (2, 3, 4, 6)]
    assert rows(out, "order_id", "amount", "_record") == [(1, Decimal("5.10"), 1),
                                                          (2, Decimal("5.10"), 7)]
    assert r.extra_columns == {"s3://raw/orders/a.jsonl": ["x"]}


def test_json_values_become_text_before_casting(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "jsonl"}, derive=None, filter=None,
                     columns=[{"name": "a", "type": "string"}, {"name": "b", "type": "string"},
                              {"name": "c", "type": "string"}, {"name": "d", "type": "decimal(4,2)"},
                              {"name": "e", "type": "boolean"}],
                     target={"database": "d", "table": "t", "location": "s3://lake/t/", "quarantine": "s3://lake/_quarantine/orders/"})
    line = '{"a": 1.50, "b": {"k": [1, 2.50, "x", true, null]}, "c": true, "d": "1.5", "e": "yes"}\n{"d": 2}\n'
    r, out, q = run(storage, spec, {"a.jsonl": line.encode()})
    assert sorted(rows(out, "a", "b", "c", "d", "e"), key=lambda r: r[3]) == [
        ("1.50", '{"k":[1,2.50,"x",true,null]}', "true", Decimal("1.50"), True),
        (None, None, None, Decimal("2.00"), None)]


def test_invalid_utf8_in_jsonl(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "jsonl"})
    with pytest.raises(DataError) as e:
        run(storage, spec, {"a.jsonl": b'{"OrderID": 1}\n{"OrderID": "\xff"}\n'})
    assert "line 2" in str(e.value) and "a.jsonl" in str(e.value)


def test_parquet_with_wrong_column_types(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "parquet"})
    # A double is turned into Spark's text of it, as the Glue engine does: 1.0 is no integer text.
    t = pa.table({"OrderID": pa.array(["1", "two", "3", "4"]), "customer_id": pa.array([1.0, 2.5, None, 7.0]),
                  "amount": pa.array([1.5, 2.0, -1.0, 3.0]), "currency": pa.array(["EUR"] * 4),
                  "status": pa.array(["paid"] * 4),
                  "ordered_at": pa.array([pa.scalar(1704103200000000, pa.timestamp("us"))] * 4)})
    r, out, q = run(storage, spec, {"a.parquet": parquet_bytes(t)})
    assert rows(out, "order_id", "customer_id", "_record") == []
    assert rows(q, "_record", "OrderID", "customer_id", "_errors") == [
        (0, "1", "1.0", ["cast:customer_id"]), (1, "two", "2.5", ["cast:order_id", "cast:customer_id"]),
        (2, "3", None, ["not_null:customer_id", "check:amount >= 0"]), (3, "4", "7.0", ["cast:customer_id"])]


def test_not_a_parquet_file(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "parquet"})
    with pytest.raises(DataError, match="s3://raw/orders/x.parquet"):
        run(storage, spec, {"x.parquet": b"PAR1 but not really"})


@pytest.mark.parametrize(("names", "message"), [
    (["OrderID", "amount", "OrderID"], "column 'OrderID' appears twice"),
    (["OrderID", "amount", "orderid"], "columns 'OrderID' and 'orderid' differ only in case"),
])
def test_parquet_columns_one_name_cannot_tell_apart_fail_the_object(storage: Storage, names: list[str],
                                                                    message: str) -> None:
    """Spark (and Athena) match Parquet columns without regard to case: the Glue engine cannot read such an
    object, so the Lambda engine refuses it too, naming both columns (it failed with a bare KeyError)."""
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "parquet"})
    t = pa.Table.from_arrays([pa.array(["1"]), pa.array([1.5]), pa.array(["2"])], names=names)
    with pytest.raises(DataError, match=rf"s3://raw/orders/d.parquet: {message}"):
        run(storage, spec, {"d.parquet": parquet_bytes(t)})


def test_latin1_and_headerless(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "csv", "csv": {"header": False, "encoding": "latin-1"}})
    data = "1;10;5;EUR;café;2024-01-01 10:00:00\n".replace(";", ",").encode("latin-1")
    r, out, _ = run(storage, spec, {"a.csv": data})
    assert rows(out, "status", "_record") == [("café", 1)]


def _ground_truth(text: str) -> list[tuple[int, list[str]]]:
    """Record start lines by Python's csv module, skipping blank lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    out, prev = [], 0
    for row in reader:
        start = prev + 1
        prev = reader.line_num
        if row:
            out.append((start, row))
    return out


def test_record_numbers_with_quoted_newlines_across_blocks(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small blocks force quoted multi-line fields, blank lines and CRLF across block boundaries."""
    from lambdas.engine import batch

    monkeypatch.setattr(batch.Settings, "block_bytes", 1024)
    rnd = random.Random(7)
    lines = [HEADER.strip()]
    for i in range(600):
        status = rnd.choice(["paid", '"multi\nline"', '"with ""quotes"""', '"a,b"', '"x\r\ny\nz"', "new"])
        lines.append(f"{i},{i},{i % 50},EUR,{status},2024-01-01 10:00:00")
        if rnd.random() < 0.05:
            lines.append("")
    text = "\n".join(lines) + "\n"
    r, out, q = run(storage, make_spec(filter=None), {"a.csv": text.encode()})
    truth = _ground_truth(text)[1:]
    assert r.rows_written == 600 == len(truth) and q is None
    got = dict(zip(out.column("order_id").to_pylist(), zip(out.column("_record").to_pylist(), out.column("status").to_pylist(), strict=True), strict=True))
    for start, fields in truth:
        assert got[int(fields[0])] == (start, fields[4])


@pytest.mark.parametrize("compressed", [False, True])
def test_blocks_read_into_one_buffer_stay_what_they_were(storage: Storage, compressed: bool) -> None:
    """The reader reads every block into one reused buffer. Every chunk is kept here until the end, so a
    chunk that still pointed into the buffer would show later bytes. Small blocks, a BOM, CRLF, blank
    lines, quoted fields spanning blocks and records many times longer than a block (the buffer grows
    while earlier blocks are held) must all come out as Python's csv module reads them."""
    from lambdas.engine.batch import Settings, open_reader

    rnd = random.Random(11)
    lines = [HEADER.strip()]
    for i in range(400):
        status = rnd.choice(["paid", '"multi\nline"', '"a,b"', "new", '"' + "long " * rnd.randint(300, 900) + '"',
                             "x" * rnd.randint(1500, 4000)])
        lines.append(f"{i},{i},{i % 50},EUR,{status},2024-01-01 10:00:00")
        if rnd.random() < 0.05:
            lines.append("")
    text = "\r\n".join(lines) + "\r\n"
    data = b"\xef\xbb\xbf" + text.encode()
    uri = "s3://raw/orders/held.csv" + (".gz" if compressed else "")
    storage.write_bytes(uri, gzip.compress(data) if compressed else data)

    class Small(Settings):
        block_bytes = 1024

    reader = open_reader(make_spec(), storage, uri, Small)
    chunks = list(reader.chunks())
    assert len(chunks) > 50, "many blocks"
    table = pa.concat_tables(c.table for c in chunks)
    truth = _ground_truth(text)[1:]
    assert table.column("_record").to_pylist() == [start + 0 for start, _ in truth]
    assert table.column("status").to_pylist() == [fields[4] for _, fields in truth]
    assert table.column("OrderID").to_pylist() == [fields[0] for _, fields in truth]


def test_fast_path_record_numbers(storage: Storage) -> None:
    text = HEADER + "".join(f"{i},{i},1,EUR,paid,2024-01-01 10:00:00\n" for i in range(1000))
    r, out, _ = run(storage, make_spec(), {"a.csv": text.encode()})
    assert dict(zip(out.column("order_id").to_pylist(), out.column("_record").to_pylist(), strict=True)) == {i: i + 2 for i in range(1000)}


def test_null_values_are_exact(storage: Storage) -> None:
    data = HEADER + '1,10,NULL,EUR,"",2024-01-01 10:00:00\n2,10," NULL",EUR,x,2024-01-01 10:00:00\n'
    r, out, q = run(storage, make_spec(filter=None), {"a.csv": data.encode()})
    assert rows(out, "order_id", "amount", "status") == [(1, None, None)]
    assert q.column("_errors").to_pylist() == [["cast:amount"]]


def test_batch_result_counts_every_object(storage: Storage) -> None:
    files = {f"f{i}.csv": (HEADER + OK + "\n").encode() for i in range(3)}
    uris = []
    for name, data in files.items():
        uri = f"s3://raw/orders/{name}"
        storage.write_bytes(uri, data)
        uris.append(uri)
    spec = make_spec()
    m = make_manifest(spec, storage, uris, batches=[[0, 2], [1]], buckets=0)
    r0 = process_batch(spec, m, 0, storage)
    r1 = process_batch(spec, m, 1, storage)
    assert (r0.rows_in, r1.rows_in) == (2, 1)
    assert r0.bytes_in == sum(len(files[n]) for n in ("f0.csv", "f2.csv"))
    assert r1.unit == "batch-00001" and storage.exists(m.paths.batch_result(1))


def test_parquet_timestamps_with_zones_and_units(storage: Storage) -> None:
    spec = make_spec(source={"uri": "s3://raw/orders/", "format": "parquet"}, filter=None)
    base = {"OrderID": pa.array([1, 2, 3], pa.int64()), "customer_id": pa.array([1, 2, 3], pa.int64()),
            "amount": pa.array(["1", "2", "3"]), "currency": pa.array(["EUR"] * 3), "status": pa.array(["paid"] * 3)}
    us = 1704103200123456  # 2024-01-01 10:00:00.123456 UTC
    files = {
        "naive_us.parquet": pa.array([us] * 3, pa.timestamp("us")),
        "utc.parquet": pa.array([us] * 3, pa.timestamp("us", tz="UTC")),
        "berlin.parquet": pa.array([us] * 3, pa.timestamp("us", tz="Europe/Berlin")),
        "ms.parquet": pa.array([us // 1000] * 3, pa.timestamp("ms")),
        "ns.parquet": pa.array([us * 1000 + 789] * 3, pa.timestamp("ns")),
    }
    r, out, q = run(storage, spec, {k: parquet_bytes(pa.table({**base, "ordered_at": v})) for k, v in files.items()})
    assert q is None and r.rows_written == 15
    assert out.schema.field("ordered_at").type == pa.timestamp("us")
    values = {(f.rsplit("/", 1)[1], t) for f, t in zip(out.column("_source_file").to_pylist(),
                                                      out.column("ordered_at").to_pylist(), strict=True)}
    from datetime import datetime as dt
    assert values == {("naive_us.parquet", dt(2024, 1, 1, 10, 0, 0, 123456)), ("utc.parquet", dt(2024, 1, 1, 10, 0, 0, 123456)),
                      ("berlin.parquet", dt(2024, 1, 1, 10, 0, 0, 123456)), ("ms.parquet", dt(2024, 1, 1, 10, 0, 0, 123000)),
                      ("ns.parquet", dt(2024, 1, 1, 10, 0, 0, 123456))}


def test_quoted_newlines_and_blank_lines_stay_on_the_arrow_path(storage: Storage, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blank lines and multi-line fields are numbered without falling back to Python's csv module."""
    from lambdas.engine.csv_reader import CsvReader, record_starts

    def no_fallback(*_: object) -> None:
        raise AssertionError("fell back to the Python parser")

    monkeypatch.setattr(CsvReader, "_parse_python", no_fallback)
    text = (HEADER + OK + "\n\n" + '2,11,5,EUR,"two\nlines",2024-01-01 10:00:00\r\n\r\n'
            + '3,12,5,EUR,"say ""hi""\n\nbye",2024-01-01 10:00:00\n' + OK.replace("1,10", "4,13"))
    r, out, _ = run(storage, make_spec(), {"a.csv": text.encode()})
    assert rows(out, "order_id", "_record") == [(1, 2), (2, 4), (3, 7), (4, 10)]
    truth = [start for start, _ in _ground_truth(text)][1:]
    assert truth == [2, 4, 7, 10]
    assert list(record_starts(b'a\n"b\nc"\n\nd', b'"', 5)) == [5, 6, 9]
