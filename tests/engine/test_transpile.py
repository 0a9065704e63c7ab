"""Spark SQL in specs means the same in DuckDB: NULL on bad casts, zone-less UTC timestamps."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.core.semantics import to_duckdb


@pytest.mark.parametrize(("spark", "value", "expected_type"), [
    ("CAST(x AS TIMESTAMP)", "2024-01-01 10:00:00", "TIMESTAMP"),
    ("to_timestamp(x)", "2024-01-01 10:00:00", "TIMESTAMP"),
    ("CAST(x AS DATE)", "2024-01-01", "DATE"),
])
def test_derived_types_match_spark(spark: str, value: str, expected_type: str) -> None:
    rel = duckdb.sql(f"SELECT {to_duckdb(spark)} AS v FROM (SELECT '{value}' AS x)")
    assert str(rel.types[0]) == expected_type
    assert rel.fetchall()[0][0] is not None


@pytest.mark.parametrize("spark", ["CAST(x AS TIMESTAMP)", "to_timestamp(x)", "CAST(x AS BIGINT)", "CAST(x AS DATE)"])
def test_bad_input_gives_null_not_an_error(spark: str) -> None:
    assert duckdb.sql(f"SELECT {to_duckdb(spark)} FROM (SELECT 'not a value' AS x)").fetchall() == [(None,)]
