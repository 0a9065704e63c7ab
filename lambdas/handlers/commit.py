"""Commit: check the run's accounting and quality, publish staging to the target; returns ``CommitResult``."""

from __future__ import annotations

from typing import Any

from orchestration.core.contracts import CommitResult
from orchestration.core.storage import Storage

from ._runtime import add_row_metrics, lambda_handler, logger, metrics, parse_event, storage
from .events import CommitEvent

__all__ = ["handler", "commit"]


def commit(event: CommitEvent, store: Storage) -> CommitResult:
    """``lambdas.commit.commit_run`` on the manifest the event names."""
    from lambdas.commit import commit_run, load_manifest

    return commit_run(load_manifest(event.manifest_uri, store), store)


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = commit(parse_event(event, CommitEvent), storage())
    add_row_metrics(result.import_, result)
    metrics.add_metric(name="partitions_added", unit="Count", value=result.partitions_added)
    logger.info("published", extra={"outputs": len(result.outputs), "crawl_needed": result.crawl_needed})
    return result.model_dump(mode="json", by_alias=True)
