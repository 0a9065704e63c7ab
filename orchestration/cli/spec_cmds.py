"""``lockgate validate``, ``lockgate schema``, ``lockgate list``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from ..config import Project
from ..errors import ConfigError


def _project_or_none(ctx: typer.Context) -> Project | None:
    from .app import project_of

    try:
        return project_of(ctx)
    except ConfigError:
        return None


def validate(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(help="Spec files or directories; default: every import.")] = None,
) -> None:
    """Validate import specs: exit 0 when valid, 2 when any is invalid, one line per problem."""
    project = _project_or_none(ctx) if not paths else None
    if not paths and project is None:
        from .app import project_of

        project_of(ctx)  # raises the ConfigError with its message
    report = api.validate_paths(project, paths or [])
    for line in report.problems:
        typer.echo(line, err=True)
    if not report.ok:
        raise typer.Exit(2)
    typer.echo(f"{len(report.files)} spec(s) valid")


def schema() -> None:
    """Print the JSON Schema of the import spec."""
    from ..spec.schema import spec_json_schema

    typer.echo(json.dumps(spec_json_schema(), indent=2))


def list_cmd(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the project's imports with engine setting, target and schedule."""
    from .app import project_of

    rows = api.list_imports(project_of(ctx))
    if as_json:
        typer.echo(json.dumps([r.__dict__ for r in rows], indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("import", "engine", "target", "location", "schedule")
    for r in rows:
        table.add_row(r.name, r.engine, r.target, r.location, r.schedule)
    Console().print(table)
