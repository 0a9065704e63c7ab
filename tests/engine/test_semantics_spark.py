"""The Spark rendering of orchestration.core.semantics gives exactly the values of cast_tables.py, the same
tables the DuckDB rendering is held to: one definition, two dialects, one result."""

from __future__ import annotations

from typing import Any

import pytest

from orchestration.core import semantics

from .cast_tables import FAIL, NULL_VALUES, TABLES, same
from .test_semantics import _spec

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark() -> Any:
    from tests.glue.spark import spark_session

    return spark_session()


def test_cast_tables_in_spark(spark: Any) -> None:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType([StructField("v", StringType()), StructField("k", StringType()),
                         StructField("_source_file", StringType()), StructField("_record", LongType())])
    wrong: list[tuple[str, str | None, Any, Any]] = []
    for name, (type_, fmt, table) in TABLES.items():
        spec = _spec(type_, fmt)
        df = spark.createDataFrame([(text, "1", "f", i) for i, (text, _) in enumerate(table)], schema)
        df.createOrReplaceTempView("src")
        checked = {r["_record"]: (r["v"], r["_ok"]) for r in
                   spark.sql(semantics.validation_sql(spec, "spark", "src", null_values=NULL_VALUES)).collect()}
        errors = {r["_record"]: list(r["_errors"]) for r in
                  spark.sql(semantics.errors_sql(spec, "spark", "src", null_values=NULL_VALUES)).collect()}
        for i, (text, want) in enumerate(table):
            value, ok = checked[i]
            got = value if ok else FAIL
            if not same(got, want) or errors[i] != ([] if ok else ["cast:v"]):
                wrong.append((name, text, want, (got, errors[i])))
    assert not wrong, wrong


def test_one_character_test_per_row_decides_the_plain_path_for_every_numeric_column(spark: Any) -> None:
    """Spark's plain-number path tests each row's numeric text once (one regex over the columns of a
    type family) instead of four character tests per value. A value with any other character sends the
    row's columns of that family to the exact path, which must still give every value its own result."""
    from orchestration.core.spec import Spec

    spec = Spec.model_validate({
        "name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"},
        "columns": [{"name": "a", "type": "double"}, {"name": "b", "type": "double"}, {"name": "n", "type": "int"},
                    {"name": "m", "type": "decimal(6,2)"}],
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    })
    rows = [  # a, b, n, m -> a, b, n, m (None: fails its cast)
        (("1.5", "-2e3", "+7", "3.10"), (1.5, -2000.0, 7, "3.10")),
        (("1.5", " 2.5 ", "7", "1.005"), (1.5, 2.5, 7, "1.01")),
        (("1,5", "2", "1.0", "1e2"), (None, 2.0, None, None)),
        (("0x10", "1d", "0x10", "١.5"), (None, None, None, None)),
        (("Infinity", "NaN", "\t12\n", " -.5"), (float("inf"), float("nan"), 12, "-0.50")),
        (("", "NULL", "", "1.5\n"), (None, None, None, "1.50")),
        (("NULL", "7.25", "NULL", "NULL"), (None, 7.25, None, None)),
    ]
    df = spark.createDataFrame([(*raw, "f", i) for i, (raw, _) in enumerate(rows)],
                               "a string, b string, n string, m string, _source_file string, _record bigint")
    df.createOrReplaceTempView("src_rows")
    sql = semantics.validation_sql(spec, "spark", "src_rows", null_values=NULL_VALUES)
    assert sql.count("concat_ws(") == 3  # one test per row and type family: floats, integers, decimals
    assert sql.count("TRY_CAST(__src.`a` AS DOUBLE) AS __t") == 1  # each value parsed once, a layer below
    # A NULL marker never takes a cast, so it must not keep the row's other columns off the plain path:
    # the row test sees NULL where the text is NULL-like.
    masked = [f"CASE WHEN ({c} IS NULL OR {c} IN ('', 'NULL')) THEN NULL ELSE {c} END" for c in ("a", "b")]
    probe = spark.sql(f"SELECT _record, {semantics.casts.spark_chars_sql(masked, '0-9.eE+')} AS ok FROM src_rows")
    # ',' passes the row test (1,5): no cast accepts it, so that value still fails its own cast.
    assert [r["ok"] for r in probe.orderBy("_record").collect()] == [True, False, True, False, False, True, True]
    # Only markers with other characters need the mask ('' cannot fail the row test).
    assert "concat_ws(',', CASE WHEN (__src.`a` IS NULL OR __src.`a` IN ('NULL')) THEN NULL ELSE __src.`a` END" in sql
    assert "concat_ws(',', __src.`a`, __src.`b`)" in semantics.validation_sql(spec, "spark", "src_rows", null_values=["", "-"])
    got = {r["_record"]: (r["a"], r["b"], r["n"], None if r["m"] is None else str(r["m"]))
           for r in spark.sql(sql).collect()}
    wrong = [(raw, want, got[i]) for i, (raw, want) in enumerate(rows)
             if not all(same(g, w) if w is not None else g is None for g, w in zip(got[i], want, strict=True))]
    assert not wrong, wrong


def test_quick_rendering_passes_only_rows_the_full_rules_pass_with_the_same_values(spark: Any) -> None:
    """``validation_sql(quick=True)`` converts numbers only by the plain path. The Glue engine
    keeps a row it passes without checking it again, so over every cast table a quick ``_ok`` must be an
    exact ``_ok`` with the exact value; every other row goes to the full rules (docs/glue.md)."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    schema = StructType([StructField("v", StringType()), StructField("k", StringType()),
                         StructField("_source_file", StringType()), StructField("_record", LongType())])
    wrong: list[tuple[str, str | None, Any, Any]] = []
    passed: dict[str, list[str | None]] = {}
    for name, (type_, fmt, table) in TABLES.items():
        spec = _spec(type_, fmt)
        df = spark.createDataFrame([(text, "1", "f", i) for i, (text, _) in enumerate(table)], schema)
        df.createOrReplaceTempView("src_quick")
        quick = {r["_record"]: (r["v"], r["_ok"]) for r in spark.sql(
            semantics.validation_sql(spec, "spark", "src_quick", null_values=NULL_VALUES, quick=True)).collect()}
        for i, (text, want) in enumerate(table):
            value, ok = quick[i]
            if ok:
                passed.setdefault(name, []).append(text)
                if want is FAIL or not same(value, want):
                    wrong.append((name, text, want, value))
    assert not wrong, wrong
    # It is quick because it passes the plain forms: numbers as CSV writers render them, also padded with
    # spaces (Spark's casts trim spaces as the spec does). Other whitespace and words are left.
    assert {"42", "-7", "007", " 12 ", " +7 "} <= set(passed["int"]) and "\t12\r\n" not in passed["int"]
    assert {"-1.5", "1e3", ".5", " 3.25 "} <= set(passed["double"]) and not {"NaN", "Infinity"} & set(passed["double"])
    assert {"2024-01-31", " 2024-02-29 "} <= set(passed["date"])  # types without a plain path convert in full
    assert {None, "", "NULL"} <= set(passed["null-values-int"])
