"""``lockgate validate``, ``lockgate schema``, ``lockgate list``."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from .. import api
from .context import console, project_of, say
from .exits import ExitCode

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]


def validate(
    ctx: typer.Context,
    paths: Annotated[list[Path] | None, typer.Argument(metavar="[PATH]...",
                                                       help="Spec files or directories; default: every import.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate import specs: exit 0 when all are valid, 2 with one line per problem (FILE:LINE:COL: field: message)."""
    project = None if paths else project_of(ctx)
    report = api.validate_paths(project, paths or [])
    if as_json:
        typer.echo(json.dumps({"valid": report.ok, "files": [str(f) for f in report.files],
                               "invalid_files": sorted({d["file"] for d in report.details}),
                               "problems": report.details}, indent=2))
    else:
        for line in report.problems:
            typer.echo(line, err=True)
    if not report.ok:
        raise typer.Exit(ExitCode.USAGE)
    if not as_json:
        say(f"{len(report.files)} spec(s) valid")


def schema(as_json: JsonOpt = False) -> None:
    """Print the JSON Schema of the import spec (always JSON; --json is accepted for uniformity)."""
    from orchestration.core.spec.schema import spec_json_schema

    typer.echo(json.dumps(spec_json_schema(), indent=2))


def list_cmd(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the project's imports with engine setting, target and schedule; invalid spec files are listed
    with their problems (they block only their own import)."""
    rows = api.list_imports(project_of(ctx))
    if as_json:
        typer.echo(json.dumps([{**asdict(r), "problems": list(r.problems)} for r in rows], indent=2))
        return
    from rich.table import Table

    table = Table("import", "engine", "target", "location", "schedule")
    for r in rows:
        if r.valid:
            table.add_row(r.name, r.engine, r.target, r.location, r.schedule)
        else:
            table.add_row(f"[red]{r.name}[/]", "[red]invalid[/]", f"{Path(r.file).name}: run lockgate validate", "", "")
    console().print(table)
    for r in rows:
        for line in r.problems:
            typer.echo(f"invalid spec: {line}", err=True)
