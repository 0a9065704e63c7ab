"""Loading a run's manifest and spec snapshot, and the small summary engine handlers return."""

from __future__ import annotations

from typing import Any

from orchestration.core.contracts import BatchResult, Manifest
from orchestration.core.spec import Spec
from orchestration.core.storage import Storage

__all__ = ["load_run", "summary"]


def load_run(manifest_uri: str, store: Storage) -> tuple[Spec, Manifest]:
    """The manifest and the spec snapshot it carries (every step of a run sees the same spec)."""
    manifest = Manifest.model_validate(store.read_json(manifest_uri))
    return Spec.model_validate(manifest.spec), manifest


def summary(result: BatchResult) -> dict[str, Any]:
    """Counts and sizes only: the file list stays in the BatchResult, never in the state payload."""
    return {
        "unit": result.unit,
        "rows_in": result.rows_in,
        "rows_written": result.rows_written,
        "rows_rejected": result.rows_rejected,
        "rows_filtered": result.rows_filtered,
        "rows_deduplicated": result.rows_deduplicated,
        "files_written": len(result.files_written),
        "partitions": len(result.partitions),
        "duration_s": result.duration_s,
    }
