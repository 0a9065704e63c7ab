"""The router's tuning: throughput model and prices, ``routing:`` in ``lockgate.yaml``.

Every default is documented in docs/routing.md with where it came from and how to re-measure it; the
engine's throughput curves come from ``throughput.json`` (``curves.py``), written by the calibration
benchmark. Kept light (pydantic only): the plan Lambda imports it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .curves import (
    KEYS,
    Curve,
    Shape,
    check_curve,
    default_batch_setup_s,
    default_curves,
    interpolate,
    parse_curve_key,
    throughput_key,
)

__all__ = ["RoutingConfig", "ThroughputModel", "Prices", "throughput_key"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ThroughputModel(_Model):
    """How fast and how big one Lambda invocation is, per format and compression."""

    curves: dict[str, dict[float, float]] = Field(default_factory=dict)
    """The engine's stored MB/s at N vCPUs, keyed [SHAPE/]FORMAT/COMPRESSION (``csv/gzip`` for every shape,
    ``wide/csv/gzip`` for one), each ``{vCPUs: MB/s}``, e.g. ``{1: 6.0, 2: 11.5, 4: 20.0, 6: 26.0}``;
    interpolated between points. Keys you leave out keep the calibrated defaults (throughput.json)."""
    mb_per_s: dict[str, float] = Field(default_factory=dict)
    """Older form: MB/s at one vCPU, keyed FORMAT/COMPRESSION. Scales the default curve of that key (every
    shape) to this rate at one vCPU, keeping its measured speed-up at more vCPUs. Use ``curves`` to give
    the whole curve; a key may not be in both."""
    wide_columns: int = Field(12, ge=1)
    """Specs declaring at least this many columns use the ``wide`` curves, the others the ``narrow`` ones."""
    mb_per_vcpu: int = Field(1769, ge=128)
    """Lambda memory that buys one full vCPU (vCPUs = memory_mb / mb_per_vcpu, capped at max_vcpus)."""
    max_vcpus: float = Field(6.0, gt=0)
    """Most vCPUs a Lambda function gets (at 10,240 MB)."""
    budget_fraction: float = Field(0.6, gt=0, le=1)
    """Share of the Lambda timeout one invocation may plan to use; the rest is safety margin."""
    invocation_overhead_s: float = Field(2.0, ge=0)
    """Seconds per invocation before the first byte: cold start, reading the manifest."""
    batch_setup_s: float | None = Field(None, ge=0)
    """The engine's fixed seconds per invocation at one vCPU (DuckDB connections, prepared SQL, writers, the
    pipeline's fill), divided by the vCPU share below one; unset: the calibrated figure (throughput.json)."""
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
    """Spark throughput per executor vCPU relative to the Lambda engine's rate at one vCPU."""
    control_memory_mb: int = Field(512, ge=128)
    """Memory of the plan and commit functions (for cost)."""
    control_seconds: float = Field(3.0, ge=0)
    """Seconds plan and commit run each (for cost)."""

    @field_validator("mb_per_s")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for key, rate in value.items():
            if key not in KEYS:
                raise ValueError(f"{key!r} is not FORMAT/COMPRESSION, one of {', '.join(KEYS)}, e.g. 'csv/gzip' "
                                 "(per data shape and vCPU count: use routing.throughput.curves)")
            if rate <= 0:
                raise ValueError(f"{key}: throughput must be above 0 MB/s, got {rate}")
        return value

    @field_validator("curves")
    @classmethod
    def _curves(cls, value: dict[str, dict[float, float]]) -> dict[str, dict[float, float]]:
        for key in value:
            parse_curve_key(key)
        return {key: check_curve(key, points) for key, points in value.items()}

    @model_validator(mode="after")
    def _one_form_per_key(self) -> ThroughputModel:
        both = sorted(k for k in self.mb_per_s if any(parse_curve_key(c)[1] == k for c in self.curves))
        if both:
            raise ValueError(f"{', '.join(both)} set in both mb_per_s and curves: keep curves (the whole curve) and "
                             "drop the key from mb_per_s (the older form: one vCPU only)")
        return self

    def shape(self, columns: int) -> Shape:
        """The data shape of a spec with ``columns`` declared columns."""
        return "wide" if columns >= self.wide_columns else "narrow"

    def curve(self, fmt: str, compression: str, shape: Shape = "narrow") -> Curve:
        """``{vCPUs: MB/s}`` for this format, compression and shape: lockgate.yaml's ``curves`` (shape-specific
        first), else the default curve (scaled to ``mb_per_s`` when that names the key)."""
        key = throughput_key(fmt, compression)
        given = self.curves.get(f"{shape}/{key}") or self.curves.get(key)
        if given:
            return given
        base = default_curves()[shape].get(key) or default_curves()[shape]["csv/bz2"]  # unknown: the slowest text
        if key in self.mb_per_s:
            scale = self.mb_per_s[key] / interpolate(base, 1.0)
            return {v: r * scale for v, r in base.items()}
        return base

    def rate(self, fmt: str, compression: str, vcpus: float = 1.0, shape: Shape = "narrow") -> float:
        """Stored MB/s one Lambda engine with ``vcpus`` reads, validates and writes (the curve, interpolated)."""
        return interpolate(self.curve(fmt, compression, shape), vcpus)

    def fixed_batch_s(self, vcpus: float = 1.0) -> float:
        """Seconds of every invocation with ``vcpus`` whatever its objects: invocation overhead plus the
        engine's setup."""
        return self.invocation_overhead_s + self.setup_s(vcpus)

    def setup_s(self, vcpus: float = 1.0) -> float:
        """``batch_setup_s`` (or the calibrated figure when unset) at ``vcpus``: the setup is CPU work, so
        below one vCPU (a Lambda under 1769 MB gets that share of one) it takes longer in proportion."""
        setup = self.batch_setup_s if self.batch_setup_s is not None else default_batch_setup_s()
        return setup / min(max(vcpus, 1e-3), 1.0)

    def vcpus(self, memory_mb: int) -> float:
        """vCPUs of a Lambda with ``memory_mb``: 1769 MB = 1 vCPU, proportional, capped at max_vcpus."""
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
