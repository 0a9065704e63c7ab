"""The local Athena stand-in: DuckDB over the local catalog.

For every ``database.table`` a query names, a DuckDB view ``"database"."table"`` is created over the
table's Parquet files: for a partitioned table only the files under the partitions registered in the
catalog (Athena sees nothing else), for an unpartitioned one every file under the location. Files
the crawler excludes (``crawlers.settings.BASE_EXCLUSIONS``) and hidden files (``_x``, ``.x``, as Hive
and Athena skip them) are left out. The files are read with ``hive_partitioning=true`` and the
partition key types from the catalog (``hive_types``), so a filter on a partition column prunes files;
columns take the catalog's types (a column missing from older files reads as NULL).

The SQL is Athena's (Trino dialect), transpiled with ``sqlglot`` (``read="trino"``, ``write="duckdb"``).
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from crawlers.footers import excluded, lake_path
from crawlers.local_catalog import LocalCatalog
from crawlers.settings import BASE_EXCLUSIONS
from orchestration.core.types import glue_to_duckdb

from .result import QueryError, QueryResult

__all__ = ["local_query", "transpile", "connect", "table_files"]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def transpile(sql: str) -> tuple[str, list[tuple[str, str]]]:
    """Athena (Trino) SQL -> DuckDB SQL, and the ``(database, table)`` pairs it reads."""
    try:
        trees = [t for t in sqlglot.parse(sql, read="trino") if t is not None]
    except sqlglot.errors.ParseError as e:
        first = e.errors[0] if e.errors else {}
        where = f" (line {first.get('line')}, column {first.get('col')})" if first.get("line") else ""
        raise QueryError(f"SQL does not parse{where}: {first.get('description') or e}") from None
    if len(trees) != 1:
        raise QueryError(f"expected one SQL statement, got {len(trees)}; run them one at a time")
    tree = trees[0]
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables: list[tuple[str, str]] = []
    for t in tree.find_all(exp.Table):
        if not t.name or (not t.db and t.name in ctes):
            continue
        if t.catalog and t.catalog.lower() == "awsdatacatalog":
            t.set("catalog", None)
        pair = (t.db, t.name)
        if pair not in tables:
            tables.append(pair)
    _name_like_athena(tree)
    return tree.sql(dialect="duckdb"), tables


def _name_like_athena(tree: exp.Expr) -> None:
    """Unnamed result columns are ``_col0``, ``_col1``... (by position), as Athena names them."""
    if not isinstance(tree, exp.Select):
        return
    for i, e in enumerate(list(tree.expressions)):
        if not isinstance(e, exp.Alias | exp.Column | exp.Star):
            e.replace(exp.alias_(e.copy(), f"_col{i}"))


def _visible(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return not name.startswith(("_", ".")) and not excluded(relative, BASE_EXCLUSIONS)


def _files_under(lake: Path, uri: str) -> list[str]:
    root = lake_path(lake, uri)
    if not root.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(("_", ".")))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if _visible(rel):
                out.append(str(Path(dirpath) / name))
    return out


def table_files(lake: Path, catalog: LocalCatalog, database: str, table: dict[str, Any]) -> list[str]:
    """The files Athena would read for ``table``: registered partitions only when partitioned."""
    if table.get("PartitionKeys"):
        files: list[str] = []
        for p in catalog.get_partitions(database, table["Name"]):
            files += _files_under(lake, p["StorageDescriptor"]["Location"])
        return files
    return _files_under(lake, table["StorageDescriptor"]["Location"])


def _view_sql(con: duckdb.DuckDBPyConnection, lake: Path, catalog: LocalCatalog, database: str,
              table: dict[str, Any]) -> str:
    columns = [(c["Name"], glue_to_duckdb(c["Type"])) for c in table["StorageDescriptor"].get("Columns", [])]
    keys = [(k["Name"], glue_to_duckdb(k["Type"])) for k in table.get("PartitionKeys", [])]
    files = table_files(lake, catalog, database, table)
    if not files:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {_q(n)}" for n, t in columns + keys)
        return f"SELECT {nulls} WHERE false"
    hive_types = "{" + ", ".join(f"'{n}': '{t}'" for n, t in keys) + "}"
    source = (f"read_parquet({[str(f) for f in files]!r}, hive_partitioning = {'true' if keys else 'false'}, "
              f"union_by_name = true{', hive_types = ' + hive_types if keys else ''})")
    present = {r[0].lower() for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
    select = [f"CAST({_q(n)} AS {t}) AS {_q(n)}" if n.lower() in present else f"CAST(NULL AS {t}) AS {_q(n)}"
              for n, t in columns]
    select += [_q(n) for n, _ in keys]  # typed by hive_types; left bare so filters prune files
    return f"SELECT {', '.join(select)} FROM {source}"


def _view_sql_text(table: dict[str, Any]) -> str | None:
    """The Athena SQL of a catalog view (``VIRTUAL_VIEW`` with a Presto ``ViewOriginalText``), else None."""
    if table.get("TableType") != "VIRTUAL_VIEW":
        return None
    match = re.fullmatch(r"/\* Presto View: (\S+) \*/", str(table.get("ViewOriginalText", "")).strip())
    if match is None:
        raise QueryError(f"view {table.get('DatabaseName')}.{table.get('Name')} is not an Athena view "
                         "(its ViewOriginalText is not '/* Presto View: ... */')")
    return str(json.loads(base64.b64decode(match.group(1)))["originalSql"])


def _register(con: duckdb.DuckDBPyConnection, root: Path, catalog: LocalCatalog, database: str, name: str,
              known: list[str], done: set[tuple[str, str]]) -> None:
    """Create the DuckDB view for catalog table ``database.name`` (and, for a catalog view, the tables
    its SQL reads, first)."""
    if (database, name) in done:
        return
    table = catalog.get_table(database, name)
    if table is None:
        raise QueryError(f"table {database}.{name} is not in the local catalog at {catalog.root}; known: "
                         f"{', '.join(known) or 'none'} (run the import locally so its crawler or commit "
                         "registers the table)")
    done.add((database, name))
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(database)}")
    athena_sql = _view_sql_text(table)
    if athena_sql is None:
        con.execute(f"CREATE VIEW {_q(database)}.{_q(name)} AS {_view_sql(con, root, catalog, database, table)}")
        return
    duck_sql, reads = transpile(athena_sql)
    for db, inner in reads:
        _register(con, root, catalog, db or database, inner, known, done)
    con.execute(f"CREATE VIEW {_q(database)}.{_q(name)} AS {duck_sql}")


def connect(lake: str | os.PathLike[str], tables: list[tuple[str, str]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a schema per database and a view per requested table (catalog views,
    such as ``<table>_quarantine``, become DuckDB views over the tables they read)."""
    root = Path(lake)
    catalog = LocalCatalog(root)
    con = duckdb.connect()
    known = [f"{d}.{t}" for d in catalog.list_databases() for t in catalog.list_tables(d)]
    done: set[tuple[str, str]] = set()
    for database, name in tables:
        if not database:
            hint = [k for k in known if k.endswith("." + name)]
            raise QueryError(f"table {name!r} has no database; write it as database.table"
                             + (f" (e.g. {hint[0]})" if hint else ""))
        _register(con, root, catalog, database, name, known, done)
    return con


def _one_line(e: Exception) -> str:
    text = str(e).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " ".join(lines[:3]) if lines else type(e).__name__


def local_query(lake: str | os.PathLike[str], sql: str, *, explain_analyze: bool = False) -> QueryResult:
    """Run Athena SQL over the local lake. ``explain_analyze`` returns DuckDB's profile instead (one row,
    the plan text, which shows the files each scan read)."""
    duck_sql, tables = transpile(sql)
    try:
        con = connect(lake, tables)
        cursor = con.execute(("EXPLAIN ANALYZE " if explain_analyze else "") + duck_sql)
        columns = [d[0] for d in cursor.description or []]
        rows = [tuple(r) for r in cursor.fetchall()]
    except duckdb.Error as e:
        raise QueryError(_one_line(e)) from None
    return QueryResult(columns=columns, rows=rows, engine="duckdb", executed_sql=duck_sql)
