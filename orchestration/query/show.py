"""``SHOW`` locally: answered from the local catalog (no SQL engine involved), in Athena's shapes.

- ``SHOW DATABASES`` / ``SHOW SCHEMAS`` [``LIKE 'pattern'``] -> ``database_name``
- ``SHOW TABLES`` [``IN|FROM database``] [``LIKE 'pattern'``] -> ``tab_name`` (without a database:
  every table, as ``database.table``)
- ``SHOW COLUMNS IN|FROM database.table`` -> ``field`` (columns, then partition keys)
- ``SHOW PARTITIONS database.table`` -> ``partition`` (``key=value/...``)

Athena patterns use ``*`` (any run) and ``|`` (alternatives); SQL ``%`` and ``_`` work too.
"""

from __future__ import annotations

import re
from pathlib import Path

from crawlers.local_catalog import LocalCatalog

from .result import QueryError, QueryResult

__all__ = ["show", "NAME"]

NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
"""A catalog database or table name (Glue: letters, digits, underscore, hyphen)."""
_LIKE = r"(?:\s+like\s+'(?P<like>[^']*)')?"
_FORMS = {
    "databases": re.compile(r"^(?:databases|schemas)" + _LIKE + r"$", re.I),
    "tables": re.compile(r"^tables(?:\s+(?:in|from)\s+(?P<db>\S+))?" + _LIKE + r"$", re.I),
    "columns": re.compile(r"^columns\s+(?:in|from)\s+(?P<db>[^.\s]+)\.(?P<table>\S+)$", re.I),
    "partitions": re.compile(r"^partitions\s+(?P<db>[^.\s]+)\.(?P<table>\S+)$", re.I),
}


def _name(text: str) -> str:
    name = text.strip('`"').lower()
    if not NAME.match(name):
        raise QueryError(f"{text!r} is not a catalog name (letters, digits, _ and -)")
    return name


def _matcher(like: str | None) -> re.Pattern[str] | None:
    if like is None:
        return None
    alternatives = [re.escape(a.strip()).replace(r"\*", ".*").replace("%", ".*").replace("_", ".")
                    for a in like.split("|")]
    return re.compile("^(?:" + "|".join(alternatives) + ")$", re.I)


def show(lake: str | Path, statement: str) -> QueryResult:
    """Answer ``SHOW ...`` (the text after SHOW) from the local catalog."""
    text = " ".join(statement.split()).rstrip(";").strip()
    catalog = LocalCatalog(Path(lake))
    for kind, form in _FORMS.items():
        m = form.match(text)
        if m is None:
            continue
        groups = m.groupdict()
        pattern = _matcher(groups.get("like"))
        if kind == "databases":
            names = [d for d in catalog.list_databases() if pattern is None or pattern.match(d)]
            return _result("database_name", names, statement)
        if kind == "tables":
            dbs = [_name(groups["db"])] if groups.get("db") else catalog.list_databases()
            names = [t if groups.get("db") else f"{d}.{t}" for d in dbs for t in catalog.list_tables(d)
                     if pattern is None or pattern.match(t)]
            return _result("tab_name", names, statement)
        database, name = _name(groups["db"]), _name(groups["table"])
        table = catalog.get_table(database, name)
        if table is None:
            raise QueryError(f"table {groups['db']}.{groups['table']} is not in the local catalog at {catalog.root}")
        keys = [k["Name"] for k in table.get("PartitionKeys", [])]
        if kind == "columns":
            cols = [c["Name"] for c in table["StorageDescriptor"].get("Columns", [])] + keys
            return _result("field", cols, statement, ordered=True)
        parts = ["/".join(f"{k}={v}" for k, v in zip(keys, p["Values"], strict=False))
                 for p in catalog.get_partitions(database, name)]
        return _result("partition", parts, statement)
    raise QueryError(f"SHOW {text[:80]} is not supported locally; use SHOW DATABASES, SHOW TABLES [IN db], "
                     "SHOW COLUMNS IN db.table or SHOW PARTITIONS db.table")


def _result(column: str, values: list[str], statement: str, *, ordered: bool = False) -> QueryResult:
    return QueryResult(columns=[column], rows=[(v,) for v in (values if ordered else sorted(values))], engine="catalog",
                       executed_sql=f"SHOW {statement.strip()}")
