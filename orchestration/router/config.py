"""The router's tuning: throughput model and prices, ``routing:`` in ``lockgate.yaml``.

Every default is documented in docs/routing.md with where it came from and how to re-measure it.
Kept light (pydantic only): the plan Lambda imports it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["RoutingConfig", "ThroughputModel", "Prices", "DEFAULT_MB_PER_S", "throughput_key"]

DEFAULT_MB_PER_S: dict[str, float] = {
    "csv/none": 15.8,
    "csv/gzip": 4.7,
    "csv/zstd": 4.9,
    "csv/bz2": 1.8,
    "jsonl/none": 18.2,
    "jsonl/gzip": 2.1,
    "jsonl/zstd": 2.2,
    "jsonl/bz2": 0.6,
    "parquet/none": 4.6,
}
"""Stored (compressed) MB per second one vCPU of the Lambda engine reads, validates and writes as
Parquet: 80% of the slower of a narrow (orders) and a wide numeric dataset, each measured per format and
compression on one core (``python -m benchmarks.bench_engine rates``; docs/routing.md, "How the defaults
were measured")."""

_FORMATS = ("csv", "jsonl", "parquet")
_COMPRESSIONS = ("none", "gzip", "zstd", "bz2")


def throughput_key(fmt: str, compression: str) -> str:
    """``csv`` + ``gzip`` -> ``csv/gzip``; Parquet compresses inside the file, so it is always ``none``."""
    return f"{fmt}/{'none' if fmt == 'parquet' else compression}"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ThroughputModel(_Model):
    """How fast and how big one Lambda invocation is, per format and compression."""

    mb_per_s: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MB_PER_S))
    """Stored MB per second at one vCPU, keyed FORMAT/COMPRESSION (csv/gzip, jsonl/none, parquet/none).
    Keys you leave out keep their defaults."""
    mb_per_vcpu: int = Field(1769, ge=128)
    """Lambda memory that buys one full vCPU; below it the share is linear."""
    max_vcpus: float = Field(6.0, gt=0)
    """Most vCPUs a Lambda function gets (at 10,240 MB)."""
    budget_fraction: float = Field(0.6, gt=0, le=1)
    """Share of the Lambda timeout one invocation may plan to use; the rest is safety margin."""
    invocation_overhead_s: float = Field(2.0, ge=0)
    """Seconds per invocation before the first byte: cold start, reading the manifest."""
    per_object_overhead_s: float = Field(0.1, ge=0)
    """Seconds per object: S3 request latency, opening the reader."""
    base_memory_mb: int = Field(300, ge=0)
    """Memory of the runtime with pyarrow and DuckDB loaded."""
    buffer_mb: int = Field(128, ge=0)
    """Streaming batch buffer for CSV and JSON Lines."""
    parquet_buffer_mb: int = Field(256, ge=0)
    """Memory to decode one Parquet row group."""
    max_objects_per_batch: int = Field(1000, ge=1)
    """Most objects one invocation handles (keeps per-batch results and retries small)."""
    max_waves: int = Field(1, ge=1)
    """How many rounds of max_concurrency invocations a Lambda run may take before Glue is cheaper
    in wall time; 1 means all batches run at once."""
    dedupe_expansion: float = Field(2.0, gt=0)
    """In-memory bytes per stored byte when one dedupe bucket holds its rows."""
    max_dedupe_buckets: int = Field(64, ge=1, le=1000)
    """Most dedupe buckets (one Lambda each); beyond this the run goes to Glue."""
    glue_startup_s: float = Field(30.0, ge=0)
    """Seconds a Glue 5 job takes to start before it reads data."""
    glue_efficiency: float = Field(0.5, gt=0, le=4)
    """Spark throughput per executor vCPU relative to the Lambda engine's per-vCPU figures."""
    control_memory_mb: int = Field(512, ge=128)
    """Memory of the plan and commit functions (for cost)."""
    control_seconds: float = Field(3.0, ge=0)
    """Seconds plan and commit run each (for cost)."""

    @field_validator("mb_per_s")
    @classmethod
    def _keys(cls, value: dict[str, float]) -> dict[str, float]:
        for key, rate in value.items():
            fmt, _, comp = key.partition("/")
            if fmt not in _FORMATS or comp not in _COMPRESSIONS:
                raise ValueError(f"{key!r} is not FORMAT/COMPRESSION with FORMAT in {_FORMATS} and COMPRESSION in "
                                 f"{_COMPRESSIONS}, e.g. 'csv/gzip'")
            if rate <= 0:
                raise ValueError(f"{key}: throughput must be above 0 MB/s, got {rate}")
        return {**DEFAULT_MB_PER_S, **value}

    def rate(self, fmt: str, compression: str) -> float:
        """MB/s at one vCPU for this format and compression."""
        key = throughput_key(fmt, compression)
        return self.mb_per_s.get(key, DEFAULT_MB_PER_S.get(key, min(DEFAULT_MB_PER_S.values())))

    def vcpus(self, memory_mb: int) -> float:
        """vCPU share of a Lambda with ``memory_mb``: linear, 1769 MB = 1 vCPU, capped."""
        return min(memory_mb / self.mb_per_vcpu, self.max_vcpus)


class Prices(_Model):
    """List prices in USD (defaults: us-east-1, x86, see docs/routing.md for sources)."""

    region: str = "us-east-1"
    """Region the prices are for (documentation only)."""
    lambda_gb_second: float = Field(0.0000166667, ge=0)
    """Lambda duration, per GB-second (x86, first tier)."""
    lambda_request: float = Field(0.0000002, ge=0)
    """Lambda requests, per request ($0.20 per million)."""
    sfn_transition: float = Field(0.000025, ge=0)
    """Step Functions Standard, per state transition ($0.025 per 1,000)."""
    glue_dpu_hour: float = Field(0.44, ge=0)
    """Glue Spark job, per DPU-hour (G workers)."""
    glue_m_dpu_hour: float = Field(0.52, ge=0)
    """Glue Spark job on memory-optimized R workers, per M-DPU-hour (check the pricing page)."""
    glue_flex_dpu_hour: float = Field(0.29, ge=0)
    """Glue Spark job on the Flex execution class, per DPU-hour (check the pricing page)."""
    glue_minimum_s: float = Field(60.0, ge=0)
    """Glue 2.0+ bills per second with this minimum per job run."""


class RoutingConfig(_Model):
    """Router tuning: throughput model and prices (see docs/routing.md)."""

    throughput: ThroughputModel = Field(default_factory=ThroughputModel)
    """How long and how much memory a load needs on one Lambda."""
    prices: Prices = Field(default_factory=Prices)
    """List prices for the cost of both routes."""
