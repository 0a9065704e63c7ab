"""``lockgate render`` (what Terraform deploys) and ``lockgate graph`` (the state machine as a diagram)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import ConfigError

__all__ = ["render", "graph"]


def render(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", help="Output directory.")] = Path("build/render"),
) -> None:
    """Write DIR/<import>/definition.asl.json, spec.json, terraform.json and DIR/imports.json."""
    from ..compiler.render import render_project
    from .app import project_of

    project = project_of(ctx)
    specs = project.specs()
    written = render_project(specs, project.config, out)
    typer.echo(f"rendered {len(specs)} import(s) into {out} ({len(written)} files)")


def graph(
    ctx: typer.Context,
    import_name: Annotated[str, typer.Argument(metavar="IMPORT", help="Import name (or path to its spec file).")],
    fmt: Annotated[str, typer.Option("--format", help="mermaid, svg or png.")] = "mermaid",
    out: Annotated[Path | None, typer.Option("--out", help="Write to FILE (required for png).")] = None,
    run: Annotated[str | None, typer.Option("--run", help="Colour states by the outcome of local run RUN_ID.")] = None,
) -> None:
    """Draw IMPORT's state machine (Mermaid text, or SVG/PNG through Graphviz dot)."""
    from ..compiler import compile_definition
    from ..compiler.graph import render_image, to_dot, to_mermaid
    from .app import project_of

    if fmt not in ("mermaid", "svg", "png"):
        raise ConfigError(f"--format {fmt!r} is not one of mermaid, svg, png")
    if fmt == "png" and out is None:
        raise ConfigError("--format png writes binary data; pass --out FILE.png")
    project = project_of(ctx)
    spec = project.spec(import_name)
    definition = compile_definition(spec)
    outcomes = None
    if run:
        from ..local.records import state_outcomes

        outcomes = state_outcomes(project.lake, run)
    if fmt == "mermaid":
        data = to_mermaid(definition, outcomes).encode()
    else:
        title = f"{spec.name}" + (f" - run {run}" if run else "")
        data = render_image(to_dot(definition, outcomes, title), fmt)
    if out is None:
        typer.echo(data.decode(), nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    typer.echo(f"wrote {out} ({len(data)} bytes)")
