"""Download stage, step 1: list the window's remote files, skip the unchanged, plan the copies
(``lambdas.download.listing``). Returns a small summary; the copies go to the run's downloads.json."""

from __future__ import annotations

from typing import Any

from ._runtime import control_uri, lambda_handler, logger, metrics, parse_event, storage
from .events import PlanEvent
from .plan import load_canonical_spec

__all__ = ["handler"]


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    from lambdas.download.landing import landing_for
    from lambdas.download.listing import plan_downloads
    from lambdas.download.records import sizes
    from lambdas.download.sources import connect
    from orchestration.planning import run_window

    ev = parse_event(event, PlanEvent)
    store = storage()
    spec = load_canonical_spec(store, ev.spec_uri)
    assert spec.source.download is not None
    window = run_window(spec, ev.input.get("window"), ev.execution.start_time)
    tz = spec.schedule.timezone if spec.schedule else "UTC"
    with connect(spec) as remote:
        result = plan_downloads(spec, window, tz, remote, store, landing_for(store), control_uri(), ev.execution.name,
                                sizes(spec.source.download))
    logger.info("download listed", extra={k: result[k] for k in ("files", "skipped", "items", "reasons")})
    metrics.add_dimension(name="import", value=spec.name)
    metrics.add_metric(name="download_files", unit="Count", value=result["files"])
    metrics.add_metric(name="download_skipped", unit="Count", value=result["skipped"])
    return result
