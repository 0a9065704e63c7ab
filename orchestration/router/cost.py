"""What one run costs on each route, from list prices.

Lambda route: GB-seconds and requests of process-batch (and dedupe) invocations, plus plan and commit,
plus Step Functions Standard transitions (parent states plus one child workflow per batch). Glue route:
DPU-hours billed per second with Glue's 1-minute minimum, plus plan, commit and the parent's transitions.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Prices, ThroughputModel

__all__ = ["StateCounts", "RouteCost", "lambda_cost", "glue_cost", "cost_sentence"]


@dataclass(frozen=True)
class StateCounts:
    """State transitions of one execution per route (from the compiled definition; see
    ``orchestration.router.transitions.state_counts``)."""

    lambda_parent: int = 10
    glue_parent: int = 8
    per_batch: int = 2
    """Transitions per Distributed Map item (its child execution)."""
    per_bucket: int = 2
    """Transitions per dedupe bucket iteration."""


@dataclass(frozen=True)
class RouteCost:
    usd: float
    compute_usd: float
    requests_usd: float
    transitions_usd: float
    detail: dict[str, float]

    def to_json(self) -> dict[str, float]:
        return {"usd": round(self.usd, 6), "compute_usd": round(self.compute_usd, 6),
                "requests_usd": round(self.requests_usd, 6), "transitions_usd": round(self.transitions_usd, 6),
                **{k: round(v, 4) for k, v in self.detail.items()}}


def _control(model: ThroughputModel) -> float:
    """GB-seconds of plan + commit."""
    return 2 * model.control_seconds * model.control_memory_mb / 1024


def lambda_cost(batch_seconds: list[float], bucket_seconds: list[float], memory_mb: int, counts: StateCounts,
                model: ThroughputModel, prices: Prices) -> RouteCost:
    # A batch's estimate already holds its invocation overhead (estimate.invocation_seconds); a dedupe
    # bucket's is data time only.
    work = sum(batch_seconds) + sum(bucket_seconds) + model.invocation_overhead_s * len(bucket_seconds)
    gb_s = work * memory_mb / 1024 + _control(model)
    requests = len(batch_seconds) + len(bucket_seconds) + 2
    transitions = counts.lambda_parent + counts.per_batch * len(batch_seconds) + counts.per_bucket * len(bucket_seconds)
    compute = gb_s * prices.lambda_gb_second
    req = requests * prices.lambda_request
    trans = transitions * prices.sfn_transition
    return RouteCost(compute + req + trans, compute, req, trans,
                     {"gb_seconds": gb_s, "requests": requests, "transitions": transitions})


def glue_cost(seconds: float, dpus: int, memory_optimized: bool, counts: StateCounts, model: ThroughputModel,
              prices: Prices, *, flex: bool = False) -> RouteCost:
    billed = max(seconds, prices.glue_minimum_s)
    dpu_hours = dpus * billed / 3600
    rate = prices.glue_m_dpu_hour if memory_optimized else prices.glue_flex_dpu_hour if flex else prices.glue_dpu_hour
    compute = dpu_hours * rate
    compute += _control(model) * prices.lambda_gb_second
    req = 2 * prices.lambda_request
    trans = counts.glue_parent * prices.sfn_transition
    return RouteCost(compute + req + trans, compute, req, trans,
                     {"dpu_hours": dpu_hours, "dpus": dpus, "billed_seconds": billed, "transitions": counts.glue_parent})


def cost_sentence(lam: RouteCost, glue: RouteCost) -> str:
    """``lambda ≈ $0.0123, glue ≈ $0.1467 (12x)``: the ratio is the dearer route over the cheaper."""
    a, b = lam.usd, glue.usd
    if min(a, b) <= 0:
        ratio = ""
    elif b >= a:
        r = b / a
        ratio = f" ({r:.0f}x)" if r >= 10 else f" ({r:.1f}x)"
    else:
        r = a / b
        ratio = f" (lambda {r:.0f}x glue)" if r >= 10 else f" (lambda {r:.1f}x glue)"
    return f"lambda ≈ ${a:.4f}, glue ≈ ${b:.4f}{ratio}"
