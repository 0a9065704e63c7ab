"""``lockgate query``: SQL over the imported tables, Athena on AWS and DuckDB locally.

``run_query(project, sql, local=...) -> QueryResult`` (columns, rows). Locally the query is Athena SQL
(Trino dialect) transpiled to DuckDB with sqlglot and run over the local catalog (``crawlers``): one
view per table, reading only the files of the partitions registered in the catalog, with hive
partitioning so partition filters prune files (``orchestration.query.local``). On AWS it goes through
awswrangler's ``athena.read_sql_query`` with the workgroup and result location of ``lockgate.yaml``
(``orchestration.query.athena``). A bad query raises ``QueryError`` with one clear line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .result import QueryError, QueryResult

if TYPE_CHECKING:
    from ..config import Project

__all__ = ["run_query", "QueryResult", "QueryError"]


def run_query(project: Project, sql: str, *, local: bool) -> QueryResult:
    """Run one SQL statement against the project's tables (local lake or Athena)."""
    if local:
        from .local import local_query

        return local_query(project.lake, sql)
    from .athena import athena_query

    return athena_query(project, sql)
