"""Derive, filter, the ``spark`` hook, run-wide dedupe and the output column order (docs/semantics.md §4-5).

Derive, filter and the dedupe order are not restated here: ``orchestration.core.semantics`` renders them
for the ``spark`` dialect (the Lambda engine runs the ``duckdb`` rendering of the same definitions).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from orchestration.core import semantics
from orchestration.core.errors import DataError, SpecError
from orchestration.core.semantics.hooks import check_hook_output
from orchestration.core.spec import Spec
from orchestration.core.spec.metadata import METADATA_COLUMNS
from orchestration.core.types import spark_to_glue

from .names import ident

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["METADATA_COLUMNS", "derive", "apply_filter", "load_hook", "apply_hook", "dedupe", "output_order"]

def derive(df: DataFrame, spec: Spec) -> DataFrame:
    """Add derived columns in spec order, each cast to its fixed type; later expressions see earlier ones."""
    from pyspark.sql import functions as F

    for name, sql in semantics.derive_columns(spec, "spark"):
        df = df.withColumn(name, F.expr(sql))
    return df


def apply_filter(df: DataFrame, spec: Spec) -> DataFrame:
    """Keep rows where the filter is true (false and NULL are dropped; ``semantics.filter_sql``)."""
    from pyspark.sql import functions as F

    condition = semantics.filter_sql(spec, "spark")
    return df if condition is None else df.where(F.expr(condition))


def load_hook(ref: str, where: str) -> object:
    """Import ``module:function``; raises SpecError naming the hook and the fix."""
    module_name, _, func_name = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise SpecError(f"cannot import hook module {module_name!r} ({e}); ship it with the job's "
                        "--extra-py-files or fix the name", where=where) from None
    func = getattr(module, func_name, None)
    if not callable(func):
        raise SpecError(f"{module_name} has no function {func_name!r}; fix the hook reference", where=where)
    return func


def apply_hook(df: DataFrame, spec: Spec) -> DataFrame:
    """Run the ``spark`` hook (DataFrame -> DataFrame); its output must keep every column it received with
    its type (the rule in ``orchestration.core.semantics.hooks``, shared with the Lambda engine)."""
    from pyspark.sql import DataFrame as SparkDataFrame

    ref = spec.hooks.spark
    if ref is None:
        return df
    where = f"{spec.name}: hooks.spark"
    out = load_hook(ref, where)(df)  # type: ignore[operator]
    if not isinstance(out, SparkDataFrame):
        raise DataError(f"hook {ref} returned {type(out).__name__}, not a DataFrame; return the transformed "
                        "DataFrame", where=where)
    check_hook_output(spec, "spark", [(f.name, spark_to_glue(f.dataType.simpleString())) for f in out.schema.fields])
    before, after = _attribute_ids(df), _attribute_ids(out)
    changed = [m for m in METADATA_COLUMNS if after.get(m) != before.get(m)]
    if changed:
        raise DataError(f"the spark hook {ref} changed the metadata column(s) {', '.join(changed)}: they are not "
                        "the columns it received. A hook must pass _source_file, _record, _run_id and _ingested_at "
                        "through as they are (no alias, cast or toDF): add columns with withColumn/select, remove "
                        "rows with where/filter",
                        where=where)
    return out


def _attribute_ids(df: DataFrame) -> dict[str, int]:
    """Each output column's attribute id in Spark's analyzed plan. A column a hook passes through keeps its
    id (select, withColumn of other columns, where, joins, window functions); one it recomputes, casts,
    re-aliases or rebuilds (a literal, toDF, mapInPandas) gets a new one, so "untouched" is checked without
    a job. This catches mistakes, not malice: hook code runs with the job's own privileges."""
    output = df._jdf.queryExecution().analyzed().output()
    attrs = [output.apply(i) for i in range(output.size())]
    return {a.name(): int(a.exprId().id()) for a in attrs}


def dedupe(df: DataFrame, spec: Spec) -> DataFrame:
    """Keep the first row per key by ``order_by``, ties broken by ``_source_file`` then ``_record``
    (``semantics.dedupe_order_sql``)."""
    from pyspark.sql import functions as F

    if spec.dedupe is None:
        return df
    keys = ", ".join(ident(k) for k in spec.dedupe.keys)
    rank = F.expr(f"row_number() OVER (PARTITION BY {keys} ORDER BY {semantics.dedupe_order_sql(spec, 'spark')})")
    return df.withColumn("__lockgate_rank", rank).where("__lockgate_rank = 1").drop("__lockgate_rank")


def output_order(df: DataFrame, spec: Spec) -> DataFrame:
    """Spec columns, derived columns, hook columns, then the metadata columns."""
    first = list(spec.output_columns)
    hook_cols = [c for c in df.columns if c not in first and c not in METADATA_COLUMNS]
    return df.select(*[ident(c) for c in [*first, *hook_cols, *METADATA_COLUMNS]])
