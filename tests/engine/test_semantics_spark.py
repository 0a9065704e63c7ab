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
