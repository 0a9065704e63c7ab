"""Process one batch of the manifest with the Arrow/DuckDB engine; returns a small summary. A batch
that fails records why (``orchestration.failures``) before it re-raises: the Distributed Map's own
error only says that a child failed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orchestration.core.contracts import BatchResult
from orchestration.core.storage import Storage
from orchestration.failures import failure_record, failure_record_uri

from ._runtime import add_row_metrics, lambda_handler, logger, parse_event, storage
from .events import BatchEvent
from .summary import load_run, summary

__all__ = ["handler", "process"]


def process(event: BatchEvent, store: Storage) -> BatchResult:
    """Run ``lambdas.engine.process_batch`` on batch ``event.batch`` (it writes its own BatchResult)."""
    from lambdas.engine import process_batch

    spec, manifest = load_run(event.manifest_uri, store)
    return process_batch(spec, manifest, event.batch, store)


def record_failure(event: BatchEvent, err: BaseException, store: Storage) -> None:
    """Best effort: a failure to record must not hide the batch's own error."""
    try:
        record = failure_record("ProcessBatch", event.batch, err, datetime.now(UTC).isoformat())
        store.write_json(failure_record_uri(event.manifest_uri, event.batch), record)
    except Exception:  # noqa: BLE001
        logger.warning("could not record the failure of batch %s", event.batch, exc_info=True)


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    parsed = parse_event(event, BatchEvent)
    store = storage()
    try:
        result = process(parsed, store)
    except Exception as err:
        record_failure(parsed, err, store)
        raise
    add_row_metrics(result.import_, result)
    return summary(result)
