"""Time and memory one Lambda invocation needs, from the throughput model.

``batch_seconds`` is the one estimate of a process-batch invocation: the router packs batches by it, and
run records compare it with the seconds the batch took.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from orchestration.core.spec.models import GlueSettings, LambdaSettings, Spec

from .config import ThroughputModel
from .curves import Shape

__all__ = ["LambdaBudget", "lambda_budget", "object_seconds", "batch_seconds", "invocation_seconds",
           "memory_needed_mb", "glue_dpus", "glue_seconds", "GLUE_WORKER_DPUS", "SizedObject", "spec_budget"]

GLUE_WORKER_DPUS: dict[str, int] = {
    "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8, "G.12X": 12, "G.16X": 16,
    "R.1X": 1, "R.2X": 2, "R.4X": 4, "R.8X": 8,
}
"""DPUs (M-DPUs for R types) per worker; AWS Glue worker types page."""


class SizedObject(Protocol):
    """What an estimate needs of an object: ``ObjectFacts`` (plan) and ``SourceObject`` (manifest) both fit."""

    @property
    def size(self) -> int: ...

    @property
    def compression(self) -> str: ...


@dataclass(frozen=True)
class LambdaBudget:
    """What one process-batch invocation may use."""

    memory_mb: int
    timeout_s: int
    vcpus: float
    seconds: float
    """Planned seconds per invocation: budget_fraction of the timeout."""
    usable_memory_mb: float
    """Memory left for data after the runtime."""
    fraction: float
    shape: Shape = "narrow"
    """Which throughput curves the import's data uses (``ThroughputModel.shape``)."""


def lambda_budget(settings: LambdaSettings, model: ThroughputModel, shape: Shape = "narrow") -> LambdaBudget:
    return LambdaBudget(
        memory_mb=settings.memory_mb,
        timeout_s=settings.timeout_s,
        vcpus=model.vcpus(settings.memory_mb),
        seconds=settings.timeout_s * model.budget_fraction,
        usable_memory_mb=settings.memory_mb - model.base_memory_mb,
        fraction=model.budget_fraction,
        shape=shape,
    )


def spec_budget(spec: Spec, model: ThroughputModel) -> LambdaBudget:
    """The budget of ``spec``'s process-batch function, with the data shape its columns give."""
    return lambda_budget(spec.routing.lambda_, model, model.shape(len(spec.columns)))


def object_seconds(obj: SizedObject, fmt: str, model: ThroughputModel, vcpus: float, shape: Shape = "narrow",
                   rate_mb_s: float | None = None) -> float:
    """Seconds one Lambda with ``vcpus`` needs to load ``obj`` (per-object overhead included); ``rate_mb_s``
    is the curve's rate at ``vcpus`` when the caller has it already."""
    rate = rate_mb_s if rate_mb_s is not None else model.rate(fmt, obj.compression, vcpus, shape)
    return model.per_object_overhead_s + obj.size / (rate * 2**20)


def invocation_seconds(object_secs: Iterable[float], model: ThroughputModel, *, invocation: bool = True,
                       vcpus: float = 1.0) -> float:
    """One invocation's seconds from its objects' seconds (exact sum, independent of order), plus the
    engine's setup at ``vcpus`` and the invocation overhead (cold start, manifest) unless ``invocation``
    is False."""
    return (model.fixed_batch_s(vcpus) if invocation else model.setup_s(vcpus)) + math.fsum(object_secs)


def batch_seconds(objects: Iterable[SizedObject], spec: Spec, model: ThroughputModel | None = None, *,
                  invocation: bool = True) -> float:
    """Estimated wall seconds of one process-batch invocation of ``spec`` (its ``routing.lambda.memory_mb``,
    hence vCPUs, and its data shape) over ``objects``: ``invocation_overhead_s`` (cold start and reading the
    manifest; left out with ``invocation=False``, to compare with ``BatchResult.duration_s``, which starts
    inside the handler) plus, per object, ``per_object_overhead_s`` + stored size / the curve's rate at the
    function's vCPUs, plus the engine's setup (``batch_setup_s``, longer in proportion below one vCPU). The router packs batches by exactly this
    figure (``Decision.batch_seconds``)."""
    model = model or ThroughputModel()
    budget = spec_budget(spec, model)
    fmt = spec.source.format
    secs = (object_seconds(o, fmt, model, budget.vcpus, budget.shape) for o in objects)
    return invocation_seconds(secs, model, invocation=invocation, vcpus=budget.vcpus)


def memory_needed_mb(fmt: str, model: ThroughputModel) -> float:
    """Streaming engine: constant runtime plus one batch buffer (or one Parquet row group), whatever
    the object's size; compressed objects need no more, they only cannot be split."""
    return model.base_memory_mb + (model.parquet_buffer_mb if fmt == "parquet" else model.buffer_mb)


def glue_dpus(settings: GlueSettings) -> int:
    return GLUE_WORKER_DPUS[settings.worker_type] * settings.workers


def glue_seconds(total_bytes: int, by_rate: float, settings: GlueSettings, model: ThroughputModel,
                 largest_unsplittable: int = 0, unsplittable_rate: float = 1.0, workers: int | None = None) -> float:
    """Wall seconds of the Glue job: startup plus the data over the executors' vCPUs (one worker is the
    driver), but never less than one Spark task reading the largest unsplittable object on one core.
    ``by_rate`` is the bytes-weighted MB/s at one vCPU of the run's objects; ``workers`` the run's worker
    count (default: the spec's maximum)."""
    executors = max((workers or settings.workers) - 1, 1)
    vcpus = executors * GLUE_WORKER_DPUS[settings.worker_type] * 4 * model.glue_efficiency
    spread = total_bytes / (by_rate * vcpus * 2**20)
    one_task = largest_unsplittable / (unsplittable_rate * model.glue_efficiency * 2**20)
    return model.glue_startup_s + max(spread, one_task)
