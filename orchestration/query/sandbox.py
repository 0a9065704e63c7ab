"""The DuckDB connection a local query runs in, shut in by DuckDB's own settings.

``sandboxed(files)`` opens an in-memory DuckDB that can read exactly ``files`` (the Parquet files of
the catalog tables the query names) and nothing else, then locks its configuration:

- ``allowed_paths`` = those files; ``enable_external_access = false``: no other file, directory, URL or
  database can be read, listed, attached, exported or written (``read_text('/etc/passwd')``, ``COPY ...
  TO``, ``ATTACH``, ``EXPORT DATABASE``, ``https://...`` all fail with DuckDB's Permission Error);
- ``autoinstall_known_extensions`` / ``autoload_known_extensions`` / ``allow_community_extensions`` =
  false: no extension (``httpfs``, ...) is installed or loaded behind the query's back;
- ``lock_configuration = true``: ``SET``, ``RESET`` and ``PRAGMA`` cannot undo any of it.

``allowed_paths`` still lets DuckDB *write* an allowed file (``COPY ... TO`` with ``use_tmp_file
false``), which is why the statement is checked twice as well: by sqlglot (``guard``) and by DuckDB's
own parser (``check_statement``: one statement, of type SELECT).
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from .result import QueryError

__all__ = ["sandboxed", "check_statement", "sql_string"]

_CONNECT_CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
                   "allow_community_extensions": "false", "allow_unsigned_extensions": "false",
                   "allow_persistent_secrets": "false"}


def sql_string(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sandboxed(files: Iterable[str]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that may read only ``files`` and whose configuration is locked."""
    con = duckdb.connect(config=dict(_CONNECT_CONFIG))
    allowed = sorted(set(files))
    if allowed:
        con.execute(f"SET allowed_paths = [{', '.join(sql_string(f) for f in allowed)}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def check_statement(con: duckdb.DuckDBPyConnection, sql: str, *,
                    allowed: tuple[duckdb.StatementType, ...] = (duckdb.StatementType.SELECT,)) -> None:
    """DuckDB's own reading of ``sql``: exactly one statement of an allowed type, else QueryError."""
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as e:
        raise QueryError(f"DuckDB does not parse the transpiled query: {str(e).splitlines()[0][:200]}") from None
    if len(statements) != 1:
        raise QueryError(f"expected one SQL statement, DuckDB reads {len(statements)}; run them one at a time")
    kind = statements[0].type
    if kind not in allowed:
        raise QueryError(f"DuckDB reads a {kind.name} statement; lockgate query runs read-only statements only")
