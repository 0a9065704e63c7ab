"""Run every ``benchmarks/bench_*.py`` module and write the table to ``benchmarks/RESULTS.md``.

Each module exposes ``run() -> list[dict]`` with rows of ``benchmark``, ``metric``, ``value``,
``target`` (text such as ``>= 2.0``) and ``ok`` (bool). Targets are ratios against peers measured in the
same run, never absolute times, so the table means the same on any machine.
Usage: ``python -m benchmarks [NAME ...]`` (names without the ``bench_`` prefix). A run of named modules
leaves RESULTS.md alone, except for modules that set ``RESULTS_PREFIX``: their rows (those whose benchmark
starts with it) are replaced in the table (``python -m benchmarks calibrate``).
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
    prefixes: list[str] = []
    for name in names:
        print(f"== {name}", flush=True)
        mod = importlib.import_module(f"benchmarks.{name}")
        if getattr(mod, "RESULTS_PREFIX", None):
            prefixes.append(mod.RESULTS_PREFIX)
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
    table = [_line(r) for r in rows]
    lines += table
    if not argv:
        (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
    elif prefixes:
        _replace_rows(HERE / "RESULTS.md", tuple(prefixes), [_line(r) for r in rows if r["benchmark"].startswith(tuple(prefixes))])
    return 0 if all(r["ok"] for r in rows) else 1


def _line(r: dict) -> str:
    return f"| {r['benchmark']} | {r['metric']} | {r['value']} | {r['target']} | {'yes' if r['ok'] else 'no'} |"


def _replace_rows(path: Path, prefixes: tuple[str, ...], new: list[str]) -> None:
    """RESULTS.md with its table rows of benchmarks starting with ``prefixes`` replaced by ``new`` (where the
    first of them was, else at the end of the table)."""
    old = path.read_text().splitlines()
    mine = [i for i, line in enumerate(old) if line.startswith(tuple(f"| {p}" for p in prefixes))]
    table = [i for i, line in enumerate(old) if line.startswith("| ")]
    at = mine[0] if mine else (table[-1] + 1 if table else len(old))
    kept = [line for i, line in enumerate(old[:at]) if i not in mine]
    rest = [line for i, line in enumerate(old[at:], start=at) if i not in mine]
    path.write_text("\n".join([*kept, *new, *rest]) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
