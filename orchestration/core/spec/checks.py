"""Rules that relate spec fields to each other, each reported with its exact field path."""

from __future__ import annotations

from .derive_types import derive_type_problems
from .expressions import ExpressionProblem, parse_expression, parse_order_by, referenced_columns
from .locations import own_location_problems
from .models import CsvOptions, Spec
from .problems import Problem
from .uris import placeholders_in

__all__ = ["Problem", "check_spec"]

_METADATA = ("_source_file", "_record", "_run_id", "_ingested_at")


def _unknown(names: set[str], known: list[str], what: str) -> str | None:
    missing = sorted(names - set(known) - set(_METADATA))
    if not missing:
        return None
    return f"{what} refers to unknown column(s) {', '.join(missing)}; known columns: {', '.join(known)}"


def check_spec(spec: Spec) -> list[Problem]:
    """All cross-field problems of a structurally valid spec."""
    problems: list[Problem] = []
    names = [c.name for c in spec.columns]
    seen: set[str] = set()
    for i, col in enumerate(spec.columns):
        if col.name in seen:
            problems.append(Problem(f"columns[{i}].name", f"duplicate column name {col.name!r}; column names must be unique"))
        seen.add(col.name)
        if col.format is not None and not col.column_type.is_temporal:
            problems.append(Problem(f"columns[{i}].format", f"format only applies to date and timestamp columns, not {col.type}"))
        for j, check in enumerate(col.checks):
            problems += _expr(f"columns[{i}].checks[{j}]", check, names, "this check")
    sources = [c.source_name for c in spec.columns]
    for i, col in enumerate(spec.columns):
        if sources.count(col.source_name) > 1 and sources.index(col.source_name) != i:
            problems.append(Problem(f"columns[{i}].source", f"source column {col.source_name!r} is mapped twice"))

    available = list(names)
    for key, sql in spec.derive_expressions.items():
        if key in available:
            problems.append(Problem(f"derive.{key}", f"{key!r} already exists; pick a new column name"))
        problems += _expr(f"derive.{key}", sql, available, "this expression")
        available.append(key)
    problems += derive_type_problems(spec)
    if spec.filter is not None:
        problems += _expr("filter", spec.filter, available, "the filter")
    if spec.dedupe is not None:
        for i, key in enumerate(spec.dedupe.keys):
            if key not in available:
                problems.append(Problem(f"dedupe.keys[{i}]", f"dedupe key {key!r} is not a column; known columns: {', '.join(available)}"))
        if spec.dedupe.order_by is not None:
            try:
                msg = _unknown(referenced_columns(parse_order_by(spec.dedupe.order_by)), available, "order_by")
                if msg:
                    problems.append(Problem("dedupe.order_by", msg))
            except ExpressionProblem as e:
                problems.append(Problem("dedupe.order_by", str(e)))
    for i, part in enumerate(spec.target.partition_by):
        if part not in available:
            problems.append(Problem(f"target.partition_by[{i}]", f"partition column {part!r} is not a column; known columns: {', '.join(available)}"))
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


def _expr(path: str, sql: str, known: list[str], what: str) -> list[Problem]:
    try:
        tree = parse_expression(sql)
        msg = _unknown(referenced_columns([tree]), known, what)
    except ExpressionProblem as e:
        return [Problem(path, str(e))]
    return [Problem(path, msg)] if msg else []
