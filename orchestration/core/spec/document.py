"""Checks that read the spec document as written, so they run even when the schema has errors elsewhere.

Every expression (checks, derive, filter, dedupe order) is compiled for both dialects, datetime
patterns are parsed, names are compared against the columns (with a did-you-mean) and against the
reserved metadata names, and hook modules are looked up. Each check reads only the fields it needs and
skips values of the wrong shape (the schema reports those), so one pass reports every problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..errors import SpecError
from .expressions import ExpressionProblem, parse_expression, parse_order_by, referenced_columns
from .hooks import hook_problem
from .metadata import METADATA_COLUMNS, RESERVED_COLUMNS
from .patterns import compile_pattern
from .problems import Problem, did_you_mean
from .transpile import duckdb_problem

__all__ = ["document_problems", "RESERVED_COLUMNS"]

_ENGINE_PREFIX = "__"  # the engines' own SQL names (__src, __n0, __raw0, ...)


def _items(value: Any) -> Iterator[tuple[int, Any]]:
    return enumerate(value) if isinstance(value, list) else iter(())


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _reserved(name: Any, path: str, what: str) -> list[Problem]:
    if not isinstance(name, str):
        return []
    if name in RESERVED_COLUMNS:
        return [Problem(path, f"{what} {name!r} is a metadata column name, which Lockgate reserves (the engines "
                              f"fill {', '.join(RESERVED_COLUMNS)} themselves, so source data cannot forge "
                              "lineage); rename it")]
    if name.startswith(_ENGINE_PREFIX):
        return [Problem(path, f"{what} {name!r} starts with '__', which the engines reserve for their own "
                              "columns; rename it")]
    return []


def _unknown(names: set[str], known: list[str], what: str) -> str | None:
    missing = sorted(names - set(known) - set(METADATA_COLUMNS))
    if not missing:
        return None
    hints = "".join(did_you_mean(m, known) for m in missing[:1])
    return (f"{what} refers to unknown column(s) {', '.join(missing)}{hints}; known columns: "
            f"{', '.join(known)}")


def _expression(path: str, sql: Any, known: list[str], what: str) -> list[Problem]:
    if not isinstance(sql, str):
        return []
    try:
        tree = parse_expression(sql)
        msg = _unknown(referenced_columns([tree]), known, what)
    except ExpressionProblem as e:
        return [Problem(path, str(e))]
    if msg:
        return [Problem(path, msg)]
    problem = duckdb_problem(sql)
    return [Problem(path, problem)] if problem else []


def _member(path: str, name: Any, known: list[str], what: str) -> list[Problem]:
    if not isinstance(name, str) or name in known:
        return []
    return [Problem(path, f"{what} {name!r} is not a column{did_you_mean(name, known)}; known columns: "
                          f"{', '.join(known)}")]


def _derive_expr(value: Any) -> Any:
    """The expression of a derive entry: the short form is the text, the long form has ``expr``."""
    return value.get("expr") if isinstance(value, dict) else value


def document_problems(data: dict[str, Any], *, base: Path | None = None) -> list[Problem]:
    """Every problem of expressions, names, patterns and hooks in a parsed spec document. ``base``: the
    directory hook modules are looked up from besides ``sys.path`` (the project root)."""
    problems: list[Problem] = []
    columns = [c for _, c in _items(data.get("columns")) if isinstance(c, dict)]
    names = [c["name"] for c in columns if isinstance(c.get("name"), str)]
    seen: set[str] = set()
    for i, col in _items(data.get("columns")):
        if not isinstance(col, dict):
            continue
        name = col.get("name")
        problems += _reserved(name, f"columns[{i}].name", "column")
        if "source" in col:
            problems += _reserved(col["source"], f"columns[{i}].source", "source column")
        if isinstance(name, str):
            if name in seen:
                problems.append(Problem(f"columns[{i}].name", f"duplicate column name {name!r}; column names must "
                                                              "be unique"))
            seen.add(name)
        fmt = col.get("format")
        if isinstance(fmt, str):
            try:
                compile_pattern(fmt)
            except SpecError as e:
                problems.append(Problem(f"columns[{i}].format", str(e)))
        for j, check in _items(col.get("checks")):
            problems += _expression(f"columns[{i}].checks[{j}]", check, names, "this check")

    available = list(names)
    for key, value in _mapping(data.get("derive")).items():
        problems += _reserved(key, f"derive.{key}", "derived column")
        if key in available:
            problems.append(Problem(f"derive.{key}", f"{key!r} already exists; pick a new column name"))
        problems += _expression(f"derive.{key}", _derive_expr(value), available, "this expression")
        available.append(str(key))
    problems += _expression("filter", data.get("filter"), available, "the filter")

    dedupe = _mapping(data.get("dedupe"))
    for i, key in _items(dedupe.get("keys")):
        problems += _member(f"dedupe.keys[{i}]", key, available, "dedupe key")
    order_by = dedupe.get("order_by")
    if isinstance(order_by, str):
        try:
            msg = _unknown(referenced_columns(parse_order_by(order_by)), available, "order_by")
            problem = msg or duckdb_problem(f"SELECT 1 ORDER BY {order_by}")
            if problem:
                problems.append(Problem("dedupe.order_by", problem))
        except ExpressionProblem as e:
            problems.append(Problem("dedupe.order_by", str(e)))

    target = _mapping(data.get("target"))
    for i, part in _items(target.get("partition_by")):
        problems += _member(f"target.partition_by[{i}]", part, available, "partition column")

    for kind, ref in _mapping(data.get("hooks")).items():
        if isinstance(ref, str):
            problem = hook_problem(ref, base)
            if problem:
                problems.append(Problem(f"hooks.{kind}", problem))
    return problems
