"""``lockgate query``: SQL over the imported tables (Athena, or DuckDB over the local lake)."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from ..query import run_query


def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(help="Athena SQL (Trino dialect); name tables as database.table.")],
    local: Annotated[bool, typer.Option("--local", help="Query the local lake with DuckDB instead of Athena.")] = False,
    fmt: Annotated[Literal["table", "csv", "json"], typer.Option("--format", help="Output format.")] = "table",
) -> None:
    """Run one SQL query against the imported tables and print the result."""
    from .app import project_of

    result = run_query(project_of(ctx), sql, local=local)
    typer.echo(result.render(fmt))
