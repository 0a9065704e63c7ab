"""The small summary engine handlers return (``load_run`` is the core's manifest loader)."""

from __future__ import annotations

from typing import Any

from orchestration.core.contracts import BatchResult
from orchestration.core.manifests import load_run

__all__ = ["load_run", "summary"]


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
