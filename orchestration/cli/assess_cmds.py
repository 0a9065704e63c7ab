"""``lockgate assess``: which Glue jobs can move to Lockgate, what they cost now and afterwards, and which
to move first; from the account (boto3) or an export folder (``--from DIR``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from orchestration.core.errors import ConfigError, UsageError

from ..router import RoutingConfig
from .context import say, settings

__all__ = ["assess"]

FORMATS = ("markdown", "html", "json")


def _as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{text!r} is not an ISO date or time, e.g. 2026-12-01 or 2026-12-01T00:00:00Z",
                         where="--as-of") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _project_settings() -> tuple[RoutingConfig, str | None]:
    """The project's ``routing:`` (prices, throughput) and AWS region when run inside a project, else the
    defaults and no region (boto3's own: AWS_REGION)."""
    from ..config import Project

    try:
        project = Project.load(settings().project_dir)
    except ConfigError:
        return RoutingConfig(), None
    return project.config.routing, project.config.aws.region


def assess(
    from_dir: Annotated[Path | None, typer.Option("--from", metavar="DIR", help=(
        "Read an export folder instead of the account (layout: docs/migrating-from-glue.md).")) ] = None,
    export: Annotated[Path | None, typer.Option("--export", metavar="DIR", help=(
        "Read the account and write it as an export folder to DIR (no report).")) ] = None,
    jobs: Annotated[list[str] | None, typer.Option("--job", metavar="NAME", help="Only this Glue job (repeatable).")] = None,
    region: Annotated[str | None, typer.Option("--region", metavar="REGION", help=(
        "AWS region of the jobs (default: lockgate.yaml's aws.region in a project, else AWS_REGION).")) ] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="markdown, html or json.")] = "markdown",
    as_json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    out: Annotated[Path | None, typer.Option("--out", metavar="FILE", help="Write the report to FILE.")] = None,
    drafts: Annotated[Path | None, typer.Option("--drafts", metavar="DIR", help=(
        "Write each draft spec to DIR/NAME.yaml (then: lockgate validate DIR).")) ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="TIME", help=(
        "End of the 30 days assessed (default: now; with --from, the latest run in the export).")) ] = None,
) -> None:
    """Assess the account's Glue jobs for moving to Lockgate: per job the script's pattern and the lines
    that decided it, runs per month, p50/p95 duration, Glue cost now, the route and cost on Lockgate, the
    saving and a draft spec; ranked, with the job to migrate first and the total against the 80% target."""
    from ..assess import account_from, assessment_json, read_export, to_html, to_markdown
    from ..assess import assess as run_assess
    from ..assess.export import write_export
    from ..assess.live import fetch_responses

    fmt = "json" if as_json else fmt
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}", where="--format")
    if from_dir is not None and export is not None:
        raise UsageError("--from reads an export and --export writes one; use one of them", where="--export")
    when = _as_of(as_of)
    routing, project_region = _project_settings()
    region = region or project_region
    if export is not None:
        write_export(export, fetch_responses(region, jobs), say=lambda m: say(m, err=True))
        return
    if from_dir is not None:
        account = read_export(from_dir)
        origin = f"export {from_dir}"
        if jobs:
            missing = sorted(set(jobs) - {j.name for j in account.jobs})
            if missing:
                raise UsageError(f"no job named {', '.join(missing)} in {from_dir / 'jobs.json'}", where="--job")
        starts = [r.started_on for runs in account.runs.values() for r in runs]
        when = when or (max(starts) if starts else datetime.now(UTC))
    else:
        from orchestration.core import aws

        account = account_from(fetch_responses(region, jobs), lambda part: f"glue ({part})")
        origin = f"account, region {aws.region_name(region)}"
        when = when or datetime.now(UTC)
    result = run_assess(account, as_of=when, config=routing, origin=origin, only=jobs)
    if drafts is not None:
        drafts.mkdir(parents=True, exist_ok=True)
        written = 0
        for j in result.jobs:
            if j.draft.text:
                (drafts / f"{j.draft.name}.yaml").write_text(j.draft.text, encoding="utf-8")
                written += 1
        say(f"wrote {written} draft spec(s) to {drafts}; check them with `lockgate validate {drafts}`", err=True)
    text = json.dumps(assessment_json(result), indent=2) if fmt == "json" else \
        to_html(result) if fmt == "html" else to_markdown(result)
    if out is not None:
        out.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        say(f"wrote the {fmt} report to {out}", err=True)
    else:
        typer.echo(text.rstrip("\n"))
