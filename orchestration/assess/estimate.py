"""What a job would cost on Lockgate, from the router itself: ``orchestration.router.route`` over the
draft spec and the job's observed input (the objects one run read, when they could be listed), or the
router's Glue cost at the job's observed size and duration when the job keeps needing Spark."""

from __future__ import annotations

import math
from dataclasses import dataclass

from orchestration.core.compression import detect_compression
from orchestration.core.spec.models import Spec
from orchestration.router import ObjectFacts, PlanFacts, RoutingConfig, StateCounts, human_bytes, route
from orchestration.router.cost import glue_cost
from orchestration.router.estimate import GLUE_WORKER_DPUS

from .billing import RunStats

__all__ = ["LockgateEstimate", "estimate_on_lockgate", "inferred_objects", "INFERRED_OBJECT_BYTES"]

INFERRED_OBJECT_BYTES = 128 * 2**20
"""Object size assumed when a run's input could not be listed and is inferred from its duration."""


@dataclass(frozen=True)
class LockgateEstimate:
    route: str
    reasons: list[str]
    usd_per_run: float
    input_bytes: int
    input_objects: int
    input_how: str


def _facts(spec: Spec, objects: list[tuple[str, int]]) -> PlanFacts:
    fmt = spec.source.format
    out = []
    for key, size in objects:
        comp = detect_compression(key, fmt, spec.source.compression)
        out.append(ObjectFacts(size, comp, fmt == "parquet" or comp == "none", key))
    return PlanFacts(fmt, out, where=spec.source.uri)


def inferred_objects(stats: RunStats, spec: Spec, config: RoutingConfig) -> tuple[list[tuple[str, int]], str]:
    """The input a run of ``stats.p50_s`` seconds at the job's size reads by the router's own Glue model
    (``estimate.glue_seconds`` solved for the bytes), in objects of 128 MiB. An upper bound: every second
    over the model's start-up counts as reading data, so the Lambda estimate errs towards dear."""
    model = config.throughput
    per_worker = GLUE_WORKER_DPUS.get(stats.worker_type, 1)
    workers = max(stats.dpus / per_worker, 2.0)
    vcpus = max(workers - 1, 1.0) * per_worker * 4 * model.glue_efficiency
    comp = spec.source.compression if spec.source.compression != "auto" else "none"
    rate = model.rate(spec.source.format, comp)
    total = int(max(stats.p50_s - model.glue_startup_s, 1.0) * rate * vcpus * 2**20)
    count = min(max(math.ceil(total / INFERRED_OBJECT_BYTES), 1), 100_000)
    suffix = {"gzip": ".gz", "bz2": ".bz2", "zstd": ".zst"}.get(comp, "")
    objects = [(f"{spec.source.uri}inferred-{i}.{spec.source.format}{suffix}", total // count) for i in range(count)]
    how = (f"inferred from the p50 run of {stats.p50_s:.0f} s on {stats.dpus:g} DPUs by the router's Glue model: "
           f"~{human_bytes(total)} (an upper bound; export inputs/ for a measured size)")
    return objects, how


def estimate_on_lockgate(spec: Spec | None, stats: RunStats, objects: list[tuple[str, int]] | None,
                         listed_where: str, config: RoutingConfig, why_glue: str) -> LockgateEstimate:
    """Per-run route and cost on Lockgate. With a draft ``spec``: the router's decision over the listed
    ``objects`` (or, without them, ``inferred_objects``). Without one: the job stays a Spark job, run on
    Glue by Lockgate at its observed size and p50 duration (``why_glue`` says why)."""
    if spec is not None:
        how = f"listed: {len(objects or [])} objects under {listed_where}"
        if not objects or sum(s for _, s in objects) == 0:
            objects, how = inferred_objects(stats, spec, config)
        decision = route(_facts(spec, objects), spec, config=config, mode="scheduled")
        cost = decision.cost.get(decision.route, {}) if decision.route != "empty" else {}
        total = sum(s for _, s in objects)
        return LockgateEstimate(decision.route, decision.reasons, float(cost.get("usd", 0.0)), total, len(objects), how)
    prices, model = config.prices, config.throughput
    dpus = max(math.ceil(stats.dpus), 1)
    cost = glue_cost(stats.p50_s, dpus, stats.worker_type.startswith("R."), StateCounts(), model, prices,
                     flex=stats.execution_class.upper() == "FLEX")
    reasons = [why_glue, f"glue at the job's observed size ({stats.dpus:g} DPUs, p50 {stats.p50_s:.0f} s), plus "
                         f"plan/commit Lambdas and state transitions: ${cost.usd:.4f} a run"]
    return LockgateEstimate("glue", reasons, cost.usd, 0, 0, "not needed: the job stays on Glue")
