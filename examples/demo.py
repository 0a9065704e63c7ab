"""`make demo`: Lockgate end to end on this machine, no AWS account needed.

1. Generates messy sample data into the local lake (deterministic seed).
2. Runs the daily `orders` import: small, so the router sends it to Lambda.
3. Backfills a week of `events`: the router's model says one week exceeds what the import's Lambda
   settings can finish in time, so it goes to Glue (local Spark) — chosen, not forced.
4. Imports a day of `payments` from a partner's HTTPS server (started here on localhost:48443 with a
   certificate from a CA made for the demo): the state machine's download stage copies the files into
   the raw bucket before Plan; a second run finds them unchanged and copies nothing.
5. The state machines crawl their output; then the tables are queried through the local Athena
   stand-in (DuckDB).
6. Prints each run's route, reasons, row counts, costs and where its HTML run report is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from examples.data.generate import Expected, generate_events, generate_orders, generate_payments
from examples.partner_server import PartnerServer, make_ca
from orchestration.local.records import state_outcomes

ROOT = Path(__file__).resolve().parents[1]
LAKE = ROOT / ".lake"
ORDERS_DAY = date(2024, 3, 1)
EVENTS_WINDOW = "2024-03-01..2024-03-08"
PARTNER_PORT = 48443
"""The port examples/imports/payments.yaml names."""
PARTNER_TOKEN = "demo-partner-token"
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


def payments_from_partner(window: str) -> None:
    """The partner's files are served over HTTPS; the run downloads them, then imports them."""
    partner = LAKE / "_partner"
    payments = generate_payments(partner / "www", ORDERS_DAY)
    ca = make_ca(partner / "tls")
    os.environ |= {"LOCKGATE_CA_BUNDLE": str(ca.ca_pem), "PARTNER_PAYMENTS_TOKEN": PARTNER_TOKEN}
    try:
        server = PartnerServer(partner / "www", ca, PARTNER_TOKEN, port=PARTNER_PORT)
    except OSError as e:
        raise SystemExit(f"cannot serve the partner's files on localhost:{PARTNER_PORT} ({e}); "
                         "examples/imports/payments.yaml names that port: free it and run make demo again") from None
    with server:
        console.print(f"partner HTTPS server at {server.url} (CA {ca.ca_pem}) serving {len(payments.files)} files")
        run = lockgate("run", "payments", "--local", "--window", window)
        landed = sorted(p.name for p in (LAKE / "acme-raw" / "partner" / "payments" / ORDERS_DAY.isoformat()).iterdir())
        console.print(f"downloaded into s3://acme-raw/partner/payments/{ORDERS_DAY.isoformat()}/: {', '.join(landed)}")
        show_run("payments: downloaded from the partner over HTTPS, then imported", run, payments)
        again = lockgate("run", "payments", "--local", "--window", window)
        if state_outcomes(LAKE, again["run_id"]).get("DownloadFiles") != "not_run":
            raise SystemExit("payments re-run: the download stage copied files again although none changed")
        console.print(f"re-run: {again['status']}; the download stage found every file unchanged and copied none")


def main() -> None:
    started = time.monotonic()
    console.rule("Lockgate demo")
    for area in ("acme-raw", "acme-lake", "lockgate-control", "_catalog", "_runs", "_outbox", "_partner"):
        shutil.rmtree(LAKE / area, ignore_errors=True)
    orders = generate_orders(LAKE, ORDERS_DAY, rows=2000)
    events = generate_events(LAKE, date(2024, 3, 1), days=7)
    console.print(f"sample data in {LAKE}: orders {len(orders.files)} files / {orders.rows:,} rows, "
                  f"events {len(events.files)} files / {events.rows:,} rows")

    window = f"{ORDERS_DAY.isoformat()}..{date.fromordinal(ORDERS_DAY.toordinal() + 1).isoformat()}"
    show_run("orders: daily import", lockgate("run", "orders", "--local", "--window", window), orders)
    show_run("events: one-week backfill", lockgate("backfill", "events", "--local", "--window", EVENTS_WINDOW), events)

    payments_from_partner(window)

    show_query("SELECT order_date, currency, count(*) AS orders, sum(amount) AS revenue FROM sales.orders GROUP BY 1, 2 ORDER BY 1, 2")
    show_query("SELECT paid_date, currency, count(*) AS payments, sum(amount) AS paid FROM sales.payments GROUP BY 1, 2 ORDER BY 1, 2")
    show_query("SELECT event_date, count(*) AS events, count(DISTINCT user_id) AS users FROM analytics.events GROUP BY 1 ORDER BY 1")
    console.rule(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
