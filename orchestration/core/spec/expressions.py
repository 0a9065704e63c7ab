"""Spark SQL expressions in specs: exactly one expression, nothing else.

Specs carry Spark SQL for derived columns, filters, checks and the dedupe order. The Glue engine runs
them natively; the Lambda engine runs ``to_duckdb``'s transpilation. This module decides what is
accepted, compiling every expression for both dialects: one expression, no statements, no subqueries,
only the functions of the allow-list in ``functions.py`` (none that read files, the environment or
settings), datetime patterns both engines parse alike, regular expressions both engines' regex
libraries read alike, and only known columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import cast

import sqlglot
from sqlglot import exp

from ..errors import SpecError
from .functions import function_problem
from .patterns import compile_pattern

__all__ = ["parse_expression", "parse_order_by", "referenced_columns", "ExpressionProblem"]

DIALECT = "spark"
# Functions whose second argument is a Spark datetime pattern, checked with the parser the casts use
# (sqlglot rewrites the pattern while parsing, so the literal is taken from the tokens).
_PATTERN_FUNCTIONS = frozenset({"to_date", "to_timestamp", "date_format", "unix_timestamp", "to_unix_timestamp",
                                "from_unixtime"})
_REGEX_FUNCS = (exp.RegexpExtract, exp.RegexpReplace, exp.RegexpLike)
# Java regex features RE2 (DuckDB) does not have: lookaround, backreferences, possessive quantifiers.
_RE2_UNSUPPORTED = re.compile(r"\\[1-9]|\(\?<?[=!]|[*+?}]\+")
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
            why = function_problem(node)
            if why:
                raise ExpressionProblem(f"{sql!r}: {why}")
            _check_arguments(sql, node)


def _pattern_literals(sql: str) -> list[str]:
    """The string literals passed as second argument to the datetime functions of _PATTERN_FUNCTIONS."""
    from sqlglot.tokens import TokenType

    out: list[str] = []
    calls: list[tuple[str, int]] = []  # (function name, arguments seen) per open parenthesis
    tokens = sqlglot.tokenize(sql, read=DIALECT)
    for i, tok in enumerate(tokens):
        if tok.token_type == TokenType.L_PAREN:
            name = tokens[i - 1].text.lower() if i > 0 else ""
            calls.append((name, 0))
        elif tok.token_type == TokenType.R_PAREN and calls:
            calls.pop()
        elif tok.token_type == TokenType.COMMA and calls:
            name, n = calls[-1]
            calls[-1] = (name, n + 1)
        elif (tok.token_type == TokenType.STRING and calls and calls[-1][0] in _PATTERN_FUNCTIONS
              and calls[-1][1] == 1 and tokens[i - 1].token_type == TokenType.COMMA):
            out.append(tok.text)
    return out


def _check_patterns(sql: str) -> None:
    for pattern in _pattern_literals(sql):
        try:
            compile_pattern(pattern)
        except SpecError as e:
            raise ExpressionProblem(f"{sql!r}: {e}") from None


def _check_arguments(sql: str, node: exp.Func) -> None:
    """Literal regular expressions that the two engines' regex libraries would read differently."""
    if isinstance(node, _REGEX_FUNCS):
        pattern = node.args.get("expression")
        if isinstance(pattern, exp.Literal) and pattern.is_string and _RE2_UNSUPPORTED.search(pattern.this):
            raise ExpressionProblem(f"{sql!r}: the regular expression {pattern.this!r} uses lookaround, a "
                                    "backreference or a possessive quantifier, which DuckDB's RE2 (Lambda engine) "
                                    "does not support; rewrite it without them")


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
    _check_patterns(sql)
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

