"""``lockgate run``, ``lockgate backfill`` and ``lockgate runs``: start imports locally or on AWS and
follow what they did."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from ..config import Project
from ..errors import ConfigError, UsageError
from ..spec.window import Window
from .context import complete_import, project_of, settings
from .exits import ExitCode
from .inputs import check_run_inputs

COUNTS = ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated")

LocalOpt = Annotated[bool, typer.Option("--local", help="Run on this machine (local lake, handlers, Spark).")]
EngineOpt = Annotated[str, typer.Option("--engine", metavar="ENGINE", help="auto (the router decides), lambda or glue.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
WaitOpt = Annotated[bool, typer.Option("--wait", help="On AWS: poll until the execution finishes.")]
PollOpt = Annotated[float, typer.Option("--poll-seconds", min=0.1, metavar="SECONDS", help="On AWS with --wait: seconds between polls.")]
MockOpt = Annotated[Path | None, typer.Option("--mock-config", metavar="FILE", help="Step Functions Local mock config (JSON).")]
CaseOpt = Annotated[str | None, typer.Option("--test-case", metavar="NAME", help="Test case of the mock config to apply.")]


def _project(ctx: typer.Context) -> Project:
    return project_of(ctx)


def _run_local(project: Project, import_name: str, window: Window | None, engine: str, mode: str,
               mock: Path | None = None, case: str | None = None) -> dict[str, Any]:
    from rich.console import Console

    from ..local.runner import RunRequest, run_local

    console = Console(stderr=True)
    request = RunRequest(import_name, window, engine, mode, mock, case)
    if settings().quiet:
        return run_local(project, request)
    with console.status(f"{import_name}: starting", spinner="dots") as status:
        return run_local(project, request, progress=lambda text: status.update(f"{import_name}: {text}"))


def _print(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    from rich.table import Table

    table = Table(show_header=False, box=None)
    table.add_column("key", style="dim")
    table.add_column("value", overflow="fold")
    for key in ("run_id", "status", "route", "window", *COUNTS, "outputs", "quarantine", "duration_s",
                "failed_state", "error", "cause", "report", "execution_arn"):
        value = summary.get(key)
        if value in (None, [], ""):
            continue
        if key == "window" and isinstance(value, dict):
            value = f"{value.get('start')} .. {value.get('end')}"
        table.add_row(key, "\n".join(map(str, value)) if isinstance(value, list) else str(value))
        if key == "route":
            for reason in summary.get("reasons") or []:
                table.add_row("", f"· {reason}")
    _console().print(table)


def _exit(summary: dict[str, Any]) -> None:
    if summary.get("status") not in ("SUCCEEDED", "RUNNING"):
        raise typer.Exit(ExitCode.FAILED)


def start_remote(project: Project, import_name: str, payload: dict[str, Any], *, wait: bool,
                 poll_seconds: float = 5.0) -> dict[str, Any]:
    """Start the deployed state machine ``<prefix>-<import>``; with ``wait``, poll until it finishes."""
    from .. import aws
    from ..local.runner import new_run_id

    cfg = project.config.aws
    sfn = aws.client("stepfunctions", region=cfg.region)
    name = f"{cfg.prefix}-{import_name}"
    arn = next((m["stateMachineArn"] for page in sfn.get_paginator("list_state_machines").paginate()
                for m in page["stateMachines"] if m["name"] == name), None)
    if arn is None:
        raise ConfigError(f"no state machine named {name!r} in {cfg.region}; deploy it (terraform apply in "
                          "terraform/environments/...) or run it here with --local", where="lockgate run")
    run_id = new_run_id(import_name)
    started = sfn.start_execution(stateMachineArn=arn, name=run_id, input=json.dumps(payload))
    out: dict[str, Any] = {"run_id": run_id, "import": import_name, "status": "RUNNING", "state_machine": name,
                           "execution_arn": started["executionArn"], "started_at": datetime.now(UTC).isoformat()}
    began = time.monotonic()
    while wait:
        described = sfn.describe_execution(executionArn=started["executionArn"])
        if described["status"] != "RUNNING":
            out["status"] = described["status"]
            output = json.loads(described["output"]) if described.get("output") else {}
            out.update({k: v for k, v in output.items() if k not in out} if isinstance(output, dict) else {})
            out.update(error=described.get("error"), cause=described.get("cause"))
            break
        time.sleep(poll_seconds)
    out["duration_s"] = round(time.monotonic() - began, 3)
    return out


def run(ctx: typer.Context,
        import_name: Annotated[str, typer.Argument(metavar="IMPORT", help="Import name.", autocompletion=complete_import)],
        local: LocalOpt = False,
        window: Annotated[str | None, typer.Option("--window", metavar="START..END", help="START..END (END exclusive); default: the spec's window policy.")] = None,
        engine: EngineOpt = "auto", as_json: JsonOpt = False, wait: WaitOpt = False,
        mock_config: MockOpt = None, test_case: CaseOpt = None, poll_seconds: PollOpt = 5.0) -> None:
    """Run an import now: on this machine with --local, else start the deployed state machine."""
    project = _project(ctx)
    win = check_run_inputs(project, import_name, window, engine, "manual").window
    payload: dict[str, Any] = {"import": import_name, "mode": "manual", "engine": engine}
    if local:
        summary = _run_local(project, import_name, win, engine, "manual", mock_config, test_case)
    else:
        if mock_config or test_case:
            raise UsageError("--mock-config/--test-case only apply to local runs; add --local")
        if win is not None:
            payload["window"] = win.to_json()
        summary = start_remote(project, import_name, payload, wait=wait, poll_seconds=poll_seconds)
    _print(summary, as_json)
    _exit(summary)


def chunks(window: Window, days: int) -> list[Window]:
    """``window`` cut into consecutive windows of at most ``days`` days."""
    out, start = [], window.start
    while start < window.end:
        end = min(start + timedelta(days=days), window.end)
        out.append(Window(start, end))
        start = end
    return out


def backfill(ctx: typer.Context,
             import_name: Annotated[str, typer.Argument(metavar="IMPORT", help="Import name.", autocompletion=complete_import)],
             window: Annotated[str, typer.Option("--window", metavar="START..END", help="START..END to (re)load, END exclusive.")],
             local: LocalOpt = False, engine: EngineOpt = "auto", as_json: JsonOpt = False, wait: WaitOpt = False,
             poll_seconds: PollOpt = 5.0,
             chunk: Annotated[int | None, typer.Option("--chunk", min=1, metavar="DAYS", help="Split into sequential runs of DAYS days.")] = None) -> None:
    """Re-load a past window (mode backfill): one run, or one run per --chunk DAYS, stopping at the first failure."""
    project = _project(ctx)
    win = check_run_inputs(project, import_name, window, engine, "backfill").window
    assert win is not None
    parts = chunks(win, chunk) if chunk else [win]
    summaries: list[dict[str, Any]] = []
    for part in parts:
        if local:
            summary = _run_local(project, import_name, part, engine, "backfill")
        else:
            payload = {"import": import_name, "mode": "backfill", "engine": engine, "window": part.to_json()}
            summary = start_remote(project, import_name, payload, wait=wait or len(parts) > 1, poll_seconds=poll_seconds)
        summaries.append(summary)
        if summary.get("status") not in ("SUCCEEDED", "RUNNING"):
            break
    if len(parts) == 1:
        _print(summaries[0], as_json)
        _exit(summaries[0])
        return
    failed = next((s for s in summaries if s.get("status") not in ("SUCCEEDED", "RUNNING")), None)
    total: dict[str, Any] = {"import": import_name, "mode": "backfill", "window": win.to_json(),
                             "status": failed["status"] if failed else "SUCCEEDED",
                             "runs": summaries, "chunks": len(parts), "chunks_run": len(summaries),
                             **{k: sum(int(s.get(k) or 0) for s in summaries) for k in COUNTS},
                             "outputs": sorted({o for s in summaries for o in s.get("outputs") or []}),
                             "duration_s": round(sum(float(s.get("duration_s") or 0) for s in summaries), 3)}
    if as_json:
        _print(total, True)
    else:
        for s in summaries:
            _print(s, False)
        typer.echo(f"{len(summaries)}/{len(parts)} chunk runs, status {total['status']}")
    _exit(total)


def runs(ctx: typer.Context,
         args: Annotated[list[str] | None, typer.Argument(metavar="[IMPORT] | show RUN_ID", help="List runs (of one import), or `show RUN_ID`.")] = None,
         as_json: JsonOpt = False,
         limit: Annotated[int, typer.Option("--limit", metavar="N", help="Most runs to list.")] = 20) -> None:
    """List local runs, newest first; `lockgate runs show RUN_ID` prints the run's state table."""
    from ..local import records

    project = _project(ctx)
    args = args or []
    if args and args[0] == "show":
        if len(args) != 2:
            raise UsageError("usage: lockgate runs show RUN_ID")
        _show(project, args[1], as_json)
        return
    if len(args) > 1:
        raise UsageError("usage: lockgate runs [IMPORT] | lockgate runs show RUN_ID")
    rows = records.list_runs(project.lake, args[0] if args else None)[:limit]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.table import Table

    table = Table()
    for column in ("run id", "import", "status", "route", "rows in", "written", "rejected", "duration", "started"):
        table.add_column(column, overflow="fold")
    for r in rows:
        table.add_row(r["run_id"], r["import"], r["status"], str(r.get("route")), f"{r.get('rows_in', 0):,}",
                      f"{r.get('rows_written', 0):,}", f"{r.get('rows_rejected', 0):,}",
                      f"{r.get('duration_s', 0):.1f} s", str(r.get("started_at", ""))[:19])
    _console().print(table)


def _console() -> Any:
    """A Rich console; piped output gets 200 columns so tables are not cut to 80."""
    import sys

    from rich.console import Console

    return Console() if sys.stdout.isatty() else Console(width=200)


def _show(project: Project, run_id: str, as_json: bool) -> None:
    from ..local import records

    summary = records.read_summary(project.lake, run_id)
    states = records.read_states(project.lake, run_id)
    if as_json:
        typer.echo(json.dumps({"summary": summary, "states": states}, indent=2, default=str))
        return
    from rich.table import Table

    colours = {"succeeded": "green", "retried": "yellow", "caught": "dark_orange", "failed": "red", "not_run": "dim"}
    table = Table(title=f"{summary['import']} {run_id}: {summary['status']} (route {summary.get('route')})")
    for column in ("state", "status", "attempts", "duration", "error"):
        table.add_column(column, overflow="fold")
    for s in states:
        name = ("  ↳ " if s.get("parent") else "") + s["name"] + (f" ×{s['executions']}" if s.get("executions") else "")
        duration = f"{s['duration_s']:.2f} s" if s.get("duration_s") is not None else ""
        table.add_row(name, f"[{colours[s['status']]}]{s['status']}[/]", str(s["attempts"] or ""), duration, s.get("error") or "")
    console = _console()
    console.print(table)
    console.print(f"report: {summary.get('report')}")
