"""The router: a pure function from a run's facts, the spec and the throughput model to a route,
batches and reasons in plain words (docs/routing.md, docs/adr/0001-routing-model.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from orchestration.core.contracts import Batch, Route
from orchestration.core.errors import SpecError
from orchestration.core.spec.models import Spec
from orchestration.core.spec.uris import spark_can_open

from .binpack import first_fit_decreasing
from .config import RoutingConfig
from .cost import RouteCost, StateCounts, cost_sentence, glue_cost, lambda_cost
from .estimate import glue_seconds, invocation_seconds, memory_needed_mb, object_seconds, spec_budget
from .facts import PlanFacts, format_label, human_bytes, human_seconds
from .limits import GlueRun, glue_run

__all__ = ["Decision", "route", "EngineChoice"]

EngineChoice = Literal["auto", "lambda", "glue"]


@dataclass(frozen=True)
class Decision:
    """The router's answer. ``batches`` is the Lambda packing (also computed for Glue runs, for cost);
    ``cost`` is ``{"lambda": {...}, "glue": {...}, "summary": "lambda ≈ $..., glue ≈ $... (12x)"}``."""

    route: Route
    reasons: list[str]
    batches: list[Batch] = field(default_factory=list)
    batch_seconds: list[float] = field(default_factory=list)
    dedupe_buckets: int = 0
    lambda_seconds: float = 0.0
    """Estimated wall seconds of the Lambda route (waves of max_concurrency batches)."""
    glue_seconds: float = 0.0
    cost: dict[str, Any] = field(default_factory=dict)
    glue: GlueRun | None = None
    """The Glue job run's size (workers, worker type, execution class), chosen per run."""


def route(facts: PlanFacts, spec: Spec, *, engine: EngineChoice | None = None, config: RoutingConfig | None = None,
          counts: StateCounts | None = None, mode: str = "manual") -> Decision:
    """Decide where this run goes. ``engine`` (the run input's) overrides ``spec.routing.engine``; a spec
    whose only hook is spark never goes to Lambda (SpecError when asked to). When neither route can take
    the run (``limits.ROUTE_LIMITS``), SpecError naming the object and the limit. ``mode`` ``backfill``
    may use Glue's Flex execution class (``routing.glue.flex``)."""
    config = config or RoutingConfig()
    counts = counts or StateCounts()
    model, prices = config.throughput, config.prices
    settings = spec.routing
    requested: EngineChoice = engine if engine not in (None, "auto") else settings.engine
    by_input = engine not in (None, "auto")
    if spec.spark_dependent and requested == "lambda":
        where = "run input: engine" if by_input else f"{spec.name}: routing.engine"
        raise SpecError(f"import {spec.name!r} cannot run on Lambda: its only hook is spark ({spec.hooks.spark}), "
                        "which needs Glue; use engine glue or auto, or add an arrow hook", where=where)
    if facts.count == 0:
        return Decision("empty", [f"nothing to import: no objects found in {facts.where}"])

    fmt = facts.format
    budget = spec_budget(spec, model)
    # The engine's measured curve at this function's vCPUs (estimate.batch_seconds computes the same).
    rates = {c: model.rate(fmt, c, budget.vcpus, budget.shape) for c in facts.compressions}
    secs = [object_seconds(o, fmt, model, budget.vcpus, budget.shape, rates[o.compression]) for o in facts.objects]
    capacity = budget.seconds - model.fixed_batch_s(budget.vcpus)
    packed = first_fit_decreasing(secs, [o.size for o in facts.objects], capacity, model.max_objects_per_batch)
    batches = [Batch(index=i, objects=b.objects, bytes=b.bytes) for i, b in enumerate(packed)]
    batch_seconds = [invocation_seconds((secs[i] for i in b.objects), model, vcpus=budget.vcpus) for b in packed]
    waves = math.ceil(len(batches) / settings.lambda_.max_concurrency)
    lambda_wall = waves * max(batch_seconds)

    # Dedupe over more than one batch shuffles rows into buckets, one Lambda each.
    buckets, bucket_secs, bucket_problem = 0, [], None
    if spec.dedupe is not None and len(batches) > 1:
        per_bucket_mb = max(budget.usable_memory_mb - model.buffer_mb, 1)
        parquet_rate = model.rate("parquet", "none", budget.vcpus, budget.shape) * 2**20
        need_memory = math.ceil(facts.total_bytes * model.dedupe_expansion / (per_bucket_mb * 2**20))
        need_time = math.ceil(facts.total_bytes / (parquet_rate * max(capacity, 1.0)))
        need = max(need_memory, need_time)
        buckets = max(min(len(batches), model.max_dedupe_buckets), need)
        bucket_secs = [facts.total_bytes / buckets / parquet_rate] * buckets
        if buckets > model.max_dedupe_buckets:
            bucket_problem = (f"deduplicating {human_bytes(facts.total_bytes)} needs {need} buckets (each within "
                              f"{human_bytes(per_bucket_mb * 2**20)} of memory and {capacity:.0f} s at "
                              f"{budget.memory_mb} MB), more than the {model.max_dedupe_buckets} allowed "
                              "(routing.throughput.max_dedupe_buckets)")
            buckets = model.max_dedupe_buckets
            bucket_secs = bucket_secs[:buckets]

    # Glue estimate uses the bytes-weighted throughput of the run's objects at one vCPU (one Spark core).
    rates = {c: model.rate(fmt, c, 1.0, budget.shape) for c in facts.compressions}
    weighted = sum(o.size * rates[o.compression] for o in facts.objects)
    by_rate = weighted / facts.total_bytes if facts.total_bytes else model.rate(fmt, "none", 1.0, budget.shape)
    unsplit = max((o for o in facts.objects if not o.splittable), key=lambda o: o.size, default=None)
    job = glue_run([(o.size, o.splittable) for o in facts.objects], settings.glue, backfill=mode == "backfill")
    glue_s = glue_seconds(facts.total_bytes, by_rate, settings.glue, model,
                          unsplit.size if unsplit else 0, rates[unsplit.compression] if unsplit else 1.0,
                          workers=job.workers)

    lam_cost = lambda_cost(batch_seconds, bucket_secs, budget.memory_mb, counts, model, prices)
    glu_cost = glue_cost(glue_s, job.dpus, settings.glue.worker_type.startswith("R."), counts, model,
                         prices, flex=job.execution_class == "FLEX")
    cost = _cost_json(lam_cost, glu_cost)

    # The slowest object by the curve (the largest, unless a smaller one is slower to read, e.g. bzip2).
    slow = max(range(len(secs)), key=lambda i: (secs[i], facts.objects[i].size))
    largest, largest_s = facts.objects[slow], secs[slow]
    which = "largest" if largest.size == facts.largest_bytes else "slowest"
    label = format_label(fmt, largest.compression)
    split_note = "" if largest.splittable else f" ({largest.compression} cannot be split)"
    budget_words = (f"one Lambda may run {budget.fraction:.0%} of {budget.timeout_s} s "
                    f"({budget.seconds:.0f} s)")
    largest_words = (f"{which} object {human_bytes(largest.size)} {label}{split_note} needs "
                     f"{human_seconds(largest_s)} at {budget.memory_mb} MB; {budget_words}")
    mem_need = memory_needed_mb(fmt, model)
    total_words = (f"{facts.count} objects, {human_bytes(facts.total_bytes)} in all, need {_n(len(batches), 'batch')} "
                   f"({human_seconds(sum(batch_seconds))} of Lambda time); {settings.lambda_.max_concurrency} at once "
                   f"finish in {human_seconds(lambda_wall)} ({_n(waves, 'wave')})")

    problems: list[str] = []
    if largest_s + model.fixed_batch_s(budget.vcpus) > budget.seconds:
        problems.append(largest_words)
    if mem_need > budget.memory_mb * 0.9:
        problems.append(f"streaming {format_label(fmt, 'none')} needs ~{mem_need:.0f} MB but the Lambda has "
                        f"{budget.memory_mb} MB (routing.lambda.memory_mb)")
    if waves > model.max_waves:
        problems.append(f"{total_words}; more than {_n(model.max_waves, 'wave')} "
                        f"of {settings.lambda_.max_concurrency} Lambdas within the budget "
                        f"(routing.lambda.max_concurrency, routing.throughput.max_waves)")
    if bucket_problem:
        problems.append(bucket_problem)

    glue_note = (f"glue: {job.workers} x {settings.glue.worker_type}"
                 f"{' (Flex)' if job.execution_class == 'FLEX' else ''} need {human_seconds(glue_s)}; {job.why}")
    glue_limit = _glue_limit(facts, spec, glue_s, unsplit, rates, model)
    if glue_limit:
        glue_note += f"; {glue_limit}"

    reasons: list[str]
    chosen: Route
    if spec.spark_dependent:
        chosen = "glue"
        reasons = [f"the only hook is spark ({spec.hooks.spark}), which runs on Glue only", glue_note]
    elif requested in ("lambda", "glue"):
        chosen = requested
        source = f"the run input (engine={engine})" if by_input else "the spec (routing.engine)"
        reasons = [f"{requested} forced by {source}"]
        if requested == "lambda":
            reasons += [f"warning: {p}" for p in problems] or [largest_words, total_words]
        else:
            reasons.append(glue_note)
    elif problems:
        if glue_limit:
            raise SpecError(f"neither route can take this run: Lambda: {problems[0]}; Glue: {glue_limit}",
                            where=f"{spec.name}: routing")
        chosen = "glue"
        reasons = [*problems, glue_note]
    else:
        chosen = "lambda"
        reasons = [largest_words, total_words]
        if buckets:
            reasons.append(f"dedupe shuffles into {buckets} buckets, one Lambda each")
    reasons.append(cost["summary"])
    return Decision(chosen, reasons, batches, batch_seconds, buckets if chosen == "lambda" else 0,
                    lambda_wall, glue_s, cost, job)


def _glue_limit(facts: PlanFacts, spec: Spec, glue_s: float, unsplit: Any, rates: dict[str, float],
                model: Any) -> str | None:
    """Why the Glue route cannot take this run (``ROUTE_LIMITS``): a Parquet object Spark cannot open, or
    not within its timeout (naming the object when one object alone is too slow); None when it can."""
    if facts.format == "parquet":  # Spark opens Parquet objects by their names (glue_jobs.engine.lake)
        named = next((o.uri for o in facts.objects if not spark_can_open(o.uri)), None)
        if named:
            return (f"{named}: Spark's Parquet reader cannot open an object whose name holds ':' (Hadoop paths); "
                    "rename the objects")
    timeout_s = spec.routing.glue.timeout_minutes * 60
    if glue_s <= timeout_s:
        return None
    fix = "raise routing.glue.timeout_minutes or split the input into smaller objects"
    if unsplit is not None:
        one = model.glue_startup_s + unsplit.size / (rates[unsplit.compression] * model.glue_efficiency * 2**20)
        if one > timeout_s:
            name = unsplit.uri or "the largest unsplittable object"
            return (f"{name} ({human_bytes(unsplit.size)} {format_label(facts.format, unsplit.compression)}, "
                    f"{unsplit.compression} cannot be split) needs {human_seconds(one)} on one Spark core, over the "
                    f"{spec.routing.glue.timeout_minutes} min Glue timeout (routing.glue.timeout_minutes); {fix}")
    return (f"{human_bytes(facts.total_bytes)} need {human_seconds(glue_s)} on at most {spec.routing.glue.workers} "
            f"workers, over the {spec.routing.glue.timeout_minutes} min Glue timeout (routing.glue.timeout_minutes); "
            f"raise routing.glue.workers or the timeout")


def _cost_json(lam: RouteCost, glue: RouteCost) -> dict[str, Any]:
    return {"lambda": lam.to_json(), "glue": glue.to_json(), "summary": cost_sentence(lam, glue)}


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "es" if noun.endswith("ch") else "s")
