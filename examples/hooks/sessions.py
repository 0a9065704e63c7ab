"""Spark hook of the ``sessions`` example: assign each event to a user session.

A session ends after 30 minutes without an event from the same user. This needs a window over each
user's events in time order, which is why the import is Spark-dependent and runs on Glue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

SESSION_GAP_SECONDS = 30 * 60


def sessionize(df: DataFrame) -> DataFrame:
    """Add ``session_id`` (user id and session number) and ``session_seq`` (1-based position)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    by_user = Window.partitionBy("user_id").orderBy("occurred_at", "event_id")
    previous = F.lag("occurred_at").over(by_user)
    gap = F.col("occurred_at").cast("long") - previous.cast("long")
    starts = F.when(previous.isNull() | (gap > SESSION_GAP_SECONDS), 1).otherwise(0)
    numbered = df.withColumn("_session_start", starts).withColumn(
        "_session_no", F.sum("_session_start").over(by_user.rowsBetween(Window.unboundedPreceding, 0))
    )
    by_session = Window.partitionBy("user_id", "_session_no").orderBy("occurred_at", "event_id")
    return (
        numbered.withColumn("session_id", F.concat_ws("-", F.col("user_id").cast("string"), F.col("_session_no").cast("string")))
        .withColumn("session_seq", F.row_number().over(by_session))
        .drop("_session_start", "_session_no")
    )
