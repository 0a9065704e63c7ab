"""Spec expressions (Spark SQL): DuckDB text through sqlglot, derive, filter and the dedupe order."""

from __future__ import annotations

from ..spec.derive_types import derive_types
from ..spec.models import Spec
from ..spec.transpile import to_duckdb
from .sql import Dialect, _ident, derive_sql_type

__all__ = ["to_duckdb", "derive_sql", "derive_columns", "filter_sql", "dedupe_order_sql"]


def derive_columns(spec: Spec, dialect: Dialect) -> list[tuple[str, str]]:
    """``(name, SQL)`` of each derived column in spec order: the expression cast to the column's fixed
    type (``derive_types``), so both engines store the same type whatever their own arithmetic
    gives. TRY_CAST: a value that does not fit the type is NULL, as with a non-ANSI Spark CAST."""
    out = []
    for name, glue_type in derive_types(spec).items():
        expr = spec.derive_expressions[name]
        e = expr if dialect == "spark" else to_duckdb(expr)
        out.append((name, f"TRY_CAST(({e}) AS {derive_sql_type(glue_type, dialect)})"))
    return out


def derive_sql(spec: Spec, relation: str, dialect: Dialect, *, guard: str | None = None) -> str:
    """SELECT adding the derived columns in spec order (each sees the ones before it), each cast to its
    fixed type. With ``guard`` (a boolean column), derived values are only computed where it is TRUE
    (NULL elsewhere)."""
    sql = f"SELECT * FROM {relation}"
    for name, e in derive_columns(spec, dialect):
        value = f"CASE WHEN {guard} THEN {e} END" if guard else e
        sql = f"SELECT *, {value} AS {_ident(name, dialect)} FROM ({sql}) AS __d"
    return sql


def filter_sql(spec: Spec, dialect: Dialect) -> str | None:
    """The filter as a condition that is TRUE exactly for kept rows (false and NULL drop)."""
    if spec.filter is None:
        return None
    e = spec.filter if dialect == "spark" else to_duckdb(spec.filter)
    return f"coalesce(({e}), FALSE)"


def dedupe_order_sql(spec: Spec, dialect: Dialect) -> str:
    """The ORDER BY list choosing the kept row per key: the spec's order_by (NULLs as Spark sorts them:
    first for ASC, last for DESC) then ``_source_file``, ``_record``."""
    assert spec.dedupe is not None
    tail = "_source_file, _record"
    if not spec.dedupe.order_by:
        return tail
    if dialect == "spark":
        return f"{spec.dedupe.order_by}, {tail}"
    select = to_duckdb(f"SELECT 1 ORDER BY {spec.dedupe.order_by}")
    return select.split(" ORDER BY ", 1)[1] + ", " + tail
