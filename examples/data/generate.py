"""Generate realistic, deterministic, slightly messy raw data into a local lake.

``orders``: daily gzip CSV exports from a shop database (the ``orders`` import).
``events``: clickstream JSON Lines, one gzip file per hour (the ``events`` and ``sessions`` imports).
``payments``: a partner's daily CSV files in a folder its HTTPS server publishes (the ``payments`` import,
downloaded before it is planned; ``examples/partner_server.py``).

Messiness is deliberate and counted, so the demo and tests know how many rows must end in quarantine,
be filtered or be deduplicated: every generator returns a ``Expected`` tally next to the files.

Usage: ``python -m examples.data.generate --lake .lake --orders-day 2024-03-01 --events 2024-03-01..2024-03-08``
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

__all__ = ["Expected", "generate_orders", "generate_events", "generate_payments", "lake_path"]

CURRENCIES = ["EUR", "EUR", "EUR", "USD", "GBP"]
STATUSES = ["paid", "paid", "paid", "shipped", "refunded"]
EVENT_TYPES = ["page_view"] * 6 + ["click"] * 3 + ["add_to_cart", "purchase", "signup"]
PAGES = ["/", "/search", "/product/42", "/product/7", "/cart", "/checkout", "/account", "/blog/ünïcode"]


@dataclass
class Expected:
    """What a correct import of the generated data must report."""

    files: list[str] = field(default_factory=list)
    rows: int = 0
    rejected: int = 0
    filtered: int = 0
    duplicates: int = 0

    @property
    def written(self) -> int:
        return self.rows - self.rejected - self.filtered - self.duplicates

    def add(self, other: Expected) -> None:
        self.files += other.files
        self.rows += other.rows
        self.rejected += other.rejected
        self.filtered += other.filtered
        self.duplicates += other.duplicates


def lake_path(lake: Path, uri: str) -> Path:
    """``s3://bucket/key`` inside the local lake."""
    return lake / uri.removeprefix("s3://")


def _write_gzip(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the bytes identical from run to run
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(text.encode("utf-8"))


def generate_orders(lake: Path, day: date, rows: int = 2000, *, files: int = 2, seed: int = 7) -> Expected:
    """One day of order exports as ``files`` gzip CSV parts under s3://acme-raw/shop/orders/DAY/.

    About 0.5% of rows are bad, under the 1% ``max_reject_ratio`` of the orders example.
    """
    rnd = random.Random(f"orders-{day}-{seed}")
    exp = Expected()
    base_id = int(day.strftime("%Y%m%d")) * 100_000
    seen_ids: list[int] = []
    per_file = rows // files
    for part in range(files):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["OrderID", "customer_id", "amount", "currency", "status", "ordered_at", "channel"])
        for i in range(per_file):
            oid = base_id + part * per_file + i
            ts = datetime(day.year, day.month, day.day) + timedelta(seconds=rnd.randrange(86_400))
            row = [str(oid), str(rnd.randrange(1, 5000)), f"{rnd.uniform(1, 500):.2f}", rnd.choice(CURRENCIES),
                   rnd.choice(STATUSES), ts.strftime("%Y-%m-%d %H:%M:%S"), rnd.choice(["web", "app"])]
            roll = rnd.random()
            if roll < 0.0015:
                row[2] = rnd.choice(["12,50", "abc", "1e999"])  # cast:amount
                exp.rejected += 1
            elif roll < 0.0025:
                row[2] = f"-{rnd.uniform(1, 50):.2f}"  # check:amount >= 0
                exp.rejected += 1
            elif roll < 0.0035:
                row[3] = rnd.choice(["JPY", "eur", "€"])  # allowed:currency
                exp.rejected += 1
            elif roll < 0.0042:
                row[1] = rnd.choice(["", "NULL"])  # not_null:customer_id
                exp.rejected += 1
            elif roll < 0.005:
                row[5] = ts.strftime("%d/%m/%Y %H:%M")  # cast:ordered_at
                exp.rejected += 1
            elif roll < 0.025:
                row[4] = "test"  # filtered
                exp.filtered += 1
            elif roll < 0.045 and seen_ids:
                row[0] = str(rnd.choice(seen_ids))  # re-export of an earlier order: deduplicated
                row[5] = (ts - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")  # older, so it loses
                row[5] = f"{day.isoformat()} 00:00:00" if row[5][:10] != day.isoformat() else row[5]
                exp.duplicates += 1
            else:
                seen_ids.append(oid)
            if rnd.random() < 0.01 and row[4] != "test":
                row[4] = f" {row[4]} "  # spaces are kept in strings (so " test " would not be filtered)
            w.writerow(row)
            exp.rows += 1
        uri = f"s3://acme-raw/shop/orders/{day.isoformat()}/orders-part-{part:03d}.csv.gz"
        _write_gzip(lake_path(lake, uri), buf.getvalue())
        exp.files.append(uri)
    return exp


def generate_events(lake: Path, start: date, days: int, *, files_per_day: int = 48, rows_per_file: int = 200,
                    seed: int = 11) -> Expected:
    """Gzip JSON Lines under s3://acme-raw/events/DAY/events-NN.jsonl.gz, ``files_per_day`` a day."""
    exp = Expected()
    for d in range(days):
        day = start + timedelta(days=d)
        rnd = random.Random(f"events-{day}-{seed}")
        recent: list[str] = []
        for f in range(files_per_day):
            lines: list[str] = []
            for i in range(rows_per_file):
                slot = 86_400 // files_per_day
                ts = datetime(day.year, day.month, day.day) + timedelta(seconds=f * slot + rnd.randrange(slot))
                ev = {"event_id": f"{day:%Y%m%d}-{f:02d}-{i:05d}", "user_id": rnd.randrange(1, 800),
                      "event_type": rnd.choice(EVENT_TYPES), "occurred_at": ts.isoformat() + "Z",
                      "page": rnd.choice(PAGES), "revenue": None, "mobile": rnd.random() < 0.4}
                if ev["event_type"] == "purchase":
                    ev["revenue"] = round(rnd.uniform(5, 300), 2)
                roll = rnd.random()
                if roll < 0.003:
                    lines.append('{"event_id": "broken", "user_id": ')  # parse: not JSON
                    exp.rows += 1
                    exp.rejected += 1
                    continue
                if roll < 0.005:
                    lines.append(json.dumps([ev["event_id"], ev["user_id"]]))  # parse: not an object
                    exp.rows += 1
                    exp.rejected += 1
                    continue
                if roll < 0.008:
                    ev["user_id"] = None  # not_null:user_id
                    exp.rejected += 1
                elif roll < 0.010:
                    ev["event_type"] = "scroll"  # allowed:event_type
                    exp.rejected += 1
                elif roll < 0.012:
                    ev["revenue"] = -1.5  # check:revenue >= 0
                    exp.rejected += 1
                elif roll < 0.022 and recent:
                    ev["event_id"] = rnd.choice(recent)  # at-least-once delivery: deduplicated
                    exp.duplicates += 1
                else:
                    recent.append(ev["event_id"])
                    recent = recent[-50:]
                lines.append(json.dumps(ev, ensure_ascii=False))
                exp.rows += 1
            uri = f"s3://acme-raw/events/{day.isoformat()}/events-{f:02d}.jsonl.gz"
            _write_gzip(lake_path(lake, uri), "\n".join(lines) + "\n")
            exp.files.append(uri)
    return exp


def generate_payments(folder: Path, day: date, rows: int = 400, *, files: int = 2, seed: int = 11) -> Expected:
    """One day of a partner's payment files, ``folder/exports/payments/DAY/payments-NNN.csv`` (plain CSV, as
    the partner publishes them over HTTPS). A few amounts are not numbers (rule cast:amount)."""
    rnd = random.Random(f"payments-{day}-{seed}")
    exp = Expected()
    per_file = rows // files
    for part in range(files):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["payment_id", "order_id", "amount", "currency", "paid_at"])
        for i in range(per_file):
            ts = datetime(day.year, day.month, day.day) + timedelta(seconds=rnd.randrange(86_400))
            amount = f"{rnd.uniform(1, 500):.2f}"
            if rnd.random() < 0.01:
                amount = rnd.choice(["n/a", "12,50"])
                exp.rejected += 1
            w.writerow([str(part * per_file + i + 1), str(rnd.randrange(1, 100_000)), amount, rnd.choice(CURRENCIES),
                        ts.strftime("%Y-%m-%d %H:%M:%S")])
            exp.rows += 1
        path = folder / "exports" / "payments" / day.isoformat() / f"payments-{part + 1:03d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(buf.getvalue(), encoding="utf-8")
        exp.files.append(str(path))
    return exp


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lake", type=Path, default=Path(".lake"))
    p.add_argument("--orders-day", type=date.fromisoformat, default=date(2024, 3, 1))
    p.add_argument("--orders-rows", type=int, default=2000)
    p.add_argument("--events", default="2024-03-01..2024-03-08", help="START..END (END exclusive)")
    p.add_argument("--events-rows-per-file", type=int, default=200)
    a = p.parse_args(argv)
    o = generate_orders(a.lake, a.orders_day, a.orders_rows)
    s, _, e = a.events.partition("..")
    start, end = date.fromisoformat(s), date.fromisoformat(e)
    ev = generate_events(a.lake, start, (end - start).days, rows_per_file=a.events_rows_per_file)
    for name, x in (("orders", o), ("events", ev)):
        print(f"{name}: {len(x.files)} files, {x.rows} rows ({x.rejected} bad, {x.filtered} test, {x.duplicates} duplicates)")


if __name__ == "__main__":
    main()
