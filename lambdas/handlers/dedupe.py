"""Dedupe one shuffle bucket: keep the first row per key, stage it; returns a small summary."""

from __future__ import annotations

from typing import Any

from orchestration.core.contracts import BatchResult
from orchestration.core.storage import Storage

from ._runtime import add_row_metrics, lambda_handler, parse_event, storage
from .events import DedupeEvent
from .summary import load_run, summary

__all__ = ["handler", "dedupe"]


def dedupe(event: DedupeEvent, store: Storage) -> BatchResult:
    """Run ``lambdas.engine.dedupe_bucket`` on bucket ``event.bucket`` (it writes its own BatchResult)."""
    from lambdas.engine import dedupe_bucket

    spec, manifest = load_run(event.manifest_uri, store)
    return dedupe_bucket(spec, manifest, event.bucket, store)


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = dedupe(parse_event(event, DedupeEvent), storage())
    add_row_metrics(result.import_, result)
    return summary(result)
