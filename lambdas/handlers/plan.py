"""Plan: resolve the window, list and route the run's objects, write the manifest. Returns ``PlanResult``."""

from __future__ import annotations

from typing import Any

from orchestration.contracts import PlanResult
from orchestration.spec import parse_spec
from orchestration.storage import Storage

from ._runtime import control_uri, lambda_handler, logger, metrics, parse_event, storage
from .events import PlanEvent

__all__ = ["handler", "plan"]


def plan(event: PlanEvent, store: Storage, control: str) -> PlanResult:
    """Load the spec named by the event and plan the run (``orchestration.planning.plan_run``)."""
    from orchestration.planning import plan_run

    spec = parse_spec(store.read_json(event.spec_uri), event.spec_uri)
    return plan_run(
        spec, run_id=event.execution.name, started_at=event.execution.start_time,
        execution_input=event.input, control_uri=control, storage=store,
    )


@lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    ev = parse_event(event, PlanEvent)
    result = plan(ev, storage(), control_uri())
    logger.info("planned", extra={"route": result.route, "batches": result.batches, "reasons": result.reasons})
    metrics.add_dimension(name="import", value=result.import_)
    metrics.add_metric(name="objects", unit="Count", value=result.objects)
    metrics.add_metric(name="batches", unit="Count", value=result.batches)
    metrics.add_metric(name="bytes_planned", unit="Bytes", value=result.bytes)
    return result.model_dump(mode="json", by_alias=True)
