"""Casts and rules in Spark: the ``spark`` rendering of ``orchestration.core.semantics``, run natively.

The rules are not restated here: ``validation_sql`` and ``errors_sql`` (docs/semantics.md §2-3) are
executed over a temporary view whose columns carry the source names. Objects that lack a spec column
(``missing_column``) or, for Parquet, already hold some columns in the target type (``typed``) are
validated as their own group, since those sets change the SQL. CSV and JSON Lines take one cached
pass over every parsed row (``check_text``) that ``split_text`` divides; only rows of objects that lack
columns are checked again, from their cached raw text. Rows whose text could not be parsed
(``_parse_error``) skip the rules and go to quarantine with that one rule name.

Typed timestamps come out of the semantics as ``TIMESTAMP_NTZ`` (UTC wall clock); they are handed to
derive/filter/hooks as Spark's ordinary ``TIMESTAMP`` (the same instant under the UTC session time
zone, and what PySpark code such as ``col.cast("long")`` expects) and written back as NTZ.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from orchestration.core import semantics
from orchestration.core.spec import Spec

from .names import ident

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

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
    none_rejected: bool = False
    """Known (counted while checking) to have no rejected rows, so there is no quarantine to write."""

    def release(self) -> None:
        """Drop the cached checked rows."""
        for df in self.cached:
            df.unpersist()


def _to_ltz(df: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampNTZType

    return df.select(*[
        F.col(ident(f.name)).cast("timestamp").alias(f.name) if isinstance(f.dataType, TimestampNTZType)
        else F.col(ident(f.name))
        for f in df.schema.fields
    ])


def _raw_names(spec: Spec) -> list[str]:
    return [f"__lockgate_raw_{i}" for i in range(len(spec.columns))]


def _source_text(spec: Spec) -> list[Column]:
    """The cached raw text (``__lockgate_raw_i``) under the source names, as the rules read it."""
    from pyspark.sql import functions as F

    return [F.col(r).alias(c.source_name) for c, r in zip(spec.columns, _raw_names(spec), strict=True)]


def _null_values(spec: Spec) -> list[str]:
    return spec.source.csv.null_values if spec.source.format == "csv" else []


def _checked_sql(spark: SparkSession, spec: Spec, rows: DataFrame, group: Group, extra: tuple[str, ...],
                 *, quick: bool = False) -> DataFrame:
    """The validation SELECT over ``rows`` (source columns under their source names): typed target
    columns, ``_source_file``, ``_record``, the raw text (``__lockgate_raw_i``), ``extra`` and ``_ok``
    (``quick``: FALSE also for rows the full rules must decide, ``validation_sql(quick=True)``)."""
    view = f"__lockgate_src_{next(_views)}"
    rows.createOrReplaceTempView(view)
    return spark.sql(semantics.validation_sql(spec, "spark", view, extra=("_source_file", "_record", *extra),
                                              raw=_raw_names(spec), null_values=_null_values(spec),
                                              missing=group.missing, typed=group.typed, quick=quick))


def _failed(spark: SparkSession, spec: Spec, bad: DataFrame, group: Group) -> DataFrame:
    """Quarantine rows (source text, ``_source_file``, ``_record``, ``_errors``) for checked rows that
    failed: the rule names are worked out only for these."""

    bad_view = f"__lockgate_bad_{next(_views)}"
    bad.select(
        *_source_text(spec),
        "_source_file", "_record",
    ).createOrReplaceTempView(bad_view)
    return spark.sql(semantics.errors_sql(spec, "spark", bad_view, null_values=_null_values(spec),
                                          missing=group.missing, typed=group.typed)).where("size(_errors) > 0")


def _one(spark: SparkSession, spec: Spec, group: Group) -> Validated:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    clean = group.rows.where(F.col("_parse_error").isNull()).drop("_parse_error")
    # Rules run once per row: the checked rows (typed values, raw values, _ok) are cached, and the
    # rule names are worked out again only for the failing rows.
    checked = _checked_sql(spark, spec, clean, group, ()).persist(StorageLevel.MEMORY_AND_DISK)
    valid = checked.where("_ok").drop("_ok", *_raw_names(spec))
    errors = _failed(spark, spec, checked.where("NOT _ok"), group)
    damaged = group.rows.where(F.col("_parse_error").isNotNull())
    broken = damaged.select(
        *[F.col(ident(c.source_name)).cast("string").alias(c.source_name) for c in spec.columns],
        "_source_file", "_record", F.array(F.col("_parse_error")).alias("_errors"),
    )
    return Validated(valid=_to_ltz(valid), rejected=errors.unionByName(broken), cached=[checked])


def validate(spark: SparkSession, spec: Spec, groups: list[Group]) -> Validated:
    """Valid and rejected rows of every group."""
    return _union([_one(spark, spec, g) for g in groups])


def _union(parts: list[Validated]) -> Validated:
    valid, rejected = parts[0].valid, parts[0].rejected
    for p in parts[1:]:
        valid = valid.unionByName(p.valid)
        rejected = rejected.unionByName(p.rejected)
    return Validated(valid=valid, rejected=rejected, cached=[c for p in parts for c in p.cached])


_TEXT_META = ("_parse_error", "_missing", "_info")


def check_text(spark: SparkSession, spec: Spec, rows: DataFrame) -> DataFrame:
    """Every row ``readers.text_rows`` gives (records, damaged records, ``_info`` rows) checked as if
    no object lacked a column, and cached: the one place the parse and the casts are paid for.

    The check is the quick rendering (``validation_sql(quick=True)``): its code is a fraction of the
    full rules', so the pass over every row is cheap, and the rows it does not pass (failed, or text
    only the full rules convert, such as ``'\t1.5'`` or ``NaN``) are checked again by ``split_text``.

    Run an action on it first (collect the ``_info`` rows), then ``split_text`` it.

    The raw text is kept only for rows that can still need it (failed, damaged, or from an object
    that lacks columns): for the valid rows, usually nearly all, it would only double the cache."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from .readers import raw_column

    named = rows.select(*[F.col(raw_column(i)).alias(c.source_name) for i, c in enumerate(spec.columns)],
                        "_source_file", "_record", *_TEXT_META)
    checked = _checked_sql(spark, spec, named, Group(named), _TEXT_META, quick=True)
    settled = F.coalesce(F.col("_ok"), F.lit(False)) & F.col("_parse_error").isNull() & F.col("_missing").isNull()
    raw = set(_raw_names(spec))
    return checked.select(*[
        F.when(~settled, F.col(c)).alias(c) if c in raw else F.col(ident(c)) for c in checked.columns
    ]).persist(StorageLevel.MEMORY_AND_DISK)


def split_text(spark: SparkSession, spec: Spec, checked: DataFrame,
               missing_sets: list[tuple[str, ...]], *, unsettled: bool = True) -> Validated:
    """Valid and rejected rows from ``check_text``'s cached rows. The rows its quick check did not
    pass are checked again from their cached raw text with the full rules (cached on their own, so
    the full rules' code is not compiled into the writes' stages); rows of objects that lack columns,
    under the rules for what they lack. ``unsettled``: FALSE when the caller counted no record that
    the quick check did not pass (nothing is checked again then)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    raw = _raw_names(spec)
    records = checked.where("_info IS NULL")
    clean = records.where("_parse_error IS NULL")
    complete = clean.where("_missing IS NULL")
    main = Group(checked)
    valid = complete.where("_ok").drop("_ok", *raw, *_TEXT_META)
    broken = records.where("_parse_error IS NOT NULL").select(
        *_source_text(spec),
        "_source_file", "_record", F.array(F.col("_parse_error")).alias("_errors"),
    )
    rejected = broken
    cached: list[DataFrame] = []
    if unsettled:
        again = complete.where("NOT _ok").select(*_source_text(spec), "_source_file", "_record")
        exact = _checked_sql(spark, spec, again, main, ()).persist(StorageLevel.MEMORY_AND_DISK)
        cached.append(exact)
        valid = valid.unionByName(exact.where("_ok").drop("_ok", *raw))
        rejected = _failed(spark, spec, exact.where("NOT _ok"), main).unionByName(broken)
    parts = [Validated(valid=_to_ltz(valid), rejected=rejected, cached=cached)]
    for missing in missing_sets:
        match = F.array_join(F.col("_missing"), "\u0001") == F.lit("\u0001".join(missing))
        rows = clean.where(match).select(
            *_source_text(spec),
            "_source_file", "_record", F.lit(None).cast("string").alias("_parse_error"))
        parts.append(_one(spark, spec, Group(rows, missing=frozenset(missing))))
    return _union(parts)
