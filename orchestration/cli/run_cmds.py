"""``lockgate run``, ``lockgate backfill`` and ``lockgate runs``: start imports locally or on AWS and
follow what they did."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestration.core.errors import ConfigError, UsageError
from orchestration.core.spec.window import Window

from ..config import Project
from .context import complete_import, project_of, settings
from .exits import ExitCode
from .inputs import check_run_inputs
from .progress import Progress, chunk_label, progress_for

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


def _start_local_services() -> None:
    """Start the local Lambda service's fork server while the project loads, if ``orchestration.cli.main``
    has not already (see ``orchestration.forkserver``)."""
    from ..forkserver import start_fork_server

    start_fork_server()


def _run_local(project: Project, import_name: str, window: Window | None, engine: str, mode: str,
               mock: Path | None = None, case: str | None = None, *, progress: Progress,
               label: str | None = None) -> dict[str, Any]:
    """One local run, reporting each state change to ``progress`` (a live view or plain lines)."""
    from ..local.runner import RunRequest, run_local

    request = RunRequest(import_name, window, engine, mode, mock, case)
    progress.start(label or import_name)
    summary = run_local(project, request, progress=progress.update)
    progress.finish(summary)
    return summary


def _print(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(summary, indent=2, default=str))
        return
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column("key", style="dim")
    table.add_column("value", overflow="fold")
    for key in ("run_id", "status", "error", "cause", "root_state", "failed_state", "wrapped_by", "route", "window",
                *COUNTS, "outputs", "quarantine", "duration_s", "report", "execution_arn"):
        value = summary.get(key)
        if value in (None, [], ""):
            continue
        if key == "window" and isinstance(value, dict):
            value = f"{value.get('start')} .. {value.get('end')}"
        if key == "wrapped_by" and isinstance(value, dict):
            value = f"{value.get('error')} in {value.get('state')}: {value.get('cause')}"
        table.add_row(key, "\n".join(map(str, value)) if isinstance(value, list) else str(value))
        if key == "route":
            for reason in summary.get("reasons") or []:
                table.add_row("", f"· {reason}")
    _emit(table)


def _exit(summary: dict[str, Any]) -> None:
    if summary.get("status") not in ("SUCCEEDED", "RUNNING"):
        raise typer.Exit(ExitCode.FAILED)


def start_remote(project: Project, import_name: str, payload: dict[str, Any], *, wait: bool,
                 poll_seconds: float = 5.0, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Start the deployed state machine ``<prefix>-<import>``; with ``wait``, poll until it finishes."""
    from orchestration.core import aws

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
    if progress is not None:
        progress(f"started {started['executionArn'].rsplit(':', 1)[-1]}")
    while wait:
        described = sfn.describe_execution(executionArn=started["executionArn"])
        if progress is not None:
            progress(str(described["status"]).lower())
        if described["status"] != "RUNNING":
            out["status"] = described["status"]
            output = json.loads(described["output"]) if described.get("output") else {}
            out.update({k: v for k, v in output.items() if k not in out} if isinstance(output, dict) else {})
            # The failure path's Fail state carries the root cause (DescribeFailure), not the wrapper.
            out.update(error=described.get("error"), cause=described.get("cause"))
            if out["status"] != "SUCCEEDED":
                out["rows_written"] = 0  # a failed run publishes nothing
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
    if local:
        _start_local_services()
    project = _project(ctx)
    win = check_run_inputs(project, import_name, window, engine, "manual").window
    payload: dict[str, Any] = {"import": import_name, "mode": "manual", "engine": engine}
    if local:
        with progress_for(quiet=settings().quiet) as progress:
            summary = _run_local(project, import_name, win, engine, "manual", mock_config, test_case, progress=progress)
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
    if local:
        _start_local_services()
    project = _project(ctx)
    win = check_run_inputs(project, import_name, window, engine, "backfill").window
    assert win is not None
    parts = chunks(win, chunk) if chunk else [win]
    summaries: list[dict[str, Any]] = []
    with progress_for(quiet=settings().quiet) as progress:
        for index, part in enumerate(parts, start=1):
            label = chunk_label(import_name, index, len(parts))
            if local:
                summary = _run_local(project, import_name, part, engine, "backfill", progress=progress, label=label)
            else:
                payload = {"import": import_name, "mode": "backfill", "engine": engine, "window": part.to_json()}
                progress.start(label)
                summary = start_remote(project, import_name, payload, wait=wait or len(parts) > 1,
                                       poll_seconds=poll_seconds, progress=progress.update)
                progress.finish(summary)
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
         limit: Annotated[int, typer.Option("--limit", metavar="N", help="Most runs to list.")] = 20,
         show_all: Annotated[bool, typer.Option("--all", help="With show: every state of the definition, also those that did not run.")] = False) -> None:
    """List local runs, newest first; `lockgate runs show RUN_ID` prints the root cause and the states that ran."""
    from ..local import records

    project = _project(ctx)
    args = args or []
    if args and args[0] == "show":
        if len(args) != 2:
            raise UsageError("usage: lockgate runs show RUN_ID [--all]")
        _show(project, args[1], as_json, show_all)
        return
    if len(args) > 1:
        raise UsageError("usage: lockgate runs [IMPORT] | lockgate runs show RUN_ID")
    rows = records.list_runs(project.lake, args[0] if args else None)[:limit]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    from rich.table import Table

    table = Table()
    for column in ("run id", "import", "status", "route", "rows in", "written", "rejected", "duration", "cost",
                   "started", "error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        measured = (r.get("measured") or {}).get("usd")  # docs/operations.md, "Cost and latency of runs"
        table.add_row(r["run_id"], r["import"], r["status"], str(r.get("route")), f"{r.get('rows_in', 0):,}",
                      f"{r.get('rows_written', 0):,}", f"{r.get('rows_rejected', 0):,}",
                      f"{r.get('duration_s', 0):.1f} s", "" if measured is None else f"${measured:.4f}",
                      str(r.get("started_at", ""))[:19], r.get("error") or "")
    _emit(table)


def _emit(*renderables: Any) -> None:
    """Print Rich renderables to stdout. Piped output gets 200 columns (tables are not cut to 80), no
    colour codes, and no trailing spaces (Rich pads table cells to the column width)."""
    import sys

    from rich.console import Console

    if sys.stdout.isatty():
        Console().print(*renderables)
        return
    console = Console(width=200, no_color=True, force_terminal=False)
    with console.capture() as captured:
        for renderable in renderables:
            console.print(renderable, overflow="fold")
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def root_cause_lines(summary: dict[str, Any]) -> list[str]:
    """The head of a failed run: its root cause first, the Step Functions wrapper after it."""
    if not summary.get("error"):
        return []
    where = summary.get("root_state") or summary.get("failed_state")
    lines = [f"error: {summary['error']}" + (f" in {where}" if where else "")]
    if summary.get("cause"):
        lines.append(f"cause: {summary['cause']}")
    wrapper = summary.get("wrapped_by")
    if isinstance(wrapper, dict) and wrapper.get("error"):
        lines.append(f"wrapped by: {wrapper['error']} in {wrapper.get('state')}")
    return lines


def _show(project: Project, run_id: str, as_json: bool, show_all: bool = False) -> None:
    from ..local import records

    summary = records.read_summary(project.lake, run_id)
    states = records.read_states(project.lake, run_id)
    if not show_all:
        states = [s for s in states if s["status"] != "not_run"]
    if as_json:
        typer.echo(json.dumps({"summary": summary, "states": states}, indent=2, default=str))
        return
    from rich.table import Table
    from rich.text import Text

    head = [Text(f"{summary['import']} {run_id}: {summary['status']} (route {summary.get('route')}), "
                 f"{summary.get('rows_written', 0):,} rows published")]
    head += [Text(line) for line in root_cause_lines(summary)]
    colours = {"succeeded": "green", "retried": "yellow", "caught": "dark_orange", "failed": "red", "not_run": "dim"}
    table = Table(caption=None if show_all else "states that ran (--all shows every state)", caption_justify="left")
    for column in ("state", "status", "attempts", "duration", "error"):
        table.add_column(column, overflow="fold")
    for s in states:
        name = ("  ↳ " if s.get("parent") else "") + s["name"] + (f" ×{s['executions']}" if s.get("executions") else "")
        duration = f"{s['duration_s']:.2f} s" if s.get("duration_s") is not None else ""
        table.add_row(Text(name), Text(s["status"], style=colours[s["status"]]), str(s["attempts"] or ""), duration,
                      Text(s.get("error") or ""))
    _emit(*head, table, Text(f"report: {summary.get('report')}"))
