"""A pair of hooks that do the same thing on each engine: upper-case ``name``, drop rows named 'drop'."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame


def upper_arrow(table: pa.Table) -> pa.Table:
    import pyarrow.compute as pc

    kept = table.filter(pc.fill_null(pc.not_equal(table.column("name"), "drop"), True))
    return kept.append_column("name_upper", pc.utf8_upper(kept.column("name")))


def upper_spark(df: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    kept = df.where(F.coalesce(F.col("name") != "drop", F.lit(True)))
    return kept.withColumn("name_upper", F.upper("name"))
