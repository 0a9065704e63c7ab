"""Process one batch of the manifest with the Arrow/DuckDB engine; returns a small summary."""

from __future__ import annotations

from typing import Any

from orchestration.contracts import BatchResult
from orchestration.storage import Storage

from ._runtime import add_row_metrics, lambda_handler, parse_event, storage
from .events import BatchEvent
from .summary import load_run, summary

__all__ = ["handler", "process"]


def process(event: BatchEvent, store: Storage) -> BatchResult:
    """Run ``lambdas.engine.process_batch`` on batch ``event.batch`` (it writes its own BatchResult)."""
    from lambdas.engine import process_batch

    spec, manifest = load_run(event.manifest_uri, store)
    return process_batch(spec, manifest, event.batch, store)


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = process(parse_event(event, BatchEvent), storage())
    add_row_metrics(result.import_, result)
    return summary(result)
