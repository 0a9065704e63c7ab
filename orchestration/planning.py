"""Plan one run: resolve the window, list and size the source objects, ask the router, write the manifest.

``plan_run`` is what the plan Lambda does (``lambdas/handlers/plan.py`` is a thin wrapper); it writes the
``Manifest`` and ``batches.json`` under the run's control prefix and returns the small ``PlanResult``.
``preview_plan`` gathers the same facts and decision without writing anything (``lockgate plan``).
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, cast

from pydantic import ValidationError

from orchestration.core.compression import HEAD_BYTES, detect_compression
from orchestration.core.contracts import Manifest, PlanResult, SourceObject
from orchestration.core.errors import ConfigError, QualityError, SpecError
from orchestration.core.spec.models import Spec
from orchestration.core.spec.uris import split_s3_uri
from orchestration.core.spec.window import (
    DEFAULT_MAX_WINDOW_DAYS,
    Window,
    check_window_length,
    expand_source_uris,
    resolve_window,
)

from .router import Decision, ObjectFacts, PlanFacts, RoutingConfig, route
from .router.decide import EngineChoice
from .router.transitions import state_counts

if TYPE_CHECKING:
    from orchestration.core.storage import Storage

__all__ = ["plan_run", "preview_plan", "PlanPreview", "routing_config_from_env", "run_window"]

ROUTING_ENV = "LOCKGATE_ROUTING"
MAX_WINDOW_ENV = "LOCKGATE_MAX_WINDOW_DAYS"
"""``limits.max_window_days`` of lockgate.yaml, for the plan function (orchestration.wiring sets it)."""
"""JSON of the project's ``routing:`` settings, for the plan Lambda (no lockgate.yaml there)."""



@dataclass(frozen=True)
class PlanPreview:
    """Facts and decision for one run, nothing written."""

    spec: Spec
    window: Window | None
    sources: list[str]
    objects: list[SourceObject]
    facts: PlanFacts
    decision: Decision


def _head_of(storage: Storage, uri: str) -> Callable[[], bytes]:
    return lambda: storage.head(uri, HEAD_BYTES)


def _splittable(fmt: str, compression: str) -> bool:
    return fmt == "parquet" or compression == "none"


def _timezone(spec: Spec) -> str:
    return spec.schedule.timezone if spec.schedule else "UTC"


def _window(spec: Spec, requested: Mapping[str, str] | Window | None, started_at: datetime | str | None) -> Window | None:
    tz = _timezone(spec)
    if isinstance(requested, Window):
        return requested
    if requested:
        try:
            window = Window.from_json(dict(requested), tz)
        except (KeyError, ValueError) as e:
            raise SpecError(f"window {dict(requested)!r} is invalid ({e}); pass {{'start': ISO, 'end': ISO}} with "
                            "end after start (end is exclusive)", where="run input: window") from None
        # The CLI checks this before starting a run; an execution started any other way is checked here.
        try:
            return check_window_length(window, int(os.environ.get(MAX_WINDOW_ENV) or DEFAULT_MAX_WINDOW_DAYS))
        except ValueError as e:
            raise SpecError(f"window {window.start.date()}..{window.end.date()} {e}", where="run input: window") from None
    if spec.schedule is None or started_at is None:
        return None
    now = datetime.fromisoformat(started_at.replace("Z", "+00:00")) if isinstance(started_at, str) else started_at
    return resolve_window(spec.schedule.window, now, tz)


def _download_reasons(execution_input: Mapping[str, Any]) -> list[str]:
    """What the download stage of an https:// or sftp:// import did (``$.download``), as plan reasons."""
    d = execution_input.get("download")
    if not isinstance(d, dict):
        return []
    said = [f"download: {d.get('copied', 0)} of {d.get('files', 0)} remote files copied into the raw bucket, "
            f"{d.get('skipped', 0)} unchanged since their last copy"]
    return said + [f"download: {r}" for r in d.get("reasons") or [] if isinstance(r, str)]


def run_window(spec: Spec, requested: Mapping[str, str] | None, started_at: str | None) -> Window | None:
    """The window a run loads: the execution input's, else the schedule's policy at ``started_at``
    (the download stage resolves it the same way Plan does)."""
    return _window(spec, requested, started_at)


def _list(spec: Spec, window: Window | None, storage: Storage) -> tuple[list[str], list[SourceObject]]:
    try:
        sources = expand_source_uris(spec.source.s3_uri, window, _timezone(spec))
    except ValueError as e:
        raise SpecError(str(e), where=f"{spec.name}: source.uri") from None
    pattern, fmt = spec.source.pattern, spec.source.format
    found: dict[str, tuple[int, str | None]] = {}
    for src in sources:
        listed = list(storage.list(src, pattern))
        if not src.endswith("/"):  # an object URI: keep the exact object when it exists
            exact = [o for o in listed if o.uri == src]
            listed = exact or listed
        for o in listed:
            name = o.uri.rsplit("/", 1)[-1]
            if name and (pattern is None or fnmatch.fnmatchcase(name, pattern)):
                found[o.uri] = (int(o.size), o.version)
    objects = []
    for uri in sorted(found):
        comp = detect_compression(uri, fmt, spec.source.compression, _head_of(storage, uri))
        # model_construct: these values are built here, not read from outside (100,000 objects plan fast).
        size, version = found[uri]
        objects.append(SourceObject.model_construct(uri=uri, size=size, compression=cast(Any, comp),
                                                    splittable=_splittable(fmt, comp), version=version))
    return sources, objects


def _engine(value: object) -> EngineChoice | None:
    if value in (None, ""):
        return None
    if value not in ("auto", "lambda", "glue"):
        raise SpecError(f"engine {value!r} is not one of auto, lambda, glue", where="run input: engine")
    return cast(EngineChoice, value)


def routing_config_from_env() -> RoutingConfig:
    """The routing settings from ``LOCKGATE_ROUTING`` (JSON), or the defaults."""
    raw = os.environ.get(ROUTING_ENV)
    if not raw:
        return RoutingConfig()
    try:
        return RoutingConfig.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as e:
        raise ConfigError(f"{ROUTING_ENV} is not valid routing settings: {e}", where=f"environment: {ROUTING_ENV}") from None


def preview_plan(spec: Spec, *, storage: Storage, window: Mapping[str, str] | Window | None = None,
                 engine: str | None = None, started_at: datetime | str | None = None,
                 model: RoutingConfig | None = None, mode: str = "manual") -> PlanPreview:
    """Facts and decision for a run of ``spec``, writing nothing. ``started_at`` resolves the spec's
    window policy when no window is given; ``mode`` ``backfill`` may use Glue's Flex class."""
    win = _window(spec, window, started_at)
    sources, objects = _list(spec, win, storage)
    where = ", ".join(sources) + (f" matching {spec.source.pattern}" if spec.source.pattern else "")
    if win is not None:
        where += f" for window {win}"
    facts = PlanFacts(spec.source.format, [ObjectFacts(o.size, o.compression, o.splittable, o.uri) for o in objects],
                      where)
    decision = route(facts, spec, engine=_engine(engine), config=model or routing_config_from_env(),
                     counts=state_counts(spec), mode=mode)
    return PlanPreview(spec, win, sources, objects, facts, decision)


def check_empty_window(spec: Spec, preview: PlanPreview) -> None:
    """A window without objects fails the run when ``quality.min_rows`` asks for rows, unless the spec says
    empty windows are expected (``quality.allow_empty``): a missing upstream export must not pass unnoticed."""
    q = spec.quality
    if preview.objects or q.min_rows == 0 or q.allow_empty:
        return
    raise QualityError(
        f"no source objects under {preview.facts.where}, and quality.min_rows is {q.min_rows}. Nothing was "
        "published. Check that the upstream export ran for this window; set quality.allow_empty: true in the spec "
        "if empty windows are expected",
        where=f"import {spec.name}: plan",
    )


def plan_run(spec: Spec, *, run_id: str, started_at: datetime | str, execution_input: Mapping[str, Any] | None,
             control_uri: str, storage: Storage | None = None, model: RoutingConfig | None = None) -> PlanResult:
    """Plan one run: write its manifest and batches.json, return the small PlanResult."""
    if storage is None:
        from orchestration.core.storage import get_storage

        storage = get_storage()
    inp = dict(execution_input or {})
    if inp.get("import") not in (None, spec.name):
        raise SpecError(f"the run input names import {inp['import']!r} but this state machine runs {spec.name!r}",
                        where="run input: import")
    mode = inp.get("mode") or "manual"
    if mode not in ("scheduled", "manual", "backfill"):
        raise SpecError(f"mode {mode!r} is not one of scheduled, manual, backfill", where="run input: mode")
    preview = preview_plan(spec, storage=storage, window=inp.get("window"), engine=inp.get("engine"),
                           started_at=started_at, model=model, mode=mode)
    decision = preview.decision
    reasons = [*decision.reasons, *_download_reasons(inp)]
    check_empty_window(spec, preview)
    started = started_at.isoformat() if isinstance(started_at, datetime) else started_at
    batches = [b.model_copy(update={"estimated_s": round(s, 3)})
               for b, s in zip(decision.batches, decision.batch_seconds, strict=False)] if decision.route == "lambda" else []
    manifest = Manifest(  # populate_by_name: import_ is the field, "import" its alias
        run_id=run_id, import_=spec.name, spec=spec.canonical(), window=preview.window.to_json() if preview.window else None,
        mode=cast(Literal["scheduled", "manual", "backfill"], mode), started_at=started, route=decision.route, reasons=reasons, objects=preview.objects,
        batches=batches, dedupe_buckets=decision.dedupe_buckets, control_uri=control_uri, cost=decision.cost,
        estimated_s={"lambda": round(decision.lambda_seconds, 3), "glue": round(decision.glue_seconds, 3)},
    )
    paths = manifest.paths
    # Compact JSON through pydantic's serializer: a 100,000-object manifest writes in well under a second.
    storage.write_bytes(paths.manifest, manifest.model_dump_json(by_alias=True).encode())
    storage.write_bytes(paths.batches, json.dumps([{"batch": b.index} for b in batches]).encode())
    bucket, key = split_s3_uri(paths.batches)
    return PlanResult(
        run_id=run_id, import_=spec.name, route=decision.route, reasons=reasons, window=manifest.window,
        objects=len(preview.objects), bytes=preview.facts.total_bytes, largest_bytes=preview.facts.largest_bytes,
        batches=len(batches), dedupe_buckets=manifest.dedupe_buckets, manifest_uri=paths.manifest,
        batches_bucket=bucket, batches_key=key, staging_uri=paths.staging, glue_result_uri=paths.glue_result,
        cost=decision.cost, glue=decision.glue.to_json() if decision.glue else {},
    )
