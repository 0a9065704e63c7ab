"""Run every ``benchmarks/bench_*.py`` module and write the table to ``benchmarks/RESULTS.md``.

Each module exposes ``run() -> list[dict]`` with rows of ``benchmark``, ``metric``, ``value``,
``target`` (text such as ``>= 2.0``) and ``ok`` (bool). Targets are ratios against peers measured in the
same run, never absolute times, so the table means the same on any machine.
Usage: ``python -m benchmarks [NAME ...]`` (names without the ``bench_`` prefix).
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if n.removeprefix("bench_") in argv]
    rows: list[dict] = []
    for name in names:
        print(f"== {name}", flush=True)
        mod = importlib.import_module(f"benchmarks.{name}")
        for row in mod.run():
            rows.append(row)
            mark = "ok" if row["ok"] else "MISSED"
            print(f"  {row['benchmark']}: {row['metric']} = {row['value']} (target {row['target']}) {mark}")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {time.strftime('%Y-%m-%d')}, {platform.machine()}, "
        f"Python {platform.python_version()}. Ratios are measured against peers in the same run.",
        "",
        "| benchmark | metric | value | target | met |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r['benchmark']} | {r['metric']} | {r['value']} | {r['target']} | {'yes' if r['ok'] else 'no'} |" for r in rows]
    if not argv:
        (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
