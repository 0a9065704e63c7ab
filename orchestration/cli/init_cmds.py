"""``lockgate init`` (a new project to start from) and ``lockgate completion`` (shell completion)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated

import typer

from orchestration.core.errors import UsageError

from .context import say

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")


def init(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Where to create the project (made when "
                                                                    "missing); default: here.")] = Path("."),
    as_json: Annotated[bool, typer.Option("--json", help="Print the files written and the next commands as JSON.")] = False,
) -> None:
    """Create a project: lockgate.yaml, an example import, a tiny sample file and a .gitignore, then print
    the commands that load and run it on this machine."""
    from ..scaffold import scaffold_project

    made = scaffold_project(directory)
    if as_json:
        typer.echo(json.dumps({"project": str(made.project.resolve()), "files": [str(f.resolve()) for f in made.files],
                               "next": made.next_commands}, indent=2))
        return
    for f in made.files:
        say(f"created {f}")
    steps = ([f"cd {shlex.quote(str(directory))}"] if directory != Path(".") else []) + made.next_commands
    typer.echo("\nNext, run:\n" + "".join(f"  {step}\n" for step in steps), nl=False)


def completion(
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh, fish or powershell.")],
) -> None:
    """Print the shell completion script for SHELL, e.g. `eval "$(lockgate completion bash)"` in ~/.bashrc
    (or `lockgate --install-completion` to install it for the current shell)."""
    from typer._completion_shared import get_completion_script  # typer's scripts; public only as CLI flags

    if shell not in SHELLS:
        raise UsageError(f"shell {shell!r} is not one of {', '.join(SHELLS)}")
    typer.echo(get_completion_script(prog_name="lockgate", complete_var="_LOCKGATE_COMPLETE", shell=shell))
