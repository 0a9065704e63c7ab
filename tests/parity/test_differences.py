"""Known, intended differences between the engines (docs/semantics.md, last section), each pinned here.

1. Parquet floating-point text where Java 17 writes longer digits than the shortest.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

pytestmark = pytest.mark.spark


def test_floating_point_text_is_sparks_but_where_java_17_writes_longer_digits(spark) -> None:
    """The Lambda engine's text of a Parquet float or double (``java_float_text``) against Spark's own
    ``CAST(x AS STRING)`` over the same values: equal, but for values where Java 17 writes more digits than
    the shortest that read back (docs/semantics.md, section 1)."""
    from lambdas.engine.parquet_reader import java_float_text

    values = [0.002, 0.001, 0.0009999, 1e7, 9999999.0, 100.0, 1e21, 1.0, 0.1, 1 / 3, 123456789.123, -0.0, 0.0,
              1e-5, -2.5e-10, 1.7976931348623157e308, 4.35, float("nan"), float("inf"), float("-inf"), 1e23]
    rows = spark.createDataFrame([(v,) for v in values], "d double").selectExpr(
        "d", "CAST(d AS STRING) AS s", "CAST(CAST(d AS FLOAT) AS STRING) AS f").collect()
    singles = pa.array(values, pa.float64()).cast(pa.float32(), safe=False).to_pylist()
    differ = {}
    for value, single, row in zip(values, singles, rows, strict=True):
        ours = (java_float_text(value), java_float_text(single, single=True))
        if ours != (row.s, row.f):
            differ[repr(value)] = (ours, (row.s, row.f))
    assert differ == {
        "123456789.123": (("1.23456789123E8", "1.2345679E8"), ("1.23456789123E8", "1.23456792E8")),
        "1e+23": (("1.0E23", "1.0E23"), ("9.999999999999999E22", "1.0E23")),
    }
