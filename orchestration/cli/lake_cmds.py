"""``lockgate lake put``: load local files into the local lake at an import's source layout."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from .context import complete_import, project_of, say
from .inputs import check_window

lake = typer.Typer(help="The local lake (the directory standing in for S3 in local runs).", no_args_is_help=True)


@lake.command("put")
def put(
    ctx: typer.Context,
    import_name: Annotated[str, typer.Argument(metavar="IMPORT", help="Import whose source layout to use.", autocompletion=complete_import)],
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Local files to copy.")],
    window: Annotated[str | None, typer.Option("--window", metavar="START..END", help=(
        "The window the files belong to; fills source.uri's {date}/{hour}/... placeholders. One date "
        "means that day. Needed when source.uri has placeholders."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the objects written as JSON.")] = False,
) -> None:
    """Copy FILE... to where IMPORT's source.uri points for --window in the local lake, so that
    `lockgate run IMPORT --local --window ...` reads them."""
    from ..local.lake_put import put_files

    project = project_of(ctx)
    spec = project.spec(import_name)
    written = put_files(project.lake, spec, list(files), check_window(spec, window, max_days=project.config.limits.max_window_days))
    if as_json:
        typer.echo(json.dumps([asdict(w) for w in written], indent=2))
        return
    for w in written:
        say(f"{w.file} -> {w.uri} ({w.bytes} bytes)")
    say(f"put {len(written)} file(s) into {project.lake}")
