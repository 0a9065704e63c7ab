"""``lockgate render`` (what Terraform deploys) and ``lockgate graph`` (the state machine as a diagram)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from orchestration.core.errors import UsageError

from .context import complete_import, project_of, say

__all__ = ["render", "graph"]


def render(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", metavar="DIR", help="Output directory.")] = Path("build/render"),
    terraform: Annotated[Path | None, typer.Option("--terraform", metavar="DIR", help=(
        "Also write a Terraform root module into DIR (the modules Lockgate ships, wired to the render "
        "output and build/package of this project)."))] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what was written as one JSON object.")] = False,
) -> None:
    """Write DIR/<import>/definition.asl.json, spec.json, terraform.json and DIR/imports.json.

    Renders every import, so every spec must be valid (a deploy without one import would delete it)."""
    from ..compiler.render import render_project

    project = project_of(ctx)
    specs = project.specs()
    written = render_project(specs, project.config, out)
    root: list[Path] = []
    if terraform is not None:
        from ..terraform_root import write_root

        root = write_root(terraform, out, project.root / "build" / "package")
    if as_json:
        typer.echo(json.dumps({"out": str(out), "imports": sorted(specs), "files": [str(p) for p in written],
                               "terraform": str(terraform) if terraform else None,
                               "terraform_files": [str(p) for p in root]}, indent=2))
        return
    typer.echo(f"rendered {len(specs)} import(s) into {out} ({len(written)} files)")
    if terraform is not None:
        typer.echo(f"wrote the Terraform root module into {terraform}: add terraform.tfvars (see "
                   "terraform.tfvars.example), then terraform init && terraform apply there")


def graph(
    ctx: typer.Context,
    import_name: Annotated[str, typer.Argument(metavar="IMPORT", help="Import name (or path to its spec file).", autocompletion=complete_import)],
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="mermaid, svg or png.")] = "mermaid",
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE", help=(
        "Write to FILE. Default: stdout for mermaid and svg, IMPORT.png in the working directory for png."))] = None,
    run: Annotated[str | None, typer.Option("--run", metavar="RUN_ID",
                                            help="Colour states by the outcome of local run RUN_ID.")] = None,
) -> None:
    """Draw IMPORT's state machine (Mermaid text, or SVG/PNG through Graphviz dot)."""
    from ..compiler import compile_definition
    from ..compiler.graph import render_image, to_dot, to_mermaid

    if fmt not in ("mermaid", "svg", "png"):
        raise UsageError(f"--format {fmt!r} is not one of mermaid, svg, png", where="--format")
    project = project_of(ctx)
    spec = project.spec(import_name)
    if fmt == "png" and out is None:
        out = Path(f"{spec.name}.png")  # binary: never onto a terminal
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
    say(f"wrote {out} ({len(data)} bytes)")
