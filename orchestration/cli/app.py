"""The Typer application and its shared plumbing (project selection, error exits)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..config import Project
from ..errors import LockgateError, SpecError
from . import plan_cmds, query_cmds, render_cmds, run_cmds, spec_cmds

app = typer.Typer(
    name="lockgate",
    help="Bulk data imports on AWS: one YAML spec, routed per run to Lambda or Glue.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

EXIT_INVALID = 2


@app.callback()
def _root(
    ctx: typer.Context,
    project: Annotated[Path | None, typer.Option("--project", help="Project directory (holds lockgate.yaml).")] = None,
) -> None:
    ctx.obj = {"project_dir": project}


def project_of(ctx: typer.Context) -> Project:
    """The project selected by --project (or found upwards from the working directory)."""
    root = ctx.find_root()
    obj = root.obj or {}
    return Project.load(obj.get("project_dir"))


app.command("validate")(spec_cmds.validate)
app.command("schema")(spec_cmds.schema)
app.command("list")(spec_cmds.list_cmd)
app.command("plan")(plan_cmds.plan)
app.command("render")(render_cmds.render)
app.command("graph")(render_cmds.graph)
app.command("query")(query_cmds.query)
app.command("run")(run_cmds.run)
app.command("backfill")(run_cmds.backfill)
app.command("runs")(run_cmds.runs)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: Lockgate errors become one clear line and an exit code, not a traceback."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except LockgateError as e:
        typer.echo(f"error: {e}", err=True)
        sys.exit(EXIT_INVALID if isinstance(e, SpecError) else 1)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as e:  # click usage errors arrive here with standalone_mode=False
        import click

        if isinstance(e, click.ClickException):
            e.show()
            sys.exit(e.exit_code)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)
