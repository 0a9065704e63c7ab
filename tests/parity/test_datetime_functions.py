"""Datetime functions in spec expressions give the same values on both engines.

The Lambda engine runs spec expressions as sqlglot's DuckDB translation, which read datetime patterns with
sqlglot's own letter mapping: ``SSS``, ``L``, the offset letters and quoted literals (``'T'``) stayed text,
so ``date_format`` wrote ``01:02:03.SSS`` and ``to_timestamp(s, "yyyy-MM-dd'T'HH:mm:ss")`` was NULL on
Lambda only; ``dayofweek`` counted Sunday as 0 where Spark counts 1. The patterns are now converted by
Lockgate's own rules (``orchestration/core/spec/patterns.py``) and parsed text must have the shape Spark's
parser takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.glue.spark import spec_of
from tests.parity.harness import assert_same, run_glue, run_lambda

pytestmark = pytest.mark.spark

DERIVE = {
    "dow": "dayofweek(d)", "dow_t": "dayofweek(t)",
    "f_millis": "date_format(t, 'yyyy-MM-dd HH:mm:ss.SSS')",
    "f_literal": "date_format(t, \"yyyy-MM-dd'T'HH:mm:ss\")",
    "f_letters": "date_format(t, \"yyyy-LL-L DDD SSSSSSSSS 'T' d XXX xx\")",
    "f_words": "date_format(t, 'hh a EEE EEEE MMM MMMM yy E')",
    "f_unpadded": "date_format(d, 'd/M/yyyy H:m:s')",
    "p_date": "to_timestamp(s, 'yyyy-MM-dd')",
    "p_millis": "to_timestamp(s, 'yyyy-MM-dd HH:mm:ss.SSS')",
    "p_offset": "to_timestamp(s, \"yyyy-MM-dd'T'HH:mm:ssXXX\")",
    "p_day_first": "to_date(s, 'dd/MM/yyyy')",
    "p_short": "to_date(s, 'd/M/yyyy')",
    "p_lenient": "to_timestamp(s, 'yyyy-M-d')",
}
DATA = ("s,d,t\n"
        "2024-1-5,2024-01-31,2024-03-10 01:02:03.456789\n"  # one-digit month: NULL for MM, a date for M
        "2024-01-05 01:02:03.45,2024-02-29,2024-12-31 23:59:59\n"  # a fraction shorter than SSS: Spark takes it
        "2024-01-05T01:02:03Z,0001-01-01,1970-01-01 00:00:00\n"
        "2024-01-05T01:02:03+01:00,9999-12-31,2024-01-01 00:00:00.5\n"
        "05/01/2024,2024-03-03,2024-03-01 12:00:00\n"
        " 2024-01-05,2024-03-04,2024-03-01 13:00:00\n"  # a space before: NULL in Spark, parsed by DuckDB alone
        "2024-01-05,2024-03-05,2024-03-01 14:00:00\n"
        "5/1/2024,2024-03-06,2024-03-01 15:00:00\n")


def test_datetime_functions_and_patterns_are_equal_on_both_engines(spark, tmp_path: Path) -> None:
    spec = spec_of({"columns": [{"name": "s", "type": "string"}, {"name": "d", "type": "date"},
                                {"name": "t", "type": "timestamp"}], "derive": DERIVE})
    lam = run_lambda(tmp_path, spec, {"f.csv": DATA})
    glue = run_glue(spark, tmp_path, spec, {"f.csv": DATA})
    assert lam.result.rows_written == 8
    assert_same(lam, glue)
    names = [n for n, _ in lam.columns]
    got = {n: sorted((str(row[names.index(n)]) for row, _ in ((r, c) for (_, r), c in lam.rows.items())))
           for n in ("f_millis", "p_offset", "dow")}
    assert "2024-03-10 01:02:03.456" in got["f_millis"]
    assert got["p_offset"].count("None") == 6 and "2024-01-05 00:02:03" in got["p_offset"]
    assert got["dow"] == sorted(["4", "5", "2", "6", "1", "2", "3", "4"])
