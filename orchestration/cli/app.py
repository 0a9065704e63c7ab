"""The Typer application: global options, the command table and the console entry point."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from . import assess_cmds, init_cmds, lake_cmds, plan_cmds, query_cmds, render_cmds, run_cmds, spec_cmds
from .context import PROJECT_ENV, Settings, project_of, use_settings
from .exits import ExitCode, show_failure

__all__ = ["app", "main", "project_of"]

app = typer.Typer(
    name="lockgate",
    help="Bulk data imports on AWS: one YAML spec, routed per run to Lambda or Glue.\n\n"
         "Exit codes: 0 ok, 1 failed, 2 usage or spec error, 3 configuration, 4 AWS, 5 internal, "
         "130 interrupted (docs/cli.md).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    rich_markup_mode=None,  # plain help: no boxes, no <bool> type column on flags
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)

GLOBAL_FLAGS = ("-v", "--verbose", "-q", "--quiet")


def lockgate_version() -> str:
    try:
        return version("lockgate")
    except PackageNotFoundError:  # pragma: no cover - running from a tree that was never installed
        return "0+unknown"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lockgate {lockgate_version()}")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def _root(
    ctx: typer.Context,
    project: Annotated[Path | None, typer.Option(
        "--project", metavar="DIR", envvar=PROJECT_ENV, show_envvar=True,
        help="Project directory (holds lockgate.yaml); default: found upwards from here.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Tracebacks and more detail on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only results and errors: no progress or notes.")] = False,
    _version: Annotated[bool, typer.Option("--version", "-V", callback=_print_version, is_eager=True,
                                           help="Print the version and exit.")] = False,
) -> None:
    ctx.obj = Settings(project_dir=project, verbose=verbose, quiet=quiet and not verbose)
    use_settings(ctx.obj)


app.command("init", short_help="Create a project with an example import.")(init_cmds.init)
app.command("validate", short_help="Check specs: one line per problem, exit 2 if any.")(spec_cmds.validate)
app.command("schema", short_help="Print the JSON Schema of an import spec.")(spec_cmds.schema)
app.command("list", short_help="List the imports: engine, target, schedule.")(spec_cmds.list_cmd)
app.command("plan", short_help="Where a run would go, why, and what it costs.")(plan_cmds.plan)
app.command("run", short_help="Run an import now (on this machine with --local).")(run_cmds.run)
app.command("backfill", short_help="Re-load a past window, optionally in chunks.")(run_cmds.backfill)
app.command("runs", short_help="List local runs; `runs show RUN_ID` shows one.")(run_cmds.runs)
app.command("query", short_help="Run SQL over the imported tables.")(query_cmds.query)
app.command("render", short_help="Write the ASL and Terraform inputs of every import.")(render_cmds.render)
app.command("graph", short_help="Draw an import's state machine.")(render_cmds.graph)
app.command("assess", short_help="Which Glue jobs can move, at what saving, and which first.")(assess_cmds.assess)
app.add_typer(lake_cmds.lake, name="lake", short_help="Put local files into the local lake.")
app.command("completion", short_help="Print the shell completion script.")(init_cmds.completion)


def _hoist_global_flags(argv: list[str]) -> list[str]:
    """``--verbose``/``--quiet`` work before or after the command, as in dbt: move them to the front."""
    cut = argv.index("--") if "--" in argv else len(argv)
    flags = [a for a in argv[:cut] if a in GLOBAL_FLAGS]
    return flags + [a for a in argv[:cut] if a not in GLOBAL_FLAGS] + argv[cut:]


def _wants_json(argv: list[str]) -> bool:
    head = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in head or "--format=json" in head or any(
        a == "--format" and b == "json" for a, b in zip(head, head[1:], strict=False))


def _command(argv: list[str]) -> str:
    """``lockgate`` plus the command words in ``argv`` (``lockgate lake put``), for the help hint."""
    words, group = ["lockgate"], typer.main.get_command(app)
    rest = iter(argv)
    for a in rest:
        if a == "--project":
            next(rest, None)
        elif a.startswith("-"):
            continue
        elif isinstance(group, typer.core.TyperGroup) and a in group.commands:
            words.append(a)
            group = group.commands[a]
        else:
            break
    return " ".join(words)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: every error ends as one line plus a hint (or one JSON object under --json)
    and an exit code from ``exits.ExitCode``; tracebacks only with --verbose."""
    args = _hoist_global_flags(list(sys.argv[1:] if argv is None else argv))
    use_settings(Settings())
    try:
        rc = app(args=args, prog_name="lockgate", standalone_mode=False)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.TyperException as e:
        if type(e).__name__ == "NoArgsIsHelpError":  # `lockgate`, `lockgate lake` alone: their help, exit 0
            typer.echo(e.format_message())
            sys.exit(ExitCode.OK)
        sys.exit(int(show_failure(e, as_json=_wants_json(args), verbose=False)))
    except (Exception, KeyboardInterrupt) as e:
        verbose = any(a in ("-v", "--verbose") for a in args)
        sys.exit(int(show_failure(e, as_json=_wants_json(args), verbose=verbose, command=_command(args))))
    if rc == ExitCode.INTERRUPTED:  # typer turns Ctrl-C into a silent Exit(130): say so
        rc = show_failure(KeyboardInterrupt(), as_json=_wants_json(args), verbose=False)
    sys.exit(rc if isinstance(rc, int) else ExitCode.OK)
