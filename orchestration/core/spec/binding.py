"""Binding every expression in DuckDB over the spec's typed columns: what the Lambda engine would reject.

The Lambda engine runs ``to_duckdb(expression)`` over a relation whose columns have the spec's types
(then the derived columns in order). DuckDB binds a query without running it, so binding the same
expressions over an empty relation of those types finds, at ``validate``, every type error the engine
would raise at run time (``upper(amount)`` on a decimal, ``status > 1`` on text, which Spark casts
implicitly and DuckDB refuses). Only runs where DuckDB is installed (the CLI); the engines never
validate specs.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from .models import Spec
from .problems import Problem
from .transpile import to_duckdb
from .types import ColumnType

__all__ = ["duckdb_binding_problems"]

_METADATA = (('"_source_file"', "VARCHAR"), ('"_record"', "BIGINT"), ('"_run_id"', "VARCHAR"),
             ('"_ingested_at"', "TIMESTAMP"))


def _type(ct: ColumnType) -> str:
    return {"string": "VARCHAR", "int": "INTEGER", "decimal": f"DECIMAL({ct.precision},{ct.scale})"}.get(
        ct.name, ct.name.upper())


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _expr(value: Any) -> str | None:
    """The expression of a derive entry (short form: the text; long form: its ``expr``)."""
    if isinstance(value, str):
        return value
    expr = getattr(value, "expr", None) if not isinstance(value, dict) else value.get("expr")
    return expr if isinstance(expr, str) else None


def _message(sql: str, error: Exception) -> str:
    first = str(error).splitlines()[0]
    first = re.sub(r"^\w+ Error: ", "", first)
    return (f"{sql!r} would fail in the Lambda engine (DuckDB): {first}; add an explicit CAST so both engines "
            "read the value the same way")


_LOCK = threading.Lock()


@cache
def _connection() -> Any:
    """One in-memory DuckDB connection for binding (connecting costs 30 ms; binding well under 1 ms). It is
    closed at exit, while the interpreter still runs: left to the process's end, the database's threads met
    the C++ runtime's teardown, and a `lockgate report` that had printed its output was once aborted
    (``terminate called without an active exception``)."""
    import atexit

    import duckdb

    con = duckdb.connect()
    atexit.register(con.close)
    return con


def duckdb_binding_problems(spec: Spec, skip: frozenset[str] | set[str] = frozenset()) -> list[Problem]:
    """Problems of the expressions of a valid spec that DuckDB cannot bind; fields in ``skip`` (already
    reported) are left out. Empty when DuckDB is not installed."""
    try:
        import duckdb
    except ImportError:
        return []
    from sqlglot.errors import SqlglotError

    problems: list[Problem] = []
    with _LOCK:
        con = _connection()
        cols = [f"CAST(NULL AS {_type(c.column_type)}) AS {_ident(c.name)}" for c in spec.columns]
        cols += [f"CAST(NULL AS {t}) AS {n}" for n, t in _METADATA]
        relation = f"(SELECT {', '.join(cols)}) AS __t"

        def bind(path: str, sql: str, query: Callable[[], str]) -> str | None:
            """The bound query, or None when it does not bind (reported) or was already reported."""
            if path in skip:
                return None
            try:
                text = query()
                con.sql(text)
            except duckdb.Error as e:
                problems.append(Problem(path, _message(sql, e)))
                return None
            except (ValueError, SqlglotError):  # does not translate: the document checks report it
                return None
            return text

        def select(relation: str, expr: str, alias: str | None = None) -> Callable[[], str]:
            """``SELECT [*,] (expr) [AS alias] FROM relation``, translated when called."""
            head = "*, " if alias else ""
            tail = f" AS {_ident(alias)}" if alias else ""
            return lambda: f"SELECT {head}({to_duckdb(expr)}){tail} FROM {relation}"

        for i, col in enumerate(spec.columns):
            for j, check in enumerate(col.checks):
                bind(f"columns[{i}].checks[{j}]", check, select(relation, check))
        for name, value in spec.derive.items():
            sql = _expr(value)
            if sql is None:
                continue
            bound = bind(f"derive.{name}", sql, select(relation, sql, name))
            relation = f"({bound}) AS __d" if bound else f"(SELECT *, NULL AS {_ident(name)} FROM {relation}) AS __d"
        where = spec.filter
        if where is not None:
            bind("filter", where, lambda: f"SELECT * FROM {relation} WHERE coalesce(({to_duckdb(where)}), FALSE)")
        order_by = spec.dedupe.order_by if spec.dedupe is not None else None
        if order_by:
            def ordered() -> str:
                order = to_duckdb(f"SELECT 1 ORDER BY {order_by}").split(" ORDER BY ", 1)[1]
                return f"SELECT * FROM {relation} ORDER BY {order}"

            bind("dedupe.order_by", order_by, ordered)
    return problems
