"""The router's default throughput rates, measured: ``python -m benchmarks.bench_engine rates``.

For each dataset (``orders``: narrow, 7 columns; ``wide``: 19 columns, 15 numeric) and each
format/compression the router knows, one generated object goes through ``lambdas.engine.process_batch``
in a fresh process pinned to one core (``sched_setaffinity``, as a 1769 MB Lambda has one vCPU) with one
DuckDB thread. The rate is stored MB per CPU second of that process (start-up and imports included,
which makes it lower, i.e. safer; CPU seconds because the machine may be shared). Best of ``RATE_RUNS``.
Prints a table and the suggested defaults: 80% of the slower dataset's rate.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.bench_engine import ENGINE, _run
from benchmarks.engine_data import DATASETS, generate

RATE_ROWS = {"orders": int(os.environ.get("LOCKGATE_RATE_ORDERS_ROWS", 600_000)),
             "wide": int(os.environ.get("LOCKGATE_RATE_WIDE_ROWS", 300_000))}
RATE_RUNS = int(os.environ.get("LOCKGATE_RATE_RUNS", 2))
KEYS = ("csv/none", "csv/gzip", "csv/zstd", "csv/bz2", "jsonl/none", "jsonl/gzip", "jsonl/zstd", "jsonl/bz2",
        "parquet/none")
_SUFFIX = {"none": "", "gzip": ".gz", "zstd": ".zst", "bz2": ".bz2"}


def _spec(name: str, fmt: str) -> dict[str, Any]:
    spec = dict(DATASETS[name][0])
    source = {"uri": spec["source"]["uri"], "format": fmt, "compression": "auto"}
    if fmt == "csv":
        source["csv"] = spec["source"]["csv"]
    return {**spec, "source": source}


def measure() -> dict[str, dict[str, dict[str, float]]]:
    """``{dataset: {format/compression: {"mb", "cpu_s", "mb_per_s", "hwm_mb"}}}``."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    env = {"LOCKGATE_DUCKDB_THREADS": "1"}
    with tempfile.TemporaryDirectory(prefix="lockgate-rates-") as tmp:
        work = Path(tmp)
        for name, rows in RATE_ROWS.items():
            out[name] = {}
            for key in KEYS:
                fmt, comp = key.split("/")
                src = work / f"{name}.{fmt}{_SUFFIX[comp]}"
                generate(name, src, rows, fmt, comp)
                mb = src.stat().st_size / 2**20
                runs = [_run(ENGINE, src, work, _spec(name, fmt), env=env, one_core=True) for _ in range(RATE_RUNS)]
                best = min(runs, key=lambda r: r["cpu_s"])
                out[name][key] = {"mb": round(mb, 1), "cpu_s": round(best["cpu_s"], 2),
                                  "mb_per_s": round(mb / best["cpu_s"], 2), "hwm_mb": best["hwm_kb"] // 1024}
                print(f"  {name:6} {key:13} {mb:7.1f} MB {best['cpu_s']:6.2f} CPU s {mb / best['cpu_s']:6.2f} MB/s "
                      f"peak {best['hwm_kb'] // 1024} MB", flush=True)
                src.unlink()
    return out


def rates() -> dict[str, float]:
    """Measure, print the table (Markdown) and return the suggested defaults."""
    got = measure()
    suggested = {k: round(0.8 * min(got[n][k]["mb_per_s"] for n in got), 1) for k in KEYS}
    print("\n| format/compression | " + " | ".join(f"{n} MB | {n} CPU s | {n} MB/s" for n in got) + " | default |")
    print("|---|" + "---|---|---|" * len(got) + "---|")
    for k in KEYS:
        cells = " | ".join(f"{got[n][k]['mb']} | {got[n][k]['cpu_s']} | {got[n][k]['mb_per_s']}" for n in got)
        print(f"| {k} | {cells} | {suggested[k]} |")
    return suggested
