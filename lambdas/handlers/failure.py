"""The failure path's first step: name the run's root cause (``orchestration.failures``).

Input: the state machine's state when a Catch took over (``failed_state``, ``error`` = ``{Error,
Cause}``, ``plan`` when planning got that far). A Distributed Map's error is only a wrapper, so the
batch failure records under the run's ``failures/`` folder supply the first real failure; a batch that
failed and then succeeded on a retry (it has a result file) does not count.
"""

from __future__ import annotations

from typing import Any

from orchestration.core.storage import Storage
from orchestration.failures import FAILURES_DIR, WRAPPERS, root_cause

from ._runtime import lambda_handler, logger, parse_event, storage
from .events import FailureEvent

__all__ = ["handler", "describe", "FailureEvent"]


def _children(manifest_uri: str, store: Storage) -> list[dict[str, Any]]:
    """Batch failure records of the run, oldest first, without batches a retry later completed."""
    folder = manifest_uri.rsplit("/", 1)[0]
    records = []
    listed = [*store.list(f"{folder}/{FAILURES_DIR}/", "batch-*.json"),
              *store.list(f"{folder}/{FAILURES_DIR}/", "download-*.json")]
    for info in listed:
        try:
            record = store.read_json(info.uri)
        except Exception:  # noqa: BLE001 - a record that cannot be read is not a root cause
            continue
        batch = record.get("batch")
        if isinstance(batch, int) and store.exists(f"{folder}/results/batch-{batch:05d}.json"):
            continue
        records.append(record)
    return sorted(records, key=lambda r: str(r.get("at", "")))


def describe(event: FailureEvent, store: Storage) -> dict[str, Any]:
    state = event.input.get("failed_state")
    caught = event.input.get("error") or {}
    error, cause = caught.get("Error"), caught.get("Cause")
    plan = event.input.get("plan") or {}
    children: list[dict[str, Any]] = []
    # Before Plan, the download stage's list of copies sits in the same run folder as the manifest will.
    manifest_uri = plan.get("manifest_uri") or (event.input.get("download") or {}).get("items_uri")
    if error in WRAPPERS and isinstance(manifest_uri, str):
        children = _children(manifest_uri, store)
    found = root_cause(state=state, error=error, cause=cause, children=children)
    return {"import": event.import_, "run_id": event.run_id, "failed_state": state,
            **found, "error": found["error"] or "Lockgate.Error", "cause": found["cause"] or ""}


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    described = describe(parse_event(event, FailureEvent), storage())
    logger.info("root cause", extra={"error": described["error"], "state": described.get("state")})
    return described
