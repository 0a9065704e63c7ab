"""Spark hooks used by the Glue hook tests: one that keeps the rule, three that break it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def keep(df: DataFrame) -> DataFrame:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ranked = df.withColumn("rank", F.row_number().over(Window.partitionBy("name").orderBy("id")))
    return ranked.where("id > 0").drop("name_len").select("*")


def amount_as_text(df: DataFrame) -> DataFrame:
    return df.withColumn("amount", df["amount"].cast("string"))


def forge_run_id(df: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return df.withColumn("_run_id", F.lit("someone-else"))


def rebuilt(df: DataFrame) -> DataFrame:
    return df.toDF(*df.columns)  # same names and values, but every column re-aliased
