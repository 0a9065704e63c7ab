"""``lockgate query``: SQL over the imported tables (Athena, or DuckDB over the local lake)."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from ..query import run_query
from .context import project_of


def query(
    ctx: typer.Context,
    sql: Annotated[str, typer.Argument(metavar="SQL", help="Athena SQL (Trino dialect); name tables as database.table.")],
    local: Annotated[bool, typer.Option("--local", help="Query the local lake with DuckDB instead of Athena.")] = False,
    fmt: Annotated[Literal["table", "csv", "json"], typer.Option("--format", metavar="FORMAT",
                                                                 help="table, csv or json.")] = "table",
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json: the rows as a JSON array.")] = False,
) -> None:
    """Run one SQL query against the imported tables and print the result."""
    result = run_query(project_of(ctx), sql, local=local)
    typer.echo(result.render("json" if as_json else fmt))
