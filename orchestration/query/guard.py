"""What ``lockgate query`` accepts: one read-only statement over catalog tables (both engines).

``read_only_statement(sql)`` parses Athena SQL (Trino dialect) and returns its one statement, or raises
``QueryError`` saying what is refused and why. Accepted: ``SELECT`` (with ``WITH``, set operations,
subqueries, ``UNNEST``), ``VALUES``, ``DESCRIBE`` and ``SHOW``. Refused: more than one statement (a
comment cannot hide a second one: comments are dropped before the SQL is rendered for an engine),
anything that writes or changes state (``COPY``, ``INSERT``, ``CREATE``, ``SELECT ... INTO``, ``SET``,
``PRAGMA``, ``CALL``, ``ATTACH``, ``EXPORT``, ``INSTALL``, ``LOAD``, ...), table functions in ``FROM``
(``read_text('/etc/passwd')``, ``read_parquet(...)``, ``query(...)``: tables are named
``database.table``, never as files or URLs) and DuckDB's own file and settings functions.

This is the first of two walls. Locally the second is DuckDB's own configuration
(``orchestration.query.local``); on AWS it is the Athena workgroup and the caller's IAM policy.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from .result import QueryError

__all__ = ["MAX_SQL_BYTES", "read_only_statement", "is_show", "strip_comments"]

MAX_SQL_BYTES = 262_144
"""Athena's own limit on a query string."""

_READ_ONLY = (exp.Select, exp.SetOperation, exp.Values, exp.Describe)
_WRITES = tuple(getattr(exp, name) for name in (
    "Copy", "Insert", "Update", "Delete", "Merge", "Create", "Drop", "Alter", "Set", "Pragma", "Use",
    "Transaction", "Commit", "Rollback", "Into", "Command", "LoadData", "Cache", "Uncache", "Refresh",
    "Attach", "Detach", "Export", "Install") if hasattr(exp, name))
_DUCKDB_ONLY = frozenset({
    "read_text", "read_blob", "read_csv", "read_csv_auto", "read_json", "read_json_auto", "read_json_objects",
    "read_ndjson", "read_ndjson_auto", "read_ndjson_objects", "read_parquet", "parquet_scan", "parquet_metadata",
    "parquet_schema", "parquet_file_metadata", "parquet_kv_metadata", "parquet_bloom_probe", "sniff_csv", "glob",
    "query", "query_table", "getenv", "current_setting", "which_secret", "read_xlsx", "iceberg_scan", "delta_scan",
    "sqlite_scan", "postgres_scan", "mysql_scan", "json_execute_serialized_sql", "enable_logging"})
_DUCKDB_PREFIXES = ("duckdb_", "pragma_", "read_", "iceberg_", "delta_", "st_read")


def strip_comments(tree: exp.Expr) -> exp.Expr:
    """Drop every comment, so the SQL rendered from ``tree`` is exactly the statement that was checked
    (sqlglot renders ``-- a */ ...`` as ``/* a */ ... */``, which would end the comment early)."""
    for node in tree.walk():
        node.comments = None
    return tree


def is_show(tree: exp.Expr) -> bool:
    """``SHOW ...``: sqlglot's Trino reader keeps it as a command."""
    return isinstance(tree, exp.Command) and str(tree.this).upper() == "SHOW"


def _function_name(node: exp.Func) -> str:
    return (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()


def _check_tree(tree: exp.Expr) -> None:
    for node in tree.walk():
        if (node is not tree and isinstance(node, _WRITES)) or isinstance(node, exp.Into):
            raise QueryError(f"{node.key.upper()} is not allowed inside a query: lockgate query only reads tables")
        if isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier):
            raise QueryError(f"table functions are not allowed ({node.this.sql(dialect='trino')[:80]}); name a "
                             "catalog table as database.table")
        if isinstance(node, exp.Func):
            name = _function_name(node)
            if name in _DUCKDB_ONLY or name.startswith(_DUCKDB_PREFIXES):
                raise QueryError(f"function {name}() is not allowed: queries read catalog tables only, never files, "
                                 "URLs or engine settings")


def read_only_statement(sql: str) -> exp.Expr:
    """The one read-only statement of ``sql`` (comments removed), or QueryError naming what is refused."""
    size = len(sql.encode("utf-8", "replace"))
    if size > MAX_SQL_BYTES:
        raise QueryError(f"the query is {size:,} bytes; Athena and lockgate accept at most {MAX_SQL_BYTES:,}")
    try:
        trees = [t for t in sqlglot.parse(sql, read="trino") if t is not None]
    except sqlglot.errors.ParseError as e:
        first = e.errors[0] if e.errors else {}
        where = f" (line {first.get('line')}, column {first.get('col')})" if first.get("line") else ""
        raise QueryError(f"SQL does not parse{where}: {str(first.get('description') or e)[:200]}") from None
    except sqlglot.errors.SqlglotError as e:
        raise QueryError(f"SQL does not parse: {str(e)[:200]}") from None
    if len(trees) != 1:
        raise QueryError(f"expected one SQL statement, got {len(trees)}; run them one at a time")
    tree = trees[0]
    if is_show(tree):
        return tree
    if not isinstance(tree, _READ_ONLY):
        what = tree.key.upper()
        if isinstance(tree, exp.Command | exp.Alias | exp.Column | exp.Identifier):
            what = (str(tree.this) if isinstance(tree, exp.Command) else sql.split(maxsplit=1)[0]).upper()[:40]
        raise QueryError(f"{what} statements are not allowed: lockgate query runs one SELECT, WITH, VALUES, SHOW "
                         "or DESCRIBE over the catalog's tables")
    _check_tree(tree)
    return strip_comments(tree)
