"""The local Athena stand-in: DuckDB over the local catalog.

For every ``database.table`` a query names, a DuckDB view ``"database"."table"`` is created over the
table's Parquet files: for a partitioned table only the files under the partitions registered in the
catalog (Athena sees nothing else), for an unpartitioned one every file under the location. Files
the crawler excludes (``crawlers.settings.BASE_EXCLUSIONS``) and hidden files (``_x``, ``.x``, as Hive
and Athena skip them) are left out. The files are read with ``hive_partitioning=true`` and the
partition key types from the catalog (``hive_types``), so a filter on a partition column prunes files;
columns take the catalog's types (a column missing from older files reads as NULL).

The SQL is Athena's (Trino dialect), transpiled with ``sqlglot`` (``read="trino"``, ``write="duckdb"``).
Only one read-only statement over catalog tables is accepted (``guard``); ``SHOW`` is answered from the
catalog (``show``); everything else runs in a DuckDB that can read only the named tables' files, with
its configuration locked before the first view is created (``sandbox``). Catalog locations resolve
through the local lake (``LocalLake.path``), and a file whose symbolic link leads out of the lake is
refused.
"""

from __future__ import annotations

import base64
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from crawlers.footers import excluded
from crawlers.local_catalog import LocalCatalog
from crawlers.settings import BASE_EXCLUSIONS
from orchestration.core.errors import LockgateError
from orchestration.core.storage.local import LocalLake
from orchestration.core.types import glue_to_duckdb

from .guard import is_show, read_only_statement
from .result import QueryError, QueryResult
from .sandbox import check_statement, sandboxed, sql_string
from .show import NAME, show

__all__ = ["local_query", "transpile", "connect", "table_files"]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tree(sql: str) -> exp.Expr:
    tree = read_only_statement(sql)
    if is_show(tree):
        raise QueryError("SHOW cannot be used inside a view or run through DuckDB; run it on its own")
    return tree


def transpile(sql: str) -> tuple[str, list[tuple[str, str]]]:
    """Athena (Trino) SQL -> DuckDB SQL, and the ``(database, table)`` pairs it reads. Only one
    read-only statement is accepted (``orchestration.query.guard``)."""
    tree = _tree(sql)
    tables: list[tuple[str, str]] = []
    for t in tree.find_all(exp.Table):
        if not t.name or (not t.db and _cte_in_scope(t)):
            continue
        if t.catalog and t.catalog.lower() == "awsdatacatalog":
            t.set("catalog", None)
        if t.catalog:
            raise QueryError(f"catalog {t.catalog!r} is not known; name tables database.table "
                             "(or awsdatacatalog.database.table)")
        for part in (t.db, t.name):
            if part and not NAME.match(part):
                raise QueryError(f"{part!r} is not a catalog name (letters, digits, _ and -)")
        pair = (t.db, t.name)
        if pair not in tables:
            tables.append(pair)
    _name_like_athena(tree)
    return tree.sql(dialect="duckdb"), tables


def _cte_in_scope(table: exp.Table) -> bool:
    """``table`` names a CTE of an enclosing ``WITH`` (a CTE's name means nothing outside its scope: there
    DuckDB would resolve it to one of its own views, such as ``sqlite_master``)."""
    node = table.parent
    while node is not None:
        with_ = node.args.get("with_") or node.args.get("with")
        if isinstance(with_, exp.With) and any(c.alias_or_name == table.name for c in with_.expressions):
            return True
        node = node.parent
    return False


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


def _files_under(lake: LocalLake, uri: str) -> list[str]:
    try:
        root = lake.path(uri.rstrip("/") + "/")
    except LockgateError as e:
        raise QueryError(f"catalog location {uri} cannot be read: {e}") from None
    if not root.is_dir():
        return []
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(("_", ".")))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        for name in sorted(filenames):
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if _visible(rel):
                out.append(_inside(lake, Path(dirpath) / name))
    return out


def _inside(lake: LocalLake, path: Path) -> str:
    """``path`` when it (after following symbolic links) lies in the lake; else QueryError naming it."""
    if not Path(os.path.realpath(path)).is_relative_to(lake.root):
        raise QueryError(f"{path} is a symbolic link leading out of the lake ({lake.root}); remove it")
    return str(path)


def table_files(lake: Path, catalog: LocalCatalog, database: str, table: dict[str, Any]) -> list[str]:
    """The files Athena would read for ``table``: registered partitions only when partitioned."""
    store = LocalLake(lake)
    if table.get("PartitionKeys"):
        files: list[str] = []
        for p in catalog.get_partitions(database, table["Name"]):
            files += _files_under(store, p["StorageDescriptor"]["Location"])
        return files
    return _files_under(store, table["StorageDescriptor"]["Location"])


def _view_sql(con: duckdb.DuckDBPyConnection, table: dict[str, Any], files: list[str]) -> str:
    columns = [(c["Name"], glue_to_duckdb(c["Type"])) for c in table["StorageDescriptor"].get("Columns", [])]
    keys = [(k["Name"], glue_to_duckdb(k["Type"])) for k in table.get("PartitionKeys", [])]
    if not files:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {_q(n)}" for n, t in columns + keys)
        return f"SELECT {nulls} WHERE false"
    hive_types = "{" + ", ".join(f"{sql_string(n)}: {sql_string(t)}" for n, t in keys) + "}"
    source = (f"read_parquet([{', '.join(sql_string(f) for f in files)}], "
              f"hive_partitioning = {'true' if keys else 'false'}, "
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


@dataclass
class _Entry:
    """One catalog table or view to create in DuckDB: a table's files, or a view's DuckDB SQL."""

    database: str
    name: str
    table: dict[str, Any]
    files: list[str]
    view_sql: str | None


def _collect(root: Path, catalog: LocalCatalog, database: str, name: str, known: list[str],
             entries: dict[tuple[str, str], _Entry]) -> None:
    """Add catalog table ``database.name`` (and, for a catalog view, the tables its SQL reads, first)."""
    if (database, name) in entries:
        return
    table = catalog.get_table(database, name)
    if table is None:
        raise QueryError(f"table {database}.{name} is not in the local catalog at {catalog.root}; known: "
                         f"{', '.join(known) or 'none'} (run the import locally so its crawler or commit "
                         "registers the table)")
    athena_sql = _view_sql_text(table)
    if athena_sql is None:
        entries[(database, name)] = _Entry(database, name, table, table_files(root, catalog, database, table), None)
        return
    duck_sql, reads = transpile(athena_sql)
    for db, inner in reads:
        _collect(root, catalog, db or database, inner, known, entries)
    entries[(database, name)] = _Entry(database, name, table, [], duck_sql)


def connect(lake: str | os.PathLike[str], tables: list[tuple[str, str]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a schema per database and a view per requested table (catalog views,
    such as ``<table>_quarantine``, become DuckDB views over the tables they read). The connection can
    read only those tables' files and its configuration is locked before any view is created
    (``orchestration.query.sandbox``)."""
    root = Path(lake).resolve()
    catalog = LocalCatalog(root)
    known = [f"{d}.{t}" for d in catalog.list_databases() for t in catalog.list_tables(d)]
    entries: dict[tuple[str, str], _Entry] = {}
    for database, name in tables:
        if not database:
            hint = [k for k in known if k.endswith("." + name)]
            raise QueryError(f"table {name!r} has no database; write it as database.table"
                             + (f" (e.g. {hint[0]})" if hint else ""))
        _collect(root, catalog, database, name, known, entries)
    con = sandboxed(f for e in entries.values() for f in e.files)
    for e in entries.values():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {_q(e.database)}")
        body = e.view_sql if e.view_sql is not None else _view_sql(con, e.table, e.files)
        con.execute(f"CREATE VIEW {_q(e.database)}.{_q(e.name)} AS {body}")
    return con


def _one_line(e: Exception) -> str:
    text = str(e).strip()
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return " ".join(lines[:3])[:500] if lines else type(e).__name__


def local_query(lake: str | os.PathLike[str], sql: str, *, explain_analyze: bool = False) -> QueryResult:
    """Run one read-only Athena statement over the local lake (``SHOW`` is answered from the catalog).
    ``explain_analyze`` returns DuckDB's profile instead (one row, the plan text, which shows the files
    each scan read)."""
    tree = read_only_statement(sql)
    if is_show(tree):
        return show(Path(lake), str(tree.expression.this if isinstance(tree.expression, exp.Literal) else tree.expression))
    duck_sql, tables = transpile(sql)
    try:
        con = connect(lake, tables)
        check_statement(con, duck_sql)
        cursor = con.execute(("EXPLAIN ANALYZE " if explain_analyze else "") + duck_sql)
        columns = [d[0] for d in cursor.description or []]
        rows = [tuple(r) for r in cursor.fetchall()]
    except duckdb.Error as e:
        raise QueryError(_one_line(e)) from None
    return QueryResult(columns=columns, rows=rows, engine="duckdb", executed_sql=duck_sql)
