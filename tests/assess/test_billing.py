"""Glue cost now: per-second billing with the 1-minute minimum at the router's own prices, runs in the 30
days up to as_of, nearest-rank p50/p95."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orchestration.assess.account import JobRun
from orchestration.assess.billing import billed_dpu_seconds, percentile, run_cost, run_stats
from orchestration.router import Prices

PRICES = Prices()
NOW = datetime(2026, 11, 30, tzinfo=UTC)


def _run(secs: float, *, worker: str = "G.1X", workers: int = 10, klass: str = "STANDARD", dpu_s: float | None = None,
         days_ago: float = 1, state: str = "SUCCEEDED") -> JobRun:
    return JobRun("jr", NOW - timedelta(days=days_ago), state, secs, dpu_s, worker, workers, 0.0, klass)


def test_a_short_run_is_billed_one_minute() -> None:
    assert billed_dpu_seconds(_run(20), PRICES) == 10 * 60
    assert run_cost(_run(20), PRICES) == pytest.approx(10 * 60 / 3600 * 0.44)


def test_longer_runs_are_billed_per_second() -> None:
    assert run_cost(_run(61), PRICES) == pytest.approx(10 * 61 / 3600 * 0.44)
    assert run_cost(_run(600, worker="G.2X"), PRICES) == pytest.approx(20 * 600 / 3600 * 0.44)


def test_memory_optimized_and_flex_use_their_prices() -> None:
    assert run_cost(_run(3600, worker="R.1X", workers=2), PRICES) == pytest.approx(2 * PRICES.glue_m_dpu_hour)
    assert run_cost(_run(3600, klass="FLEX", workers=2), PRICES) == pytest.approx(2 * PRICES.glue_flex_dpu_hour)


def test_reported_dpu_seconds_win_and_are_raised_to_the_minimum() -> None:
    assert billed_dpu_seconds(_run(600, dpu_s=4000), PRICES) == 4000  # auto-scaling used fewer than 10 DPUs
    assert billed_dpu_seconds(_run(30, dpu_s=150), PRICES) == pytest.approx(300)  # 5 DPUs on average, 60 s billed


def test_prices_come_from_the_routing_config() -> None:
    dear = Prices(glue_dpu_hour=1.0, glue_minimum_s=0)
    assert run_cost(_run(36), dear) == pytest.approx(10 * 36 / 3600)


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95 and percentile([], 50) == 0
    assert percentile([7.0], 95) == 7


def test_run_stats_count_the_finished_runs_of_the_last_30_days() -> None:
    runs = [_run(100, days_ago=d) for d in range(1, 41)] + [_run(0, days_ago=0.1, state="RUNNING"),
                                                            _run(300, days_ago=2, state="FAILED")]
    stats = run_stats(runs, NOW, PRICES)
    assert stats.runs_per_month == 30  # days 1..29 plus the failed run; day 30 and older are out, running is not billed
    assert stats.failed_per_month == 1
    assert stats.p50_s == 100 and stats.p95_s == 100
    assert stats.glue_usd_month == pytest.approx((29 * 10 * 100 + 10 * 300) / 3600 * 0.44)
