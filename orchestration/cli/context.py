"""What every command shares: the selected project and the global output settings (``--verbose``,
``--quiet``), read from the root command's context."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from ..config import Project

__all__ = ["PROJECT_ENV", "Settings", "settings", "use_settings", "project_of", "complete_import", "console", "say"]

PROJECT_ENV = "LOCKGATE_PROJECT"


@dataclass
class Settings:
    """Global options of one invocation (the root command's ``ctx.obj``)."""

    project_dir: Path | None = None
    verbose: bool = False
    quiet: bool = False


_CURRENT: ContextVar[Settings | None] = ContextVar("lockgate_cli_settings", default=None)


def use_settings(value: Settings) -> None:
    """Called by the root command: these are the settings of this invocation."""
    _CURRENT.set(value)


def settings(ctx: typer.Context | None = None) -> Settings:
    """The global settings of the running command (defaults outside a command)."""
    obj = ctx.find_root().obj if ctx is not None else _CURRENT.get()
    return obj if isinstance(obj, Settings) else Settings()


def project_of(ctx: typer.Context) -> Project:
    """The project selected by --project (default: LOCKGATE_PROJECT), else found upwards from the working
    directory."""
    return Project.load(settings(ctx).project_dir)


def complete_import(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of IMPORT: the names of the project's valid imports (nothing outside a project)."""
    chosen = ctx.find_root().params.get("project")
    try:
        names = Project.load(chosen).load_specs().specs
    except Exception:  # completion must never fail loudly: no project, unreadable files
        return []
    return sorted(n for n in names if n.startswith(incomplete))


def console() -> Any:
    """A Rich console for tables; piped output gets 200 columns so tables are not cut to 80."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)


def say(message: str, *, err: bool = False) -> None:
    """Print an informational line (not a result): silenced by --quiet."""
    if not settings().quiet:
        typer.echo(message, err=err)
