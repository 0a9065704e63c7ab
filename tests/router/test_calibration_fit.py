"""The calibration's fit: the marginal rate and the fixed part of ``seconds = fixed + MB / rate``."""

from __future__ import annotations

import json

import pytest

from benchmarks.bench_calibrate import extrapolate, fit
from orchestration.router import RoutingConfig
from orchestration.router.curves import DATA_FILE


def _best(times: dict[tuple[str, int], float]) -> dict[tuple[str, int], tuple[float, float]]:
    return {k: (v, v) for k, v in times.items()}


def test_the_rate_is_marginal_and_the_fill_is_fixed() -> None:
    """Two cores with a 0.3 s fill: a rate from one object's whole seconds would say 40 MB/s at 50 MB
    (50 / 1.25) and 44 MB/s at 100 MB; the marginal rate is 50 MB/s at any size."""
    sizes = {"half": 50.0, "curve": 100.0}
    best = _best({("half", 1): 0.25 + 50 / 30, ("curve", 1): 0.25 + 100 / 30,
                  ("half", 2): 0.55 + 50 / 50, ("curve", 2): 0.55 + 100 / 50})
    rates, fixed = fit(best, sizes, [1, 2], floor=0.25)
    assert rates == pytest.approx({1: 30.0, 2: 50.0})
    assert fixed == pytest.approx({1: 0.25, 2: 0.55})
    curve, p = extrapolate(rates)
    assert curve[2] == pytest.approx(50.0) and p == pytest.approx(0.5)  # clamped: 2 (1 - 30/50) = 0.8
    assert curve[4] == pytest.approx(50.0)  # Amdahl with p = 0.5 says 48: never below the measured 2-core point
    assert curve[6] == pytest.approx(30 / (0.5 + 0.5 / 6))


def test_noise_without_a_slope_falls_back_and_two_cores_never_beat_twice_one() -> None:
    sizes = {"half": 10.0, "curve": 20.0}
    best = _best({("half", 1): 1.0, ("curve", 1): 1.0, ("half", 2): 0.9, ("curve", 2): 0.4})
    rates, fixed = fit(best, sizes, [1, 2], floor=0.5)
    assert rates[1] == pytest.approx(20.0 / 0.5)  # no slope: MB over the seconds less the floor
    assert rates[2] == pytest.approx(2 * rates[1])  # the larger object faster than the half: capped at 2x
    assert all(v >= 0 for v in fixed.values())


def test_the_engine_costs_less_per_object_than_the_router_assumes() -> None:
    data = json.loads(DATA_FILE.read_text())
    assert 0 < data["local_object_s"] <= RoutingConfig().throughput.per_object_overhead_s
