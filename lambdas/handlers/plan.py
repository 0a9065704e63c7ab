"""Plan: resolve the window, list and route the run's objects, write the manifest. Returns ``PlanResult``."""

from __future__ import annotations

from typing import Any

from orchestration.core.contracts import PlanResult
from orchestration.core.spec import Spec, SpecInvalid, spec_problems
from orchestration.core.storage import Storage

from ._runtime import control_uri, lambda_handler, logger, metrics, parse_event, storage
from .events import PlanEvent

__all__ = ["handler", "plan"]


def plan(event: PlanEvent, store: Storage, control: str) -> PlanResult:
    """Load the spec named by the event and plan the run (``orchestration.planning.plan_run``)."""
    from orchestration.planning import plan_run

    spec = load_canonical_spec(store, event.spec_uri)
    return plan_run(
        spec, run_id=event.execution.name, started_at=event.execution.start_time,
        execution_input=event.input, control_uri=control, storage=store,
    )


def load_canonical_spec(store: Storage, uri: str) -> Spec:
    """The deployed canonical spec. It was fully checked when rendered; here only its structure must hold,
    because ``Spec.canonical()`` writes every default (``source.csv`` for a Parquet source, say), which the
    cross-field checks of a hand-written spec would flag."""
    spec, problems = spec_problems(store.read_json(uri))
    if spec is None:
        raise SpecInvalid(uri, problems)
    if problems:
        logger.debug("spec %s: %s", uri, "; ".join(p.render(uri) for p in problems))
    return spec


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
