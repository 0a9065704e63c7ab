"""The Glue engine holds a ``spark`` hook to the same rule as an ``arrow`` hook (docs/hooks.md): every
column it received, with its type, and the metadata columns passed through untouched (no Spark job runs)."""

from __future__ import annotations

import pytest

from glue_jobs.engine.transform import apply_hook
from orchestration.core.errors import DataError
from orchestration.core.semantics import derive_sql_type, output_schema
from tests.glue.spark import spec_of

pytestmark = pytest.mark.spark

RAW = {"columns": [{"name": "id", "type": "int"}, {"name": "name", "type": "string"},
                   {"name": "amount", "type": "decimal(12,2)"}],
       "derive": {"name_len": "length(name)"}}


def _frame(spark, hook: str):  # type: ignore[no-untyped-def]
    spec = spec_of({**RAW, "hooks": {"spark": f"tests.glue.hooks:{hook}"}})
    schema = ", ".join(f"`{n}` {derive_sql_type(t, 'spark')}" for n, t in output_schema(spec))
    return spec, spark.createDataFrame([], schema)


def test_a_hook_that_adds_columns_and_removes_rows_passes(spark) -> None:
    spec, df = _frame(spark, "keep")
    with pytest.raises(DataError, match="dropped column 'name_len'"):
        apply_hook(df, spec)  # dropping a derived column is refused too
    spec = spec_of({**RAW, "derive": {}, "hooks": {"spark": "tests.glue.hooks:keep"}})
    schema = ", ".join(f"`{n}` {derive_sql_type(t, 'spark')}" for n, t in output_schema(spec))
    out = apply_hook(spark.createDataFrame([], schema), spec)
    assert "rank" in out.columns


@pytest.mark.parametrize(("hook", "message"), [
    ("amount_as_text", "the spark hook tests.glue.hooks:amount_as_text returned column 'amount' as string, "
                       "but its type is decimal(12,2)"),
    ("forge_run_id", "changed the metadata column(s) _run_id"),
    ("rebuilt", "changed the metadata column(s) _source_file, _record, _run_id, _ingested_at"),
])
def test_a_hook_that_breaks_the_rule_is_refused_naming_hook_and_column(spark, hook: str, message: str) -> None:
    spec, df = _frame(spark, hook)
    with pytest.raises(DataError) as info:
        apply_hook(df, spec)
    assert message in str(info.value)
    assert info.value.where == "t: hooks.spark"
