"""Download stage, step 2 (one Distributed Map item): copy one file, or one byte range of a large one,
into the raw bucket (``lambdas.download.copy``). A failed copy records why before it re-raises, as a
failed batch does (ADR 0010)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from orchestration.failures import FAILURES_DIR

from ._runtime import control_uri, lambda_handler, logger, metrics, parse_event, storage
from .plan import load_canonical_spec

__all__ = ["handler"]


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from lambdas.download.copy import copy_item
    from lambdas.download.events import DownloadItemEvent
    from lambdas.download.landing import landing_for
    from lambdas.download.sources import connect

    ev = parse_event(event, DownloadItemEvent)
    store = storage()
    index = int(ev.item.get("index", 0))
    record = f"{ev.items_uri.rsplit('/', 1)[0]}/{FAILURES_DIR}/download-{index:05d}.json"
    try:
        spec = load_canonical_spec(store, ev.spec_uri)
        with connect(spec) as remote:
            result = copy_item(ev.item, remote, store, landing_for(store), control_uri(), spec.name)
    except Exception as err:
        try:
            store.write_json(record, {"state": "DownloadFile", "file": ev.item.get("file", {}).get("url"),
                                      "error": getattr(err, "asl_error", None) or type(err).__name__,
                                      "cause": str(err)[:4000], "at": datetime.now(UTC).isoformat()})
        except Exception:  # noqa: BLE001 - recording must not hide the copy's own error
            logger.warning("could not record the failure of download item %s", index, exc_info=True)
        raise
    store.delete(record)  # a retry that succeeded leaves no root cause behind
    logger.info("downloaded", extra=result)
    metrics.add_metric(name="download_bytes", unit="Bytes", value=result["bytes"])
    return result
