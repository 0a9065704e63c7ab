"""Derive type inference is only "certain" where Spark agrees: every inferred type is Spark's own result
type for the expression (analysis only, no Spark job runs)."""

from __future__ import annotations

import pytest

from orchestration.core.semantics import derive_sql_type
from tests.spec.test_derive_types import CERTAIN, COLUMNS

pytestmark = pytest.mark.spark


def _glue(simple: str) -> str:
    return simple.replace("timestamp_ntz", "timestamp")


def test_every_inferred_type_is_sparks_own_result_type(spark) -> None:
    schema = ", ".join(f"`{n}` {derive_sql_type(t, 'spark')}" for n, t in COLUMNS.items())
    df = spark.createDataFrame([], schema)
    wrong = {}
    for expr, inferred in CERTAIN:
        native = _glue(df.selectExpr(expr).schema.fields[0].dataType.simpleString())
        if native != inferred:
            wrong[expr] = (native, inferred)
    assert not wrong, f"(spark, inferred): {wrong}"
