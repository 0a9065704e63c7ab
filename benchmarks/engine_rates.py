"""The router's default throughput, measured: ``python -m benchmarks.bench_engine rates`` is the older name
of ``python -m benchmarks calibrate`` (benchmarks/bench_calibrate.py), which measures the engine's curves
at 1 and 2 cores per data shape, format and compression, extrapolates 4 and 6, writes
orchestration/router/throughput.json and checks the router's estimate against measured times.
"""

from __future__ import annotations

from typing import Any


def rates() -> list[dict[str, Any]]:
    """Run the calibration and print its rows."""
    from benchmarks.bench_calibrate import run

    rows = run()
    for r in rows:
        print(f"  {r['benchmark']}: {r['metric']} = {r['value']} (target {r['target']})")
    return rows
