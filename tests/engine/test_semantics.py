"""docs/semantics.md section 2 as tables: text -> expected value or cast failure, per type, evaluated
in DuckDB through both renderings the engine uses (cast_sql and the layered validation_sql)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from orchestration import semantics
from orchestration.errors import SpecError
from orchestration.spec.models import Column, Spec

FAIL = object()
NULL_VALUES = ["", "NULL"]


def _spec(type_: str, fmt: str | None = None, **col: Any) -> Spec:
    return Spec.model_validate({
        "name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"},
        "columns": [{"name": "v", "type": type_, **({"format": fmt} if fmt else {}), **col},
                    {"name": "k", "type": "int"}],
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    })


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def cast_all(type_: str, texts: list[str | None], fmt: str | None = None) -> list[Any]:
    """Each text's value, None for NULL, FAIL for a cast failure; both renderings must agree."""
    spec = _spec(type_, fmt)
    con = _con()
    src = pa.table({"v": pa.array(texts, pa.string()), "k": pa.array(["1"] * len(texts)),
                    "_source_file": pa.array(["f"] * len(texts)), "_record": pa.array(range(len(texts)), pa.int64())})
    con.register("src", src)
    single = semantics.cast_sql(spec.columns[0], '"v"', "duckdb", null_values=NULL_VALUES)
    one = [r[0] for r in con.execute(f"SELECT {single} FROM src ORDER BY _record").fetchall()]
    layered = semantics.validation_sql(spec, "duckdb", "src", null_values=NULL_VALUES)
    got = con.execute(f"SELECT v, _ok FROM ({layered}) ORDER BY _record").fetchall()
    errs = dict(con.execute(f"SELECT _record, _errors FROM ({semantics.errors_sql(spec, 'duckdb', 'src', null_values=NULL_VALUES)})").fetchall())
    out = []
    for i, (text, (value, ok)) in enumerate(zip(texts, got, strict=True)):
        if ok:
            assert errs[i] == []
            assert one[i] == value or (value != value and one[i] != one[i])  # NaN
            out.append(value)
        else:
            assert errs[i] == ["cast:v"], (text, errs[i])
            assert one[i] is None
            out.append(FAIL)
    return out


def check_table(type_: str, table: list[tuple[str | None, Any]], fmt: str | None = None) -> None:
    got = cast_all(type_, [t for t, _ in table], fmt)
    for (text, want), value in zip(table, got, strict=True):
        if want is FAIL:
            assert value is FAIL, f"{type_}: {text!r} should fail, got {value!r}"
        elif isinstance(want, float) and want != want:
            assert isinstance(value, float) and value != value, f"{type_}: {text!r} -> {value!r}"
        else:
            assert value is not FAIL and value == want and type(value) is type(want), \
                f"{type_}: {text!r} -> {value!r}, expected {want!r}"


def test_null_values_and_empty_text() -> None:
    # NULL-like only when the raw value is listed (compared before trimming); '  ' is a cast failure.
    check_table("int", [(None, None), ("", None), ("NULL", None), ("  ", FAIL), ("null", FAIL), (" NULL", FAIL)])
    check_table("string", [(None, None), ("", None), ("NULL", None), ("  ", "  "), (" a ", " a ")])


def test_boolean() -> None:
    table = [(t, True) for t in ("true", "TRUE", "True", "t", "T", "yes", "YES", "y", "Y", "1", " true ", "\tyes\n")]
    table += [(t, False) for t in ("false", "FALSE", "f", "F", "no", "No", "n", "N", "0", " 0 ")]
    table += [(t, FAIL) for t in ("2", "tru", "yess", "on", "off", "-1", "1.0", "truee", "t rue")]
    check_table("boolean", table)


def test_int_and_bigint() -> None:
    common = [("0", 0), ("42", 42), ("+7", 7), ("-7", -7), ("007", 7), (" 12 ", 12), ("\t12\r\n", 12),
              ("1.0", FAIL), ("1.5", FAIL), ("1e3", FAIL), ("0x10", FAIL), ("1_000", FAIL), ("1,000", FAIL),
              ("abc", FAIL), ("--1", FAIL), ("+", FAIL), ("1 2", FAIL), ("١٢", FAIL)]
    check_table("int", common + [("2147483647", 2147483647), ("-2147483648", -2147483648),
                                 ("2147483648", FAIL), ("-2147483649", FAIL)])
    check_table("bigint", common + [("9223372036854775807", 9223372036854775807), ("2147483648", 2147483648),
                                    ("9223372036854775808", FAIL), ("-9223372036854775809", FAIL)])


def test_double() -> None:
    nan = float("nan")
    check_table("double", [
        ("1", 1.0), ("-1.5", -1.5), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("1E-2", 0.01), ("+2.5e+2", 250.0),
        ("NaN", nan), ("nan", nan), ("Infinity", float("inf")), ("-Infinity", float("-inf")), ("INFINITY", float("inf")),
        (" 3.25 ", 3.25), ("1.7976931348623157e308", 1.7976931348623157e308),
        ("1e400", FAIL), ("inf", FAIL), ("1.2.3", FAIL), ("e3", FAIL), ("1e", FAIL), ("0x1p3", FAIL), ("abc", FAIL),
        ("1_0", FAIL), ("1,5", FAIL),
    ])


def test_float() -> None:
    check_table("float", [
        ("1.5", 1.5), ("-2", -2.0), ("3.4028235e38", 3.4028234663852886e38), ("-3.4028235e38", -3.4028234663852886e38),
        ("Infinity", float("inf")), ("3.5e38", FAIL), ("-1e39", FAIL), ("x", FAIL),
    ])


def test_decimal_rounds_half_up_and_overflows() -> None:
    check_table("decimal(12,2)", [
        ("1.005", Decimal("1.01")), ("-1.005", Decimal("-1.01")), ("1.004", Decimal("1.00")), ("2.5", Decimal("2.50")),
        ("0.125", Decimal("0.13")), ("-0.125", Decimal("-0.13")), ("7", Decimal("7.00")), (".5", Decimal("0.50")),
        ("+3.", Decimal("3.00")), (" 4.20 ", Decimal("4.20")), ("9999999999.99", Decimal("9999999999.99")),
        ("9999999999.995", FAIL), ("10000000000", FAIL), ("1e3", FAIL), ("1,5", FAIL), ("abc", FAIL), ("1.2.3", FAIL),
        ("NaN", FAIL), ("-", FAIL),
    ])
    check_table("decimal(3,0)", [("999", Decimal("999")), ("999.4", Decimal("999")), ("999.5", FAIL), ("-0.5", Decimal("-1"))])


def test_date_default_and_formats() -> None:
    check_table("date", [
        ("2024-01-31", date(2024, 1, 31)), (" 2024-02-29 ", date(2024, 2, 29)), ("0001-01-01", date(1, 1, 1)),
        ("9999-12-31", date(9999, 12, 31)), ("2024-02-30", FAIL), ("2023-02-29", FAIL), ("2024-13-01", FAIL),
        ("2024-1-5", FAIL), ("24-01-05", FAIL), ("2024/01/05", FAIL), ("0000-01-01", FAIL), ("2024-01-05T00:00", FAIL),
        ("20240105", FAIL), ("", None),
    ])
    check_table("date", [("05/01/2024", date(2024, 1, 5)), ("31/12/1999", date(1999, 12, 31)), ("5/1/2024", FAIL),
                         ("2024-01-05", FAIL), ("30/02/2024", FAIL)], fmt="dd/MM/yyyy")
    check_table("date", [("5.1.2024", date(2024, 1, 5)), ("15.11.2024", date(2024, 11, 15))], fmt="d.M.yyyy")
    check_table("date", [("20240105", date(2024, 1, 5)), ("2024010", FAIL)], fmt="yyyyMMdd")


def test_timestamp_iso_default() -> None:
    check_table("timestamp", [
        ("2024-01-05", datetime(2024, 1, 5)), ("2024-01-05 10:20", datetime(2024, 1, 5, 10, 20)),
        ("2024-01-05T10:20", datetime(2024, 1, 5, 10, 20)), ("2024-01-05 10:20:30", datetime(2024, 1, 5, 10, 20, 30)),
        ("2024-01-05T10:20:30", datetime(2024, 1, 5, 10, 20, 30)),
        ("2024-01-05T10:20:30.5", datetime(2024, 1, 5, 10, 20, 30, 500000)),
        ("2024-01-05 10:20:30.123456", datetime(2024, 1, 5, 10, 20, 30, 123456)),
        ("2024-01-05 10:20:30.1234569", datetime(2024, 1, 5, 10, 20, 30, 123456)),  # truncated, not rounded
        ("2024-01-05T10:20:30Z", datetime(2024, 1, 5, 10, 20, 30)),
        ("2024-01-05T10:20:30+01:00", datetime(2024, 1, 5, 9, 20, 30)),
        ("2024-01-05T10:20:30.25-05:30", datetime(2024, 1, 5, 15, 50, 30, 250000)),
        ("2024-01-01T00:30:00+01:00", datetime(2023, 12, 31, 23, 30)),
        ("2024-01-05Z", datetime(2024, 1, 5)), (" 2024-01-05 10:20:30 ", datetime(2024, 1, 5, 10, 20, 30)),
        ("2024-01-05 24:00:00", FAIL), ("2024-01-05 10:60:00", FAIL), ("2024-02-30 10:00:00", FAIL),
        ("2024-01-05 10", FAIL), ("2024-01-05 1:20:30", FAIL), ("2024-01-05T10:20:30+0100", FAIL),
        ("2024-01-05T10:20:30 UTC", FAIL), ("05.01.2024", FAIL), ("2024-01-05T10:20:30.", FAIL), ("now", FAIL),
        ("0001-01-01T00:30:00+01:00", FAIL), ("0000-06-01 00:00:00", FAIL),
    ])


def test_timestamp_with_formats() -> None:
    check_table("timestamp", [
        ("2024-01-05 10:20:30", datetime(2024, 1, 5, 10, 20, 30)), ("2024-01-05 10:20", FAIL),
        ("2024-01-05T10:20:30", FAIL), ("2024-01-05 25:00:00", FAIL),
    ], fmt="yyyy-MM-dd HH:mm:ss")
    check_table("timestamp", [("2024-01-05T10:20:30.123", datetime(2024, 1, 5, 10, 20, 30, 123000)),
                              ("2024-01-05T10:20:30.12", FAIL)], fmt="yyyy-MM-dd'T'HH:mm:ss.SSS")
    check_table("timestamp", [("2024-01-05T10:20:30+02:00", datetime(2024, 1, 5, 8, 20, 30)),
                              ("2024-01-05T10:20:30Z", datetime(2024, 1, 5, 10, 20, 30)),
                              ("2024-01-05T10:20:30", FAIL)], fmt="yyyy-MM-dd'T'HH:mm:ssXXX")
    check_table("timestamp", [("05/Jan/2024:10:20:30 +0100", datetime(2024, 1, 5, 9, 20, 30))],
                fmt="dd/MMM/yyyy:HH:mm:ss Z")
    check_table("timestamp", [("01/05/2024 10:20 PM", datetime(2024, 1, 5, 22, 20)),
                              ("01/05/2024 12:05 AM", datetime(2024, 1, 5, 0, 5))], fmt="MM/dd/yyyy hh:mm a")


def test_spark_pattern_conversion() -> None:
    assert semantics.spark_pattern_to_strftime("yyyy-MM-dd'T'HH:mm:ss.SSSSSS") == "%Y-%m-%dT%H:%M:%S.%f"
    assert semantics.spark_pattern_to_strftime("dd/MMM/yyyy HH:mm:ss Z") == "%d/%b/%Y %H:%M:%S %z"
    assert semantics.spark_pattern_to_strftime("yyyy'%'MM''") == "%Y%%%m'"
    assert semantics.spark_pattern_regex("yyyy-MM-dd") == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    for bad in ("yyyy-MM-dd[ HH:mm]", "yyyy-ww", "QQQ yyyy"):
        with pytest.raises(SpecError):
            semantics.spark_pattern_to_strftime(bad)


def test_rule_order_and_names() -> None:
    spec = Spec.model_validate({
        "name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"},
        "columns": [
            {"name": "a", "type": "int", "nullable": False, "checks": ["a > 0", "a < b"]},
            {"name": "b", "type": "int", "allowed": [1, 2, 30]},
            {"name": "c", "type": "string", "nullable": False, "allowed": ["x"], "checks": ["length(c) = 1"]},
        ],
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    })
    assert semantics.rule_names(spec.columns[0]) == ["missing_column:a", "cast:a", "not_null:a", "check:a > 0", "check:a < b"]
    con = _con()
    src = pa.table({
        "a": ["x", "-5", None, "5", "1"], "b": ["2", "3", "1", "y", "2"], "c": ["x", "yy", None, "x", "x"],
        "_source_file": ["f"] * 5, "_record": pa.array(range(5), pa.int64()),
    })
    con.register("src", src)
    got = dict(con.execute(f"SELECT _record, _errors FROM ({semantics.errors_sql(spec, 'duckdb', 'src')})").fetchall())
    assert got[0] == ["cast:a"]  # a failed its cast: its checks are not evaluated
    assert got[1] == ["check:a > 0", "allowed:b", "allowed:c", "check:length(c) = 1"]
    assert got[2] == ["not_null:a", "not_null:c"]  # NULL passes checks and allowed
    assert got[3] == ["cast:b"]  # a < b reads b, which failed its cast: not evaluated
    assert got[4] == []
    ok = dict(con.execute(f"SELECT _record, _ok FROM ({semantics.validation_sql(spec, 'duckdb', 'src')})").fetchall())
    assert ok == {0: False, 1: False, 2: False, 3: False, 4: True}


def test_missing_and_typed_columns() -> None:
    spec = _spec("bigint", nullable=False)
    con = _con()
    con.register("src", pa.table({"k": ["1", "x"], "_source_file": ["f", "f"], "_record": pa.array([1, 2], pa.int64())}))
    errs = con.execute(f"SELECT _errors FROM ({semantics.errors_sql(spec, 'duckdb', 'src', missing=['v'])}) ORDER BY _record").fetchall()
    assert [e[0] for e in errs] == [["missing_column:v"], ["missing_column:v", "cast:k"]]
    con.register("typed", pa.table({"v": pa.array([5, None], pa.int64()), "k": ["1", "2"], "_source_file": ["f", "f"],
                                    "_record": pa.array([0, 1], pa.int64())}))
    got = con.execute(f"SELECT v, _ok FROM ({semantics.validation_sql(spec, 'duckdb', 'typed', typed=['v'])}) ORDER BY _record").fetchall()
    assert got == [(5, True), (None, False)]


def test_to_duckdb_transpiles_spark_sql_once() -> None:
    semantics.to_duckdb.cache_clear()
    assert semantics.to_duckdb("CAST(x AS INT)") == "TRY_CAST(x AS INT)"
    assert "TRY_STRPTIME" in semantics.to_duckdb("to_timestamp(x, 'yyyy-MM-dd')").upper()
    semantics.to_duckdb("CAST(x AS INT)")
    assert semantics.to_duckdb.cache_info().hits == 1
    spec = Spec.model_validate({
        "name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"}, "columns": [{"name": "a", "type": "int"}],
        "dedupe": {"keys": ["a"], "order_by": "a, b DESC"}, "derive": {"b": "a + 1"},
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    })
    # Spark sorts NULLs first for ASC and last for DESC; the DuckDB text says so explicitly.
    assert semantics.dedupe_order_sql(spec, "duckdb") == "a NULLS FIRST, b DESC, _source_file, _record"
    assert semantics.dedupe_order_sql(spec, "spark") == "a, b DESC, _source_file, _record"


def test_spark_rendering_is_spark_sql() -> None:
    """The Spark text parses as Spark SQL (the Glue engine runs it natively)."""
    import sqlglot

    spec = _spec("timestamp")
    for dialect_sql in (semantics.validation_sql(spec, "spark", "src", null_values=NULL_VALUES),
                        semantics.errors_sql(spec, "spark", "src", null_values=NULL_VALUES)):
        assert sqlglot.parse_one(dialect_sql, read="spark") is not None
    col = Column.model_validate({"name": "d", "type": "date", "format": "dd/MM/yyyy"})
    text = semantics.cast_sql(col, "`d`", "spark")
    assert "to_timestamp(" in text and "RLIKE '^[0-9]{2}/[0-9]{2}/[0-9]{4}$'" in text


def test_metadata_and_quarantine_schema() -> None:
    spec = _spec("int", source="V")
    assert semantics.METADATA_COLUMNS == ("_source_file", "_record", "_run_id", "_ingested_at")
    assert semantics.quarantine_schema(spec) == [
        ("V", "string"), ("k", "string"), ("_source_file", "string"), ("_record", "bigint"),
        ("_run_id", "string"), ("_errors", "array<string>"),
    ]
    assert [n for n, _ in semantics.output_schema(spec)] == ["v", "k", *semantics.METADATA_COLUMNS]
