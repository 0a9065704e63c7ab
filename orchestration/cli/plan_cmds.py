"""``lockgate plan``: where a run would go and why, with batches and the cost of both routes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from ..config import Project
from .context import complete_import, project_of
from .inputs import check_run_inputs

__all__ = ["plan", "plan_json"]


def plan_json(preview: Any) -> dict[str, Any]:
    """The ``--json`` object of ``lockgate plan`` (a ``PlanPreview``)."""
    d, f = preview.decision, preview.facts
    return {
        "import": preview.spec.name,
        "window": preview.window.to_json() if preview.window else None,
        "sources": preview.sources,
        "route": d.route,
        "reasons": d.reasons,
        "objects": f.count,
        "bytes": f.total_bytes,
        "largest_bytes": f.largest_bytes,
        "format": f.format,
        "compressions": f.compressions,
        "splittable_objects": sum(1 for o in f.objects if o.splittable),
        "batches": len(d.batches) if d.route == "lambda" else 0,
        "lambda_batches": [{"batch": b.index, "objects": len(b.objects), "bytes": b.bytes,
                            "seconds": round(s, 1)} for b, s in zip(d.batches, d.batch_seconds, strict=True)],
        "dedupe_buckets": d.dedupe_buckets,
        "estimated_seconds": {"lambda": round(d.lambda_seconds, 1), "glue": round(d.glue_seconds, 1)},
        "cost": d.cost,
    }


def plan(
    ctx: typer.Context,
    import_name: Annotated[str, typer.Argument(metavar="IMPORT", help="Import name (or path to its spec file).", autocompletion=complete_import)],
    window: Annotated[str | None, typer.Option("--window", metavar="START..END", help=(
        "Dates or ISO timestamps, END exclusive; one date means that day. Default: the spec's window "
        "policy now."))] = None,
    engine: Annotated[str, typer.Option("--engine", metavar="ENGINE", help="auto, lambda or glue (overrides "
                                                                           "routing.engine).")] = "auto",
    local: Annotated[bool, typer.Option("--local", help="List objects in the project's local lake instead of S3.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Show where a run of IMPORT would go (lambda, glue or empty), why, its batches and both costs."""
    from orchestration.core.storage import LocalLake, S3Storage

    from ..planning import preview_plan

    project: Project = project_of(ctx)
    inputs = check_run_inputs(project, import_name, window, engine, "manual")
    storage = LocalLake(project.lake) if local else S3Storage(project.config.aws.region)
    preview = preview_plan(inputs.spec, storage=storage, window=inputs.window, engine=inputs.engine,
                           started_at=datetime.now(UTC), model=project.config.routing)
    data = plan_json(preview)
    if as_json:
        typer.echo(json.dumps(data, indent=2))
        return
    _print(data)


def _print(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    from ..router import human_bytes, human_seconds

    console = Console()
    window = data["window"]
    facts = Table(title=f"lockgate plan {data['import']}", show_header=False)
    facts.add_column("fact", style="bold")
    facts.add_column("value")
    facts.add_row("window", f"{window['start']} .. {window['end']} (end exclusive)" if window else "none")
    facts.add_row("sources", "\n".join(data["sources"]))
    facts.add_row("objects", f"{data['objects']} ({data['splittable_objects']} splittable)")
    facts.add_row("size", f"{human_bytes(data['bytes'])} in all, largest {human_bytes(data['largest_bytes'])}")
    facts.add_row("format", f"{data['format']} ({', '.join(data['compressions']) or '-'})")
    facts.add_row("route", f"[bold]{data['route']}[/bold]")
    facts.add_row("reasons", "\n".join(f"- {r}" for r in data["reasons"]))
    est = data["estimated_seconds"]
    facts.add_row("estimate", f"lambda {human_seconds(est['lambda'])}, glue {human_seconds(est['glue'])}")
    if data["cost"]:
        facts.add_row("cost", data["cost"]["summary"])
    facts.add_row("batches", str(data["batches"]) + (f", {data['dedupe_buckets']} dedupe buckets"
                                                     if data["dedupe_buckets"] else ""))
    console.print(facts)
    if data["route"] == "lambda" and data["lambda_batches"]:
        table = Table("batch", "objects", "bytes", "est. seconds", title="batches")
        rows = data["lambda_batches"]
        for b in rows[:20]:
            table.add_row(str(b["batch"]), str(b["objects"]), human_bytes(b["bytes"]), f"{b['seconds']:.1f}")
        if len(rows) > 20:
            table.add_row("...", f"{len(rows) - 20} more", "", "")
        console.print(table)
