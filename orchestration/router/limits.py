"""What each route can take, and the Glue job size chosen per run (docs/routing.md, "Route limits").

``ROUTE_LIMITS`` is the table the router applies and docs/routing.md prints; ``glue_run`` sizes one
Glue job run from the plan: worker count from the read tasks the engine will make (one per
unsplittable object, one per block of a splittable one), capped by the spec's ``routing.glue.workers``;
the Flex execution class for backfills when the spec allows it (``routing.glue.flex``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from orchestration.core.spec.models import GlueSettings

from .estimate import GLUE_WORKER_DPUS

__all__ = ["RouteLimit", "ROUTE_LIMITS", "GlueRun", "glue_run", "GLUE_BLOCK_BYTES", "FLEX_WORKER_TYPES",
           "GLUE_MIN_WORKERS"]

GLUE_BLOCK_BYTES = 32 * 2**20
"""Block size of the Glue engine's reads (``glue_jobs.engine.readers.DEFAULT_BLOCK_SIZE``): one read task
per block of a splittable object."""
FLEX_WORKER_TYPES = ("G.1X", "G.2X")
"""Worker types the Flex execution class runs on (AWS Glue 3.0+ Spark jobs)."""
GLUE_MIN_WORKERS = 2
"""Glue's minimum for G worker types: one driver and one executor."""
VCPUS_PER_DPU = 4


@dataclass(frozen=True)
class RouteLimit:
    """One limit of one route: what is limited, the bound, and where it is set."""

    route: Literal["lambda", "glue"]
    what: Literal["object size", "memory", "time", "format"]
    limit: str
    setting: str


ROUTE_LIMITS: tuple[RouteLimit, ...] = (
    RouteLimit("lambda", "object size", "one object must finish within one invocation's time budget (batches take "
               "whole objects, splittable or not)", "routing.lambda.timeout_s, routing.throughput.budget_fraction"),
    RouteLimit("lambda", "memory", "streaming needs base_memory_mb + buffer_mb (parquet_buffer_mb for Parquet), "
               "at most 90% of the function's memory", "routing.lambda.memory_mb"),
    RouteLimit("lambda", "time", "all batches within max_waves rounds of max_concurrency invocations; run-wide "
               "dedupe within max_dedupe_buckets", "routing.lambda.max_concurrency, routing.throughput.max_waves"),
    RouteLimit("lambda", "format", "CSV, JSON Lines, Parquet; gzip, bzip2, zstd; arrow hooks only", "hooks"),
    RouteLimit("glue", "object size", "none for CSV/JSON Lines: read in blocks, memory per task bounded by the "
               "block size; Parquet: one row group must fit an executor", "-"),
    RouteLimit("glue", "memory", "one block (32 MiB) plus one record per task", "-"),
    RouteLimit("glue", "time", "the job (start-up, the data over the executors, and the largest unsplittable "
               "object on one core) within the job timeout", "routing.glue.timeout_minutes"),
    RouteLimit("glue", "format", "CSV, JSON Lines, Parquet; gzip, bzip2, zstd; spark hooks only; no Parquet object "
               "whose name holds ':' (Spark cannot open it)", "hooks"),
)


@dataclass(frozen=True)
class GlueRun:
    """The job run's size, passed to ``glue:startJobRun`` by the state machine (``PlanResult.glue``)."""

    workers: int
    worker_type: str
    execution_class: Literal["STANDARD", "FLEX"]
    tasks: int
    """Read tasks the engine will make (parallelism the run can use)."""
    why: str

    @property
    def dpus(self) -> int:
        return GLUE_WORKER_DPUS[self.worker_type] * self.workers

    def to_json(self) -> dict[str, object]:
        return {"workers": self.workers, "worker_type": self.worker_type, "execution_class": self.execution_class}


def glue_run(sizes: list[tuple[int, bool]], settings: GlueSettings, *, backfill: bool) -> GlueRun:
    """Workers for objects of ``(size, splittable)``: enough executors for one core per read task, at
    least Glue's minimum, at most ``settings.workers``. Flex for backfills when ``settings.flex``."""
    tasks = sum(1 if not splittable else max(math.ceil(size / GLUE_BLOCK_BYTES), 1) for size, splittable in sizes)
    cores = GLUE_WORKER_DPUS[settings.worker_type] * VCPUS_PER_DPU
    wanted = 1 + math.ceil(max(tasks, 1) / cores)  # one driver plus the executors
    workers = min(max(wanted, GLUE_MIN_WORKERS), settings.workers)
    why = (f"{tasks} read task{'s need' if tasks != 1 else ' needs'} {wanted} x {settings.worker_type} "
           f"({cores} cores each, one worker is the driver)")
    if wanted > settings.workers:
        why += f", capped at {settings.workers} (routing.glue.workers)"
    flex = bool(getattr(settings, "flex", False)) and backfill and settings.worker_type in FLEX_WORKER_TYPES
    if flex:
        why += "; Flex execution class for this backfill (routing.glue.flex)"
    elif backfill and getattr(settings, "flex", False):
        why += f"; not Flex: it runs on {' and '.join(FLEX_WORKER_TYPES)} workers only"
    return GlueRun(workers, settings.worker_type, "FLEX" if flex else "STANDARD", tasks, why)
