"""Rules that relate fields of a structurally valid spec to each other, each with its exact field path.

Rules that read only the document as written (expressions, names, patterns, hooks) live in
``document.py`` and run even when the schema has errors; these need the validated model.
"""

from __future__ import annotations

from .locations import own_location_problems
from .models import CsvOptions, Spec
from .problems import Problem
from .uris import placeholders_in

__all__ = ["Problem", "check_spec"]


def check_spec(spec: Spec) -> list[Problem]:
    """All cross-field problems of a structurally valid spec that ``document_problems`` does not cover."""
    problems: list[Problem] = []
    for i, col in enumerate(spec.columns):
        if col.format is not None and not col.column_type.is_temporal:
            problems.append(Problem(f"columns[{i}].format", f"format only applies to date and timestamp columns, not {col.type}"))
    sources = [c.source_name for c in spec.columns]
    for i, col in enumerate(spec.columns):
        if sources.count(col.source_name) > 1 and sources.index(col.source_name) != i:
            problems.append(Problem(f"columns[{i}].source", f"source column {col.source_name!r} is mapped twice"))
    available = spec.output_columns
    if len(spec.target.partition_by) >= len(available):
        problems.append(Problem("target.partition_by", "every column is a partition column; keep at least one data column"))
    if spec.source.format != "csv" and spec.source.csv != CsvOptions():
        problems.append(Problem("source.csv", f"csv options only apply to format csv, not {spec.source.format}"))
    problems += own_location_problems(spec)
    if spec.target.mode == "overwrite_partitions" and not spec.target.partition_by and placeholders_in(spec.source.uri):
        problems.append(Problem("target.mode", "overwrite_partitions on an unpartitioned table replaces the whole "
                                "table with each window's rows, while source.uri names one window per run; use "
                                "mode replace_window (replaces only the window's rows) or partition the table"))
    if spec.routing.engine == "lambda" and spec.spark_dependent:
        problems.append(Problem("routing.engine", "this spec's only hook is spark, so it can only run on glue; set engine: glue or auto"))
    return problems
