"""docs/semantics.md section 2 as data: (type, Spark format, [(raw text, expected value or FAIL)]).

NULL_VALUES apply (compared before trimming). Both engines must produce exactly these values: the
DuckDB rendering is checked in test_semantics.py, the Spark rendering in test_semantics_spark.py.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

FAIL = object()
NULL_VALUES = ["", "NULL"]
INF, NINF, NAN = float("inf"), float("-inf"), float("nan")

Table = list[tuple[str | None, Any]]

TABLES: dict[str, tuple[str, str | None, Table]] = {
    # NULL-like only when the raw value is listed; '  ' is a cast failure, not NULL.
    "null-values-int": ("int", None, [(None, None), ("", None), ("NULL", None), ("  ", FAIL), ("null", FAIL), (" NULL", FAIL)]),
    "null-values-string": ("string", None, [(None, None), ("", None), ("NULL", None), ("  ", "  "), (" a ", " a ")]),
    "boolean": ("boolean", None,
                [(t, True) for t in ("true", "TRUE", "True", "t", "T", "yes", "YES", "y", "Y", "1", " true ", "\tyes\n")]
                + [(t, False) for t in ("false", "FALSE", "f", "F", "no", "No", "n", "N", "0", " 0 ")]
                + [(t, FAIL) for t in ("2", "tru", "yess", "on", "off", "-1", "1.0", "truee", "t rue")]),
    "int": ("int", None, [
        ("0", 0), ("42", 42), ("+7", 7), ("-7", -7), ("007", 7), (" 12 ", 12), ("\t12\r\n", 12),
        ("2147483647", 2147483647), ("-2147483648", -2147483648), ("2147483648", FAIL), ("-2147483649", FAIL),
        ("1.0", FAIL), ("1.5", FAIL), ("1e3", FAIL), ("0x10", FAIL), ("1_000", FAIL), ("1,000", FAIL),
        ("abc", FAIL), ("--1", FAIL), ("+", FAIL), ("1 2", FAIL), ("١٢", FAIL), ("1١2", FAIL), ("\x0b12", FAIL),
        ("12\x0c", FAIL), ("1.", FAIL), ("-", FAIL),
        (" +7 ", 7), ("12 ", 12), ("+ 7", FAIL), ("- 1", FAIL), (" 1 2 ", FAIL), (" 12\t", 12), ("\x0b 12 ", FAIL)]),
    "bigint": ("bigint", None, [
        ("9223372036854775807", 9223372036854775807), ("-9223372036854775808", -9223372036854775808),
        ("2147483648", 2147483648), ("9223372036854775808", FAIL), ("-9223372036854775809", FAIL),
        ("1.0", FAIL), ("1e3", FAIL), (" -5 ", -5)]),
    "double": ("double", None, [
        ("1", 1.0), ("-1.5", -1.5), (".5", 0.5), ("5.", 5.0), ("1e3", 1000.0), ("1E-2", 0.01), ("+2.5e+2", 250.0),
        ("NaN", NAN), ("nan", NAN), ("Infinity", INF), ("-Infinity", NINF), ("INFINITY", INF), ("+infinity", INF),
        (" 3.25 ", 3.25), ("1.7976931348623157e308", 1.7976931348623157e308),
        ("1e400", FAIL), ("inf", FAIL), ("1.2.3", FAIL), ("e3", FAIL), ("1e", FAIL), ("0x1p3", FAIL), ("abc", FAIL),
        ("1_0", FAIL), ("1,5", FAIL), ("1d", FAIL), ("1f", FAIL), ("1.5D", FAIL), ("0x1.8p1", FAIL), ("0X10P0", FAIL),
        ("\x0b1.5", FAIL), ("1.5\x00", FAIL), ("1١2", FAIL), ("+NaN", FAIL), ("-nan", FAIL),
        ("-0", -0.0), (".", FAIL), ("+.5", 0.5),
        (" .5", 0.5), ("1. ", 1.0), (" 1e3 ", 1000.0), ("1e 3", FAIL), ("1 .5", FAIL), (" - 1.5", FAIL),
        (" 1.5\x0c", FAIL), (" ", FAIL)]),
    "float": ("float", None, [
        ("1.5", 1.5), ("-2", -2.0), ("3.4028235e38", 3.4028234663852886e38), ("-3.4028235e38", -3.4028234663852886e38),
        ("Infinity", INF), ("3.5e38", FAIL), ("-1e39", FAIL), ("x", FAIL)]),
    "decimal(12,2)": ("decimal(12,2)", None, [
        ("1.005", Decimal("1.01")), ("-1.005", Decimal("-1.01")), ("1.004", Decimal("1.00")), ("2.5", Decimal("2.50")),
        ("0.125", Decimal("0.13")), ("-0.125", Decimal("-0.13")), ("7", Decimal("7.00")), (".5", Decimal("0.50")),
        ("+3.", Decimal("3.00")), (" 4.20 ", Decimal("4.20")), ("9999999999.99", Decimal("9999999999.99")),
        ("9999999999.995", FAIL), ("10000000000", FAIL), ("1e3", FAIL), ("1,5", FAIL), ("abc", FAIL), ("1.2.3", FAIL),
        ("NaN", FAIL), ("-", FAIL), ("1١2", FAIL), ("١.5", FAIL), ("1.5١", FAIL), ("1E2", FAIL), ("\x0b1.5", FAIL),
        (".", FAIL), ("+.", FAIL), ("-.5", Decimal("-0.50")),
        (" 1.005 ", Decimal("1.01")), ("2.5 ", Decimal("2.50")), ("1 .5", FAIL), ("- 2", FAIL), (" 1e2 ", FAIL)]),
    "decimal(3,0)": ("decimal(3,0)", None, [("999", Decimal("999")), ("999.4", Decimal("999")), ("999.5", FAIL),
                                            ("-0.5", Decimal("-1"))]),
    "date": ("date", None, [
        ("2024-01-31", date(2024, 1, 31)), (" 2024-02-29 ", date(2024, 2, 29)), ("0001-01-01", date(1, 1, 1)),
        ("9999-12-31", date(9999, 12, 31)), ("2024-02-30", FAIL), ("2023-02-29", FAIL), ("2024-13-01", FAIL),
        ("2024-1-5", FAIL), ("24-01-05", FAIL), ("2024/01/05", FAIL), ("0000-01-01", FAIL), ("2024-01-05T00:00", FAIL),
        ("20240105", FAIL), ("", None)]),
    "date dd/MM/yyyy": ("date", "dd/MM/yyyy", [
        ("05/01/2024", date(2024, 1, 5)), ("31/12/1999", date(1999, 12, 31)), ("5/1/2024", FAIL),
        ("2024-01-05", FAIL), ("30/02/2024", FAIL)]),
    "date d.M.yyyy": ("date", "d.M.yyyy", [("5.1.2024", date(2024, 1, 5)), ("15.11.2024", date(2024, 11, 15))]),
    "date yyyyMMdd": ("date", "yyyyMMdd", [("20240105", date(2024, 1, 5)), ("2024010", FAIL)]),
    "timestamp": ("timestamp", None, [
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
        ("0001-01-01T00:30:00+01:00", FAIL), ("0000-06-01 00:00:00", FAIL)]),
    "timestamp yyyy-MM-dd HH:mm:ss": ("timestamp", "yyyy-MM-dd HH:mm:ss", [
        ("2024-01-05 10:20:30", datetime(2024, 1, 5, 10, 20, 30)), ("2024-01-05 10:20", FAIL),
        ("2024-01-05T10:20:30", FAIL), ("2024-01-05 25:00:00", FAIL)]),
    "timestamp with millis": ("timestamp", "yyyy-MM-dd'T'HH:mm:ss.SSS", [
        ("2024-01-05T10:20:30.123", datetime(2024, 1, 5, 10, 20, 30, 123000)), ("2024-01-05T10:20:30.12", FAIL)]),
    "timestamp with offset XXX": ("timestamp", "yyyy-MM-dd'T'HH:mm:ssXXX", [
        ("2024-01-05T10:20:30+02:00", datetime(2024, 1, 5, 8, 20, 30)),
        ("2024-01-05T10:20:30Z", datetime(2024, 1, 5, 10, 20, 30)), ("2024-01-05T10:20:30", FAIL)]),
    "timestamp log format": ("timestamp", "dd/MMM/yyyy:HH:mm:ss Z", [
        ("05/Jan/2024:10:20:30 +0100", datetime(2024, 1, 5, 9, 20, 30))]),
    "timestamp 12-hour": ("timestamp", "MM/dd/yyyy hh:mm a", [
        ("01/05/2024 10:20 PM", datetime(2024, 1, 5, 22, 20)), ("01/05/2024 12:05 AM", datetime(2024, 1, 5, 0, 5))]),
}


def same(value: Any, want: Any) -> bool:
    """Equal values of the same Python type (NaN equals NaN)."""
    if want is FAIL or value is FAIL:
        return value is want
    if isinstance(want, float) and want != want:
        return isinstance(value, float) and value != value
    return bool(value == want) and type(value) is type(want)
