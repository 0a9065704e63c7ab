"""The shared parity corpus: specs and source objects, well-formed and malformed, for both engines.

Every case packs many edge values into a few objects, so one Spark run covers a lot of ground.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass(frozen=True)
class Case:
    name: str
    spec: dict[str, Any]
    files: dict[str, bytes | str]


def _csv(rows: list[list[str]], *, crlf: bool = False) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    return buf.getvalue()


TARGET = {"database": "d", "table": "t", "location": "s3://lake/t/"}

# --------------------------------------------------------------------------------------- all types

TYPES_COLUMNS = [
    {"name": "s", "type": "string"},
    {"name": "b", "type": "boolean"},
    {"name": "i", "type": "int"},
    {"name": "l", "type": "bigint"},
    {"name": "f", "type": "float"},
    {"name": "x", "type": "double"},
    {"name": "m", "type": "decimal(5,2)"},
    {"name": "d", "type": "date"},
    {"name": "t", "type": "timestamp"},
]
TYPE_VALUES: dict[str, list[str]] = {
    "s": ["plain", "", " padded ", "ünïcødé ✓", "NULL", "tab\there", "quote\"inside", "comma,inside", "x"],
    "b": ["true", "FALSE", "t", "F", "Yes", "no", "Y", "n", "1", "0", " true ", "2", "", "truthy", "NULL"],
    "i": ["0", "-0", "+7", "2147483647", "-2147483648", "2147483648", "-2147483649", "1.0", "1e3", " 42 ",
          "", "0x10", "٣", "007"],
    "l": ["9223372036854775807", "-9223372036854775808", "9223372036854775808", "12", " -5\t", "1_000", ""],
    "f": ["1", "-1.5", ".5", "1e3", "3.4028235e38", "3.5e38", "-3.5e38", "NaN", "infinity", "-Infinity",
          "1.", "1e", "", "abc", "1e-50"],
    "x": ["1.7976931348623157e308", "1e309", "-0.0", "+.25", "4.9e-324", "NaN", "  2.5  ", "1,5"],
    "m": ["999.99", "999.995", "-999.994", "-999.995", ".5", "1.", "+1", "1e3", "0.001", "0.005", "12.345",
          "1000", "-0", "", "abc"],
    "d": ["2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "2024-1-5", " 2024-01-05 ", "2024-13-01",
          "20240105", "2024-01-05T00:00:00", "0000-01-01", "2024-00-10", "2024-04-31", ""],
    "t": ["2024-03-01", "2024-03-01 10:11", "2024-03-01T10:11:12", "2024-03-01T10:11:12.5",
          "2024-03-01T10:11:12.1234567", "2024-03-01T10:11:12Z", "2024-03-01T10:11:12+02:00",
          "2024-03-01T00:30:00-05:30", "2024-03-01 24:00:00", "2024-03-01T10:11:12+0200", "0001-01-01 00:00:00",
          "9999-12-31T23:59:59.999999", "2024-02-30 00:00:00", "2024-03-01 10:11:60", "2024-03-01T23:60:00",
          "0000-01-01 00:00:00", "2024-03-01 10:11:12 ", ""],
}


def _types_rows() -> list[list[str]]:
    n = max(len(v) for v in TYPE_VALUES.values())
    names = [c["name"] for c in TYPES_COLUMNS]
    rows = []
    for k in range(n):
        # rotate each column's values so every value appears next to valid neighbours too
        rows.append([TYPE_VALUES[c][k % len(TYPE_VALUES[c])] for c in names])
        rows.append([TYPE_VALUES[c][0] if c != names[k % len(names)] else TYPE_VALUES[c][k % len(TYPE_VALUES[c])]
                     for c in names])
    for c in names:
        for v in TYPE_VALUES[c]:
            rows.append([v if other == c else TYPE_VALUES[other][0] for other in names])
    return rows


def types_csv() -> Case:
    names = [c["name"] for c in TYPES_COLUMNS]
    body = _csv([names] + _types_rows())
    return Case("types_csv", {"columns": TYPES_COLUMNS, "source": {"uri": "s3://raw/in/", "format": "csv"},
                              "target": TARGET}, {"types.csv": body})


def types_jsonl() -> Case:
    names = [c["name"] for c in TYPES_COLUMNS]
    lines = [json.dumps(dict(zip(names, r, strict=True)), ensure_ascii=False) for r in _types_rows()]
    native = [
        {"s": 1.50, "b": True, "i": 42, "l": -9223372036854775808, "f": 1e3, "x": 1.5e300, "m": 12.345,
         "d": "2024-01-01", "t": "2024-01-01T00:00:00Z"},
        {"s": {"nested": [1, 2.50, "ü", None, True]}, "b": False, "i": 2147483648, "l": 1.0, "f": None,
         "x": -0.0, "m": 999.995, "d": None, "t": None},
        {"s": [1, {"a": "b"}], "b": 1, "i": "7", "m": "1e3"},
        {"s": None, "b": None, "i": None, "l": None, "f": None, "x": None, "m": None, "d": None, "t": None},
        {"s": "", "b": "", "i": " 3 ", "unexpected": 1},
    ]
    lines += [json.dumps(o, ensure_ascii=False) for o in native]
    lines += ["", "   ", "not json", "[1, 2]", '"a string"', "42", '{"s": NaN, "x": NaN}', '{"s": "trailing"} x',
              '{"i": 1, "i": 2}', '{"s": "\\u00fc\\ud83d\\ude00"}', '{"s": "half a pair \\ud800", "i": 1}']
    text = "\n".join(lines) + "\n"
    return Case("types_jsonl", {"columns": TYPES_COLUMNS, "source": {"uri": "s3://raw/in/", "format": "jsonl"},
                                "target": TARGET}, {"a.jsonl": text, "b.jsonl.gz": "\r\n".join(lines[:20])})


# ------------------------------------------------------------------------------- rules and layout

ORDERS_SPEC = {
    "source": {"uri": "s3://raw/in/", "format": "csv", "csv": {"null_values": ["", "NULL", "n/a"]}},
    "columns": [
        {"name": "order_id", "type": "bigint", "nullable": False, "source": "OrderID"},
        {"name": "customer", "type": "string", "nullable": False},
        {"name": "amount", "type": "decimal(12,2)", "checks": ["amount >= 0", "amount < 10000 OR currency = 'EUR'"]},
        {"name": "currency", "type": "string", "allowed": ["EUR", "USD", "GBP"]},
        {"name": "qty", "type": "int", "allowed": [1, 2, 3, 5]},
        {"name": "paid", "type": "boolean", "allowed": [True]},
        {"name": "status", "type": "string"},
        {"name": "ordered_at", "type": "timestamp", "format": "yyyy-MM-dd HH:mm:ss", "nullable": False},
        {"name": "ship_day", "type": "date", "format": "dd/MM/yyyy"},
    ],
    "derive": {"order_date": "CAST(ordered_at AS DATE)", "big": "amount > 100",
               "label": "concat(upper(currency), '-', CAST(qty AS STRING))",
               "ordered_hour": "hour(ordered_at)",  # BIGINT in DuckDB, INT in Spark: both write the inferred int
               "per_item": {"expr": "round(amount / qty, 1)", "type": "decimal(14,1)"}},  # decimal arithmetic
    "filter": "status <> 'test' AND NOT coalesce(customer = 'skip', false)",
    "dedupe": {"keys": ["order_id"], "order_by": "ordered_at DESC, amount"},
    "target": {**TARGET, "partition_by": ["order_date"]},
}
HEADER = ["OrderID", "customer", "amount", "currency", "qty", "paid", "status", "ordered_at", "ship_day", "channel"]
ORDER_ROWS = [
    ["1", "ann", "10.005", "EUR", "1", "yes", "paid", "2024-03-01 10:00:00", "01/03/2024", "web"],
    ["1", "ann", "11", "EUR", "2", "yes", "paid", "2024-03-02 10:00:00", "02/03/2024", "web"],  # newer: kept
    ["1", "ann", "9", "EUR", "2", "yes", "paid", "2024-03-02 10:00:00", "", "web"],  # tie on time: amount 9 wins
    ["2", "bob", "-1", "JPY", "4", "no", "paid", "2024-03-01 11:00:00", "31/02/2024", "app"],
    ["", "NULL", "abc", "", "", "", "", "n/a", "", ""],
    ["3", "cy", "20000", "USD", "3", "1", "paid", "2024-03-01 12:00:00", "1/3/2024", "web"],
    ["4", "dee", "5", "GBP", "5", "TRUE", "test", "2024-03-01 13:00:00", "", "web"],  # filtered
    ["5", "skip", "5", "GBP", "5", "TRUE", "paid", "2024-03-01 13:00:00", "", "web"],  # filtered
    ["6", "eve", "1.5", "eur", "1", "t", "multi\nline\nstatus", "2024-03-03 00:00:00", "", "web"],
    ["7", "fay", "99999999999.99", "EUR", "1", "y", "paid", "2024-03-03 23:59:59", "", "web"],
    ["8", "gus", "100000000000", "EUR", "1", "y", "paid", "2024-03-03 23:59:59", "", "web"],
    ["9", "", "1", "USD", "1", "true", "  spaced  ", "2024-03-04 00:00:00", "", "web"],
    ["10", "hal", "1", "USD", "1", "true", "paid", "2024-03-04T00:00:00", "", "web"],
    ["11", "ivy", "1", "USD", "1", "true", "paid", " 2024-03-04 00:00:00 ", "", "web"],
    [" 12 ", "jo", "2", "USD", "2", "true", "paid", "2024-03-05 00:00:00", "", "web"],
    ["12", "jo", "2", "USD", "2", "true", "paid", "2024-03-05 00:00:00", "", "web"],  # dup of 12, later record
]


def orders_csv() -> Case:
    a = _csv([HEADER] + ORDER_ROWS[:9])
    b = "\ufeff" + _csv([HEADER] + ORDER_ROWS[9:], crlf=True)
    b += "13,kim,1,USD\r\n\r\n14,lee,1,USD,1,true,paid,2024-03-06 00:00:00,,web,extra\r\n"
    c = _csv([HEADER[:2] + HEADER[3:]] + [r[:2] + r[3:] for r in ORDER_ROWS[:3]])  # no amount column
    empty, header_only = "", _csv([HEADER])
    blank_top = "\n\r\n\n" + _csv([HEADER] + ORDER_ROWS[:2])  # blank lines before the header: skipped
    # Classic Mac line ends (a lone CR, as Excel for Mac writes CSV), a blank line and a short row among them.
    mac = "\r" + _csv([HEADER] + ORDER_ROWS[:8] + ORDER_ROWS[9:12]).replace("\n", "\r") + "\r13,kim,1\r"
    return Case("orders_csv", ORDERS_SPEC, {"a.csv": a, "b.csv.gz": b, "c.csv": c, "empty.csv": empty,
                                            "header.csv": header_only, "blank_top.csv": blank_top, "mac.csv": mac,
                                            "blank_only.csv": "\n\n"})


def noheader_csv() -> Case:
    spec = {
        "source": {"uri": "s3://raw/in/", "format": "csv",
                   "csv": {"header": False, "delimiter": ";", "quote": "'", "null_values": ["NA"]}},
        "columns": [{"name": "k", "type": "int", "nullable": False}, {"name": "v", "type": "string"},
                    {"name": "w", "type": "double", "nullable": False}],
        "dedupe": {"keys": ["v"]},
        "target": TARGET,
    }
    text = "1;a;1.5\n2;'b;c';NA\n3;'it''s';\n4;NA;2\n5;;3\n6;a;4;extra\n7\nNA;x;1\n8;'multi\nline';5\n9;;6\n"
    return Case("noheader_csv", spec, {"n.csv": text, "wide.csv": "1;a;1;x\n2;b;2;y\n"})


def cp1252_csv() -> Case:
    """A Windows export: cp1252 bytes (the euro sign and curly quotes are one byte here, three in UTF-8, so
    offsets move when the text is re-encoded), and an object starting with the three bytes of a UTF-8 BOM,
    which in cp1252 are text ("ï»¿"), as in latin-1: its header's first name is not "id". A backquote in a header
    name (a source name) once broke the Glue job's SQL."""
    spec = {
        "source": {"uri": "s3://raw/in/", "format": "csv", "csv": {"encoding": "cp1252"}},
        "columns": [{"name": "id", "type": "int", "nullable": False},
                    {"name": "note", "type": "string", "source": "no`te"}, {"name": "price", "type": "decimal(6,2)"}],
        "target": TARGET,
    }
    text = ('id,no`te,price\r\n1,"\u201cquoted\u201d, caf\u00e9",2.50\r\n2,\u20ac,x\r\n3,"two\r\nlines \u2019",1\r\n'
            "4,\u00ff\u00fe,\r\n")
    return Case("cp1252_csv", spec, {"w.csv": text.encode("cp1252"),
                                     "bom.csv": b"\xef\xbb\xbf" + "id,note,price\n5,b,1\n".encode("cp1252")})


def parquet_case() -> Case:
    table = pa.table({
        "id": pa.array([1, 2, 3, None, 5], pa.int64()),
        "small": pa.array([1, 2, None, 4, 2**31 - 1], pa.int32()),
        "as_text": pa.array([10, -3, 0, 7, 2**40], pa.int64()),
        "name": pa.array(["a", "", None, " b ", "ü"]),
        "amount": pa.array(["1.005", "x", None, "2", "-0.5"]),
        "ok": pa.array([True, False, None, True, False]),
        "day": pa.array(["2024-01-01", "bad", None, "2024-02-29", "2023-02-29"]),
        "unused": pa.array([1, 2, 3, 4, 5]),
    })
    buf = io.BytesIO()
    pq.write_table(table, buf)
    other = pa.table({"id": pa.array(["7", "x"]), "name": pa.array(["z", "y"])})
    buf2 = io.BytesIO()
    pq.write_table(other, buf2)
    spec = {
        "source": {"uri": "s3://raw/in/", "format": "parquet"},
        "columns": [{"name": "id", "type": "bigint", "nullable": False}, {"name": "small", "type": "int"},
                    {"name": "as_text", "type": "int"}, {"name": "name", "type": "string"},
                    {"name": "amount", "type": "decimal(6,2)"}, {"name": "ok", "type": "boolean"},
                    {"name": "day", "type": "date"}],
        "target": TARGET,
    }
    return Case("parquet", spec, {"p1.parquet": buf.getvalue(), "p2.parquet": buf2.getvalue()})


def parquet_types_case() -> Case:
    """Parquet types other than the target's, as other tools write them: unsigned and small integers, floating
    point into integer, float, decimal and string columns (the canonical text is Spark's: ``1.0``, ``1.0E20``,
    ``NaN``, ``Infinity``), timestamps in nanoseconds as pandas writes them (naive, zoned, before 1970, into a
    string), INT96 timestamps as Hive writes them, whose 1500-01-01 and 9999-12-31 once wrapped on Lambda, and
    binary text that is not UTF-8 (Glue published its bytes, Lambda replaced them: now quarantined on both)."""
    import datetime as dt

    first = pa.table({
        "u": pa.array([1, 2**32 - 1, 7, 0], pa.uint32()),
        "x": pa.array([1.0, -0.0, None, None], pa.float64()),  # Java's 1.0 and -0.0 are no int texts
        "xs": pa.array([1.0, 1e20, float("-inf"), 1e-7], pa.float64()),
        "f32": pa.array([0.1, float("inf"), 1.5, None], pa.float32()),
        "xf": pa.array([0.1, 1e300, float("nan"), 2.0], pa.float64()),
        "xd": pa.array([1e10, 2.5, None, 1.005], pa.float64()),
        "ns": pa.array([1704070923456789123, -1500, None, 0], pa.timestamp("ns")),
        "ns_tz": pa.array([1704070923456789123, -1, 0, 5], pa.timestamp("ns", tz="America/New_York")),
        "ns_text": pa.array([1704070923456789123, -1500, 1704067200000000000, None], pa.timestamp("ns")),
        "us_text": pa.array([dt.datetime(2024, 1, 5, 1, 2, 3, 450000), dt.datetime(2024, 1, 5), None,
                             dt.datetime(1, 1, 1, 0, 0, 0, 1)], pa.timestamp("us")),
        "bin": pa.array([b"ok", b"\xff", None, b"caf\xc3\xa9"], pa.binary()),  # not UTF-8: parse:invalid utf-8 in bin
        # Nested values as Spark's to_json writes them, null fields kept (Spark's own text drops a struct's keys)
        "nest": pa.array([{"k": 1, "v": "caf\u00e9\n\x01", "n": None, "f": 1e20, "g": float("nan"), "b": True,
                           "t": dt.datetime(2024, 1, 5, 1, 2, 3, 456789), "d": dt.date(2024, 1, 5), "bin": b"\x00\xff",
                           "l": [1.5, 2.0, None]}, None, {"k": 2}, {}]),
        "map": pa.array([[("k", 1), ("j", None)], [], None, [("z", 0)]], pa.map_(pa.string(), pa.int64())),
        "we`ird": pa.array(["a", "b", "c", "d"]),  # a backquote in a source name once broke the Glue job's SQL
        "_p": pa.array(["x"] * 4), "_uri": pa.array(["y"] * 4),  # unused, named like the Glue reader's own helpers
        "_metadata": pa.array(["z"] * 4),  # unused; it hid Spark's hidden column of the same name
    })
    old = pa.array([dt.datetime(1500, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59), dt.datetime(1, 1, 1),
                    dt.datetime(2024, 3, 1, 1, 2, 3, 456789)], pa.timestamp("us"))
    first = first.append_column("old", old)
    legacy = first.drop_columns(["ns", "ns_tz", "ns_text"])  # every timestamp INT96 (their nanoseconds cannot be)
    legacy = legacy.append_column("ns", old).append_column("ns_tz", old).append_column("ns_text", old)
    bufs = []
    for table, int96 in ((first, False), (legacy, True)):
        buf = io.BytesIO()
        pq.write_table(table, buf, use_deprecated_int96_timestamps=int96)
        bufs.append(buf.getvalue())
    spec = {
        "source": {"uri": "s3://raw/in/", "format": "parquet"},
        "columns": [{"name": "u", "type": "int"}, {"name": "x", "type": "int"}, {"name": "xs", "type": "string"},
                    {"name": "f32", "type": "double"}, {"name": "xf", "type": "float"},
                    {"name": "xd", "type": "decimal(6,2)"}, {"name": "ns", "type": "timestamp"},
                    {"name": "ns_tz", "type": "timestamp"}, {"name": "ns_text", "type": "string"},
                    {"name": "us_text", "type": "string"}, {"name": "old", "type": "timestamp"},
                    {"name": "bin", "type": "string"}, {"name": "nest", "type": "string"},
                    {"name": "map", "type": "string"}, {"name": "odd", "type": "string", "source": "we`ird"}],
        "target": TARGET,
    }
    return Case("parquet_types", spec, {"new.parquet": bufs[0], "legacy.parquet": bufs[1]})


CASES = [types_csv(), types_jsonl(), orders_csv(), noheader_csv(), cp1252_csv()]
