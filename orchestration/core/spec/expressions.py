"""Spark SQL expressions in specs: exactly one expression, nothing else.

Specs carry Spark SQL for derived columns, filters, checks and the dedupe order. The Glue engine runs
them natively; the Lambda engine transpiles them to DuckDB with sqlglot. This module decides what is
accepted: one expression, no statements, no subqueries, no functions that reach outside the row
(``reflect``/``java_method`` would run arbitrary JVM code on Glue), and only known columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import cast

import sqlglot
from sqlglot import exp

__all__ = ["parse_expression", "parse_order_by", "referenced_columns", "ExpressionProblem"]

DIALECT = "spark"
# Functions that escape the row: JVM reflection, UDF calls by class name, non-deterministic or
# environment-reading functions that would make the two engines disagree.
_FORBIDDEN_FUNCTIONS = frozenset(
    {"reflect", "java_method", "try_reflect", "input_file_name", "input_file_block_start",
     "input_file_block_length", "current_user", "user", "session_user", "spark_partition_id",
     "monotonically_increasing_id", "rand", "randn", "random", "uuid", "shuffle", "current_catalog",
     "current_database", "current_schema", "version"}
)
_FORBIDDEN_NODES: tuple[type, ...] = (
    exp.Query, exp.Subquery, exp.Create, exp.Drop, exp.Insert, exp.Update, exp.Delete, exp.Merge,
    exp.Command, exp.Alter, exp.Use, exp.Set, exp.Window,
)


class ExpressionProblem(ValueError):
    """An expression the spec may not contain; the message says what to write instead."""


@lru_cache(maxsize=1024)
def _parse_all(sql: str) -> tuple[exp.Expression | None, ...]:
    try:
        return tuple(cast("list[exp.Expression | None]", sqlglot.parse(sql, read=DIALECT)))
    except sqlglot.errors.ParseError as e:
        first = e.errors[0]["description"] if e.errors else str(e)
        raise ExpressionProblem(f"{sql!r} is not valid Spark SQL: {first}") from None


def _check_tree(sql: str, tree: exp.Expression) -> None:
    for node in tree.walk():
        if isinstance(node, _FORBIDDEN_NODES):
            what = "a window function" if isinstance(node, exp.Window) else f"a {node.key.upper()} clause"
            raise ExpressionProblem(f"{sql!r} contains {what}; only a single row-level expression is allowed")
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name in _FORBIDDEN_FUNCTIONS:
                raise ExpressionProblem(f"{sql!r} calls {name}(), which is not allowed in spec expressions")
        if isinstance(node, exp.AggFunc):
            raise ExpressionProblem(f"{sql!r} uses the aggregate {node.sql_name().lower()}(); "
                                    "expressions are evaluated per row")


def parse_expression(sql: str) -> exp.Expression:
    """Parse one Spark SQL expression, or raise ExpressionProblem saying why it is not one."""
    if not isinstance(sql, str) or not sql.strip():
        raise ExpressionProblem("an expression may not be empty")
    if ";" in sql.replace("';'", "") and len([s for s in _parse_all(sql) if s is not None]) != 1:
        raise ExpressionProblem(f"{sql!r} contains ';'; write exactly one expression")
    trees = [t for t in _parse_all(sql) if t is not None]
    if len(trees) != 1:
        raise ExpressionProblem(f"{sql!r} must be exactly one expression, found {len(trees)} statements")
    tree = trees[0]
    if isinstance(tree, exp.Alias):
        raise ExpressionProblem(f"{sql!r} has an alias; the column name comes from the spec key")
    _check_tree(sql, tree)
    return tree


def parse_order_by(sql: str) -> list[exp.Ordered]:
    """Parse a dedupe ``order_by`` such as ``ordered_at DESC, id``: a list of ordered expressions."""
    if not isinstance(sql, str) or not sql.strip() or ";" in sql:
        raise ExpressionProblem(f"{sql!r} must be a list like 'col DESC, other ASC' without ';'")
    try:
        stmt = sqlglot.parse_one(f"SELECT 1 ORDER BY {sql}", read=DIALECT)
    except sqlglot.errors.ParseError:
        raise ExpressionProblem(f"{sql!r} is not a valid ORDER BY list, e.g. 'ordered_at DESC, id'") from None
    order = stmt.args.get("order") if isinstance(stmt, exp.Select) else None
    extras = {k for k, v in stmt.args.items() if v and k not in ("expressions", "order")}
    if order is None or extras:
        raise ExpressionProblem(f"{sql!r} is not a plain ORDER BY list, e.g. 'ordered_at DESC, id'")
    items = list(order.expressions)
    for item in items:
        _check_tree(sql, item)
    return items


def referenced_columns(trees: Iterable[exp.Expression]) -> set[str]:
    """Column names an expression reads (lambda parameters excluded)."""
    names: set[str] = set()
    for tree in trees:
        lambda_params = {p.name for lam in tree.find_all(exp.Lambda) for p in lam.expressions}
        for col in tree.find_all(exp.Column):
            if col.table:
                raise ExpressionProblem(f"column {col.sql(dialect=DIALECT)!r} is qualified; use the bare name")
            if col.name not in lambda_params:
                names.add(col.name)
    return names
