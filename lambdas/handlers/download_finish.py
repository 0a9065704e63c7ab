"""Download stage, step 3: complete the files copied in ranges (``lambdas.download.finish``), then Plan."""

from __future__ import annotations

from typing import Any

from ._runtime import control_uri, lambda_handler, logger, parse_event, storage
from .plan import load_canonical_spec

__all__ = ["handler"]


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from lambdas.download.events import DownloadFinishEvent
    from lambdas.download.finish import finish_downloads
    from lambdas.download.landing import landing_for

    ev = parse_event(event, DownloadFinishEvent)
    store = storage()
    spec = load_canonical_spec(store, ev.spec_uri)
    result = finish_downloads(store.read_json(ev.items_uri), store, landing_for(store), control_uri(), spec.name)
    logger.info("downloads finished", extra=result)
    return result
