"""Time and memory one Lambda invocation needs, from the throughput model."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.core.spec.models import GlueSettings, LambdaSettings

from .config import ThroughputModel
from .facts import ObjectFacts

__all__ = ["LambdaBudget", "lambda_budget", "object_seconds", "memory_needed_mb", "glue_dpus", "glue_seconds",
           "GLUE_WORKER_DPUS"]

GLUE_WORKER_DPUS: dict[str, int] = {
    "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8, "G.12X": 12, "G.16X": 16,
    "R.1X": 1, "R.2X": 2, "R.4X": 4, "R.8X": 8,
}
"""DPUs (M-DPUs for R types) per worker; AWS Glue worker types page."""


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


def lambda_budget(settings: LambdaSettings, model: ThroughputModel) -> LambdaBudget:
    return LambdaBudget(
        memory_mb=settings.memory_mb,
        timeout_s=settings.timeout_s,
        vcpus=model.vcpus(settings.memory_mb),
        seconds=settings.timeout_s * model.budget_fraction,
        usable_memory_mb=settings.memory_mb - model.base_memory_mb,
        fraction=model.budget_fraction,
    )


def object_seconds(obj: ObjectFacts, fmt: str, model: ThroughputModel, vcpus: float, rate_1vcpu: float | None = None
                   ) -> float:
    """Seconds one Lambda with ``vcpus`` needs to load ``obj`` (per-object overhead included)."""
    rate = (rate_1vcpu if rate_1vcpu is not None else model.rate(fmt, obj.compression)) * vcpus * 2**20
    return model.per_object_overhead_s + obj.size / rate


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
    ``by_rate`` is the bytes-weighted MB/s per vCPU of the run's objects; ``workers`` the run's worker
    count (default: the spec's maximum)."""
    executors = max((workers or settings.workers) - 1, 1)
    vcpus = executors * GLUE_WORKER_DPUS[settings.worker_type] * 4 * model.glue_efficiency
    spread = total_bytes / (by_rate * vcpus * 2**20)
    one_task = largest_unsplittable / (unsplittable_rate * model.glue_efficiency * 2**20)
    return model.glue_startup_s + max(spread, one_task)
