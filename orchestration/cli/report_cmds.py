"""``lockgate report``: measured cost, latency and failures of recorded runs, per import and month."""

from __future__ import annotations

import json
import re
from typing import Annotated

import typer

from orchestration.core.errors import UsageError

from .context import complete_import, project_of


def report(
    ctx: typer.Context,
    import_name: Annotated[str | None, typer.Argument(metavar="[IMPORT]", help="Only this import.",
                                                      autocompletion=complete_import)] = None,
    local: Annotated[bool, typer.Option("--local", help="Runs recorded in the local lake (lockgate run --local) "
                                                        "instead of the deployed control bucket.")] = False,
    month: Annotated[str | None, typer.Option("--month", metavar="YYYY-MM", help="Only runs started in this month (UTC).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Aggregate the runs table: runs, route mix, measured cost, what the same runs cost on Glue alone and
    the saving, p50/p95 latency, failures by root cause, and the router's estimate/measured ratios."""
    from orchestration.core.storage import LocalLake, S3Storage

    from ..metering.aggregate import aggregate, to_markdown
    from ..metering.table import read_rows

    if month is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise UsageError(f"--month {month!r} is not YYYY-MM (e.g. 2026-11)")
    project = project_of(ctx)
    if import_name is not None:
        project.spec(import_name)  # the clear error for an unknown import
    store = LocalLake(project.lake) if local else S3Storage(region=project.config.aws.region)
    rows = read_rows(store, project.config.aws.control_uri, import_name, month)
    result = aggregate(rows)
    if as_json:
        typer.echo(json.dumps(result, indent=2, default=str))
    else:
        typer.echo(to_markdown(result), nl=False)
