"""What a Glue job costs now, from its runs: per-second billing with Glue's 1-minute minimum, at the
DPU-hour prices of ``routing.prices`` (the router's own price table), over the 30 days up to ``as_of``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from orchestration.router.config import Prices

from .account import JobRun

__all__ = ["RunStats", "run_stats", "run_cost", "billed_dpu_seconds", "percentile", "MONTH_DAYS", "FINISHED"]

MONTH_DAYS = 30
FINISHED = ("SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR", "EXPIRED")
"""Run states that were billed; runs still starting or running are left out until they finish."""


@dataclass(frozen=True)
class RunStats:
    runs_per_month: int
    failed_per_month: int
    p50_s: float
    p95_s: float
    glue_usd_month: float
    dpus: float
    """DPUs of the typical (median) run."""
    worker_type: str
    execution_class: str


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)), 1)
    return ordered[rank - 1]


def billed_dpu_seconds(run: JobRun, prices: Prices) -> float:
    """DPU-seconds Glue bills for ``run``: the reported DPUSeconds (auto-scaling, Flex) or DPUs x execution
    time, with the run's duration raised to the minimum."""
    secs = max(run.execution_time_s, 0.0)
    if run.dpu_seconds is not None:
        if secs <= 0:
            return run.dpu_seconds
        return run.dpu_seconds * max(secs, prices.glue_minimum_s) / secs
    return run.dpus * max(secs, prices.glue_minimum_s)


def run_cost(run: JobRun, prices: Prices) -> float:
    if run.worker_type.startswith("R."):
        rate = prices.glue_m_dpu_hour
    elif run.execution_class.upper() == "FLEX":
        rate = prices.glue_flex_dpu_hour
    else:
        rate = prices.glue_dpu_hour
    return billed_dpu_seconds(run, prices) / 3600 * rate


def run_stats(runs: list[JobRun], as_of: datetime, prices: Prices) -> RunStats:
    """Runs per month (finished runs started in the 30 days up to ``as_of``), p50/p95 of their execution
    time and their cost."""
    since = as_of - timedelta(days=MONTH_DAYS)
    month = [r for r in runs if since < r.started_on <= as_of and r.state.upper() in FINISHED]
    durations = [r.execution_time_s for r in month]
    p50 = percentile(durations, 50)
    typical = min(month, key=lambda r: abs(r.execution_time_s - p50), default=None)
    return RunStats(
        runs_per_month=len(month),
        failed_per_month=sum(1 for r in month if r.state.upper() != "SUCCEEDED"),
        p50_s=p50,
        p95_s=percentile(durations, 95),
        glue_usd_month=sum(run_cost(r, prices) for r in month),
        dpus=typical.dpus if typical else 0.0,
        worker_type=typical.worker_type if typical else "",
        execution_class=typical.execution_class if typical else "STANDARD",
    )
