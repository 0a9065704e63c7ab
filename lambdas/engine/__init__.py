"""The Lambda engine: raw objects -> validated, partitioned Parquet in the run's staging prefix.

Two entry points, one per handler:

- ``process_batch(spec, manifest, batch_index, storage) -> BatchResult``: read one batch's objects,
  cast and validate (bad rows to the quarantine), derive, filter, arrow hook; then either write
  staging data (dedupe inline when the run has one batch) or hash-partition the rows into the run's
  dedupe shuffle buckets (ADR 0002).
- ``dedupe_bucket(spec, manifest, bucket, storage) -> BatchResult``: keep the first row per dedupe key
  of one shuffle bucket and write staging data.

Both write their ``BatchResult`` to the run's results prefix as well as returning it. ``spec`` may be
None (taken from ``manifest.spec``); ``storage`` may be None (``orchestration.core.storage.get_storage()``).

Importing this package is cheap: pyarrow and DuckDB load on first call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestration.core.contracts import BatchResult, Manifest
    from orchestration.core.spec import Spec
    from orchestration.core.storage import Storage

__all__ = ["process_batch", "dedupe_bucket"]


def process_batch(spec: Spec | None, manifest: Manifest, batch_index: int, storage: Storage | None = None) -> BatchResult:
    """Process batch ``batch_index`` of the manifest; see the module docstring."""
    from .batch import process_batch as run

    return run(spec, manifest, batch_index, storage)


def dedupe_bucket(spec: Spec | None, manifest: Manifest, bucket: int, storage: Storage | None = None) -> BatchResult:
    """Deduplicate shuffle bucket ``bucket`` of the run; see the module docstring."""
    from .dedupe import dedupe_bucket as run

    return run(spec, manifest, bucket, storage)
