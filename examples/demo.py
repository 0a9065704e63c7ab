"""`make demo`: Lockgate end to end on this machine, no AWS account needed.

1. Generates messy sample data into the local lake (deterministic seed).
2. Runs the daily `orders` import: small, so the router sends it to Lambda.
3. Backfills a week of `events`: the router's model says one week exceeds what the import's Lambda
   settings can finish in time, so it goes to Glue (local Spark) — chosen, not forced.
4. Both state machines crawl their output; then both tables are queried through the local Athena
   stand-in (DuckDB).
5. Prints each run's route, reasons, row counts, costs and where its HTML run report is.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from examples.data.generate import Expected, generate_events, generate_orders

ROOT = Path(__file__).resolve().parents[1]
LAKE = ROOT / ".lake"
ORDERS_DAY = date(2024, 3, 1)
EVENTS_WINDOW = "2024-03-01..2024-03-08"
console = Console()


def lockgate(*args: str, output: tuple[str, ...] = ("--json",)) -> dict:
    """Run the CLI as a user would; return its JSON output."""
    cmd = [sys.executable, "-m", "orchestration.cli", "--project", str(ROOT), *args, *output]
    shown = " ".join(f'"{a}"' if " " in a else a for a in args)
    console.print(f"[dim]$ lockgate {shown}[/dim]", soft_wrap=True)
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        console.print(r.stdout, r.stderr, style="red")
        raise SystemExit(f"lockgate {args[0]} failed with exit code {r.returncode}")
    return json.loads(r.stdout)


def show_run(title: str, run: dict, expected: Expected) -> None:
    t = Table(show_header=False, box=None)
    t.add_row("status", run["status"])
    t.add_row("route", f"[bold]{run['route']}[/bold]")
    for reason in run.get("reasons", []):
        t.add_row("because", reason)
    t.add_row("rows in", f"{run['rows_in']:,} (generated {expected.rows:,})")
    t.add_row("written", f"{run['rows_written']:,} (expected {expected.written:,})")
    t.add_row("rejected", f"{run['rows_rejected']:,} to quarantine (generated {expected.rejected} bad rows)")
    t.add_row("filtered", f"{run['rows_filtered']:,} (generated {expected.filtered} test rows)")
    t.add_row("deduplicated", f"{run['rows_deduplicated']:,} (generated {expected.duplicates} duplicates)")
    cost = run.get("cost") or {}
    if cost:
        t.add_row("cost per run", cost.get("summary") or json.dumps(cost))
    t.add_row("outputs", ", ".join(run.get("outputs", [])[:3]) + (" ..." if len(run.get("outputs", [])) > 3 else ""))
    if run.get("quarantine"):
        t.add_row("quarantine", str(run["quarantine"]))
    t.add_row("run report", str(run.get("report", "")))
    t.add_row("took", f"{run['duration_s']:.1f} s")
    console.print(Panel(t, title=title))
    accounted = run["rows_written"] + run["rows_rejected"] + run["rows_filtered"] + run["rows_deduplicated"]
    if accounted != run["rows_in"] or run["rows_in"] != expected.rows or run["rows_written"] != expected.written:
        raise SystemExit(f"{title}: rows do not add up: {run}")


def show_query(sql: str) -> None:
    rows = lockgate("query", sql, "--local", output=("--format", "json"))
    t = Table(*rows[0].keys() if rows else ["(no rows)"])
    for row in rows[:12]:
        t.add_row(*(str(v) for v in row.values()))
    console.print(t)


def main() -> None:
    started = time.monotonic()
    console.rule("Lockgate demo")
    for area in ("acme-raw", "acme-lake", "lockgate-control", "_catalog", "_runs", "_outbox"):
        shutil.rmtree(LAKE / area, ignore_errors=True)
    orders = generate_orders(LAKE, ORDERS_DAY, rows=2000)
    events = generate_events(LAKE, date(2024, 3, 1), days=7)
    console.print(f"sample data in {LAKE}: orders {len(orders.files)} files / {orders.rows:,} rows, "
                  f"events {len(events.files)} files / {events.rows:,} rows")

    window = f"{ORDERS_DAY.isoformat()}..{date.fromordinal(ORDERS_DAY.toordinal() + 1).isoformat()}"
    show_run("orders: daily import", lockgate("run", "orders", "--local", "--window", window), orders)
    show_run("events: one-week backfill", lockgate("backfill", "events", "--local", "--window", EVENTS_WINDOW), events)

    show_query("SELECT order_date, currency, count(*) AS orders, sum(amount) AS revenue FROM sales.orders GROUP BY 1, 2 ORDER BY 1, 2")
    show_query("SELECT event_date, count(*) AS events, count(DISTINCT user_id) AS users FROM analytics.events GROUP BY 1 ORDER BY 1")
    console.rule(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
