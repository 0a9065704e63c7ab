"""The shapes that pass between the parts of one run (see docs/contracts.md).

Plan writes a ``Manifest``; the engines write ``BatchResult`` records; commit writes ``CommitResult``.
Handlers return ``PlanResult`` and small summaries, never file lists, so every state payload stays far
below Step Functions' 256 KB.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .errors import DataError
from .spec.uris import join_uri

__all__ = [
    "SourceObject", "Batch", "Manifest", "PlanResult", "BatchResult", "CommitResult", "RunPaths",
    "Route", "Engine",
]

Route = Literal["lambda", "glue", "empty"]
Engine = Literal["lambda", "glue"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceObject(_Model):
    """One source object found by plan."""

    uri: str
    size: int
    compression: Literal["none", "gzip", "zstd", "bz2"] = "none"
    splittable: bool = True
    version: str | None = None
    """The object's version when plan listed it (S3's ETag; in the local lake its inode and modification
    time): an engine that reads another version fails the run. None in manifests written before it."""

    def check_unchanged(self, size: int | None, version: str | None) -> None:
        """Raises DataError when the object an engine read (its ``size`` and ``version``; None where the
        engine cannot tell) is not the object plan listed: a producer appended to it or rewrote it. Both
        engines call it, so a changed object fails either route alike (docs/semantics.md section 6)."""
        if size is not None and size != self.size:
            what = f"plan saw {self.size} bytes, the read found {size}"
        elif None not in (version, self.version) and version != self.version:
            what = f"plan saw version {self.version}, the read found {version}"
        else:
            return
        raise DataError(f"the object changed after the run was planned: {what}; nothing of this run is "
                        "published, rerun it to import the object as it is now", where=self.uri)


class Batch(_Model):
    """Objects one process_batch invocation handles (indices into ``Manifest.objects``)."""

    index: int
    objects: list[int]
    bytes: int
    estimated_s: float | None = None
    """The router's estimate of this invocation's seconds (the run record sets it next to the measured)."""


class Manifest(_Model):
    """Everything a run works from, written once by plan and read by every later step."""

    run_id: str
    import_: str = Field(alias="import")
    spec: dict[str, Any]
    """The canonical spec snapshot (``Spec.canonical()``): every step of the run sees the same spec."""
    window: dict[str, str] | None
    mode: Literal["scheduled", "manual", "backfill"] = "manual"
    started_at: str
    route: Route
    reasons: list[str]
    objects: list[SourceObject]
    batches: list[Batch]
    dedupe_buckets: int = 0
    control_uri: str
    cost: dict[str, Any] = Field(default_factory=dict)
    estimated_s: dict[str, float] = Field(default_factory=dict)
    """The router's wall-clock estimate of the engine work per route: ``{"lambda": s, "glue": s}``
    (the Lambda route's waves of batches; the Glue job run including its start-up)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def paths(self) -> RunPaths:
        return RunPaths(self.control_uri, self.import_, self.run_id)


class PlanResult(_Model):
    """What plan returns to the state machine: small, never the file list."""

    run_id: str
    import_: str = Field(alias="import")
    route: Route
    reasons: list[str]
    window: dict[str, str] | None
    objects: int
    bytes: int
    largest_bytes: int
    batches: int
    dedupe_buckets: int
    manifest_uri: str
    batches_bucket: str
    batches_key: str
    staging_uri: str
    glue_result_uri: str
    cost: dict[str, Any] = Field(default_factory=dict)
    glue: dict[str, Any] = Field(default_factory=dict)
    """The Glue job run's size chosen for this run: ``workers``, ``worker_type``, ``execution_class``
    (passed to ``glue:startJobRun`` by the state machine; empty for an empty run)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BatchResult(_Model):
    """Row accounting and outputs of one unit of engine work."""

    run_id: str
    import_: str = Field(alias="import")
    engine: Literal["lambda", "glue"]
    unit: str
    rows_in: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    rows_filtered: int = 0
    rows_deduplicated: int = 0
    bytes_in: int = 0
    files_written: list[str] = Field(default_factory=list)
    partitions: list[str] = Field(default_factory=list)
    extra_columns: dict[str, list[str]] = Field(default_factory=dict)
    duration_s: float = 0.0

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class CommitResult(_Model):
    """What commit did: the run's totals and what it published."""

    run_id: str
    import_: str = Field(alias="import")
    status: Literal["published"]
    engine: Literal["lambda", "glue"]
    rows_in: int
    rows_written: int
    rows_rejected: int
    rows_filtered: int
    rows_deduplicated: int
    bytes_in: int
    rows_replaced: int = 0
    """Rows of earlier runs of this window the commit removed from the table (replaced by this run)."""
    files_rewritten: int = 0
    """Table files that also held rows of other windows, rewritten without this window's rows."""
    outputs: list[str]
    """The table location when anything was published (partition lists stay out of the state payload)."""
    partitions: int = 0
    """How many partitions the run wrote; their names are in ``partitions_uri``."""
    partitions_added: int = 0
    """How many of them did not exist before."""
    partitions_uri: str | None = None
    """``partitions.json`` of the run: ``{"partitions": [...], "partitions_added": [...]}``."""
    schema_changed: bool = False
    crawl_needed: bool = True
    quarantine_uri: str | None = None
    duration_s: float = 0.0

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RunPaths:
    """Where one run keeps its files under the control location."""

    def __init__(self, control_uri: str, import_name: str, run_id: str) -> None:
        self.control_uri = control_uri
        self.import_name = import_name
        self.run_id = run_id

    @property
    def run_dir(self) -> str:
        return join_uri(self.control_uri, "runs", self.import_name, self.run_id)

    @property
    def manifest(self) -> str:
        return join_uri(self.run_dir, "manifest.json")

    @property
    def batches(self) -> str:
        return join_uri(self.run_dir, "batches.json")

    @property
    def results(self) -> str:
        return join_uri(self.run_dir, "results") + "/"

    def batch_result(self, index: int) -> str:
        return join_uri(self.results, f"batch-{index:05d}.json")

    def dedupe_result(self, bucket: int) -> str:
        return join_uri(self.results, f"dedupe-{bucket:05d}.json")

    @property
    def glue_result(self) -> str:
        return join_uri(self.results, "glue.json")

    @property
    def commit(self) -> str:
        return join_uri(self.run_dir, "commit.json")

    @property
    def staging(self) -> str:
        return join_uri(self.control_uri, "staging", self.import_name, self.run_id) + "/"

    @property
    def staging_data(self) -> str:
        return join_uri(self.staging, "data") + "/"

    def shuffle_bucket(self, bucket: int) -> str:
        return join_uri(self.staging, "shuffle", f"bucket={bucket}") + "/"

    @staticmethod
    def spec(control_uri: str, import_name: str) -> str:
        return join_uri(control_uri, "specs", f"{import_name}.json")
