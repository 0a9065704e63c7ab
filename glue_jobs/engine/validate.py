"""Casts and rules in Spark: the ``spark`` rendering of ``orchestration.semantics``, run natively.

The rules are not restated here: ``validation_sql`` and ``errors_sql`` (docs/semantics.md §2-3) are
executed over a temporary view whose columns carry the source names. Objects that lack a spec column
(``missing_column``) or, for Parquet, already hold some columns in the target type (``typed``) are
validated as their own group, since those sets change the SQL. Rows whose text could not be parsed
(``_parse_error``) skip the rules and go to quarantine with that one rule name.

Typed timestamps come out of the semantics as ``TIMESTAMP_NTZ`` (UTC wall clock); they are handed to
derive/filter/hooks as Spark's ordinary ``TIMESTAMP`` (the same instant under the UTC session time
zone, and what PySpark code such as ``col.cast("long")`` expects) and written back as NTZ.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orchestration import semantics
from orchestration.spec import Spec

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["Group", "Validated", "validate"]

_views = itertools.count()


@dataclass(frozen=True)
class Group:
    """Rows sharing the same missing and already-typed source columns.

    ``rows`` has the source columns under their source names, ``_source_file``, ``_record`` and
    ``_parse_error``.
    """

    rows: DataFrame
    missing: frozenset[str] = frozenset()
    typed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Validated:
    """Valid rows (target columns typed, ``_source_file``, ``_record``) and quarantine rows (source
    columns as text, ``_source_file``, ``_record``, ``_errors``)."""

    valid: DataFrame
    rejected: DataFrame
    cached: list[DataFrame] = field(default_factory=list)

    def release(self) -> None:
        """Drop the cached checked rows."""
        for df in self.cached:
            df.unpersist()


def _to_ltz(df: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampNTZType

    return df.select(*[
        F.col(f"`{f.name}`").cast("timestamp").alias(f.name) if isinstance(f.dataType, TimestampNTZType)
        else F.col(f"`{f.name}`")
        for f in df.schema.fields
    ])


def _one(spark: SparkSession, spec: Spec, group: Group) -> Validated:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    null_values = spec.source.csv.null_values if spec.source.format == "csv" else []
    kw = {"null_values": null_values, "missing": group.missing, "typed": group.typed}
    raw = [f"__lockgate_raw_{i}" for i in range(len(spec.columns))]
    clean = group.rows.where(F.col("_parse_error").isNull()).drop("_parse_error")
    view = f"__lockgate_src_{next(_views)}"
    clean.select("*", *[F.col(f"`{c.source_name}`").alias(r) for c, r in zip(spec.columns, raw, strict=True)]) \
        .createOrReplaceTempView(view)
    # Rules run once per row: the checked rows (typed values, raw values, _ok) are cached, and the
    # rule names are worked out again only for the failing rows.
    checked = spark.sql(semantics.validation_sql(spec, "spark", view, extra=("_source_file", "_record", *raw), **kw))
    checked = checked.persist(StorageLevel.MEMORY_AND_DISK)
    valid = checked.where("_ok").drop("_ok", *raw)
    bad_view = f"__lockgate_bad_{next(_views)}"
    checked.where("NOT _ok").select(
        *[F.col(r).alias(c.source_name) for c, r in zip(spec.columns, raw, strict=True)], "_source_file", "_record",
    ).createOrReplaceTempView(bad_view)
    errors = spark.sql(semantics.errors_sql(spec, "spark", bad_view, **kw)).where("size(_errors) > 0")

    damaged = group.rows.where(F.col("_parse_error").isNotNull())
    broken = damaged.select(
        *[F.col(f"`{c.source_name}`").cast("string").alias(c.source_name) for c in spec.columns],
        "_source_file", "_record", F.array(F.col("_parse_error")).alias("_errors"),
    )
    return Validated(valid=_to_ltz(valid), rejected=errors.unionByName(broken), cached=[checked])


def validate(spark: SparkSession, spec: Spec, groups: list[Group]) -> Validated:
    """Valid and rejected rows of every group."""
    parts = [_one(spark, spec, g) for g in groups]
    valid, rejected = parts[0].valid, parts[0].rejected
    for p in parts[1:]:
        valid = valid.unionByName(p.valid)
        rejected = rejected.unionByName(p.rejected)
    return Validated(valid=valid, rejected=rejected, cached=[c for p in parts for c in p.cached])
