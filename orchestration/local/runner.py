"""``lockgate run IMPORT --local``: the deployed state machine, run on this machine.

Uploads the canonical spec to ``<control>/specs/<import>.json`` in the local lake (Terraform does this
on AWS), compiles the definition, fills its ``${...}`` placeholders with local names the way Terraform's
templatefile does, and executes it with the local services. Task durations are real; Waits and retry
back-off take virtual time (a 30-second crawler poll costs nothing). Every run leaves a record under
``<lake>/_runs/<run_id>/`` (see ``records``), an HTML report, and its measured cost as a row of the
runs table (``metering``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orchestration.core.contracts import RunPaths
from orchestration.core.errors import ConfigError
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import split_s3_uri
from orchestration.core.spec.window import Window
from orchestration.core.storage import LocalLake

from .. import wiring
from ..config import Project
from .context import ExecutionContext
from .interpreter import execute
from .mockconfig import MockConfig
from .records import build_states, mark_interrupted, mark_running, run_dir, walk_states, write_record
from .services import (
    CrawlerService,
    GlueService,
    LambdaService,
    LocalFunction,
    LocalGlueJob,
    LocalResolver,
    S3Service,
    SnsService,
)

__all__ = ["RunRequest", "RunClock", "run_local", "fill_placeholders", "new_run_id", "ACCOUNT"]

ACCOUNT = "123456789012"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class RunClock:
    """Real time for work, virtual time for waiting: ``now()`` is the wall clock plus every second
    ``advance`` skipped, so Wait states and retry back-off cost nothing while task durations stay real."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime.now(UTC)
        self._mono = time.monotonic()
        self.skipped = 0.0

    def now(self) -> datetime:
        return self._start + timedelta(seconds=time.monotonic() - self._mono + self.skipped)

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self.skipped += seconds


@dataclass(frozen=True)
class RunRequest:
    import_name: str
    window: Window | None = None
    engine: str = "auto"
    mode: str = "manual"
    mock_config: Path | None = None
    test_case: str | None = None
    run_id: str | None = None


def new_run_id(import_name: str, now: datetime | None = None) -> str:
    """``<import>-<UTC timestamp>-<6 hex>``: a valid execution name that sorts by start time."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{import_name}-{moment:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"[:80]


def fill_placeholders(definition: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """Replace ``${name}`` like Terraform's templatefile; an unknown name is an error, as there."""
    text = json.dumps(definition)

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ConfigError(f"the definition uses ${{{name}}}, which the local runtime has no value for; "
                              f"known: {', '.join(sorted(values))}", where="local state machine")
        return json.dumps(values[name])[1:-1]

    return json.loads(_PLACEHOLDER.sub(sub, text))


def _glue_script() -> str:
    found = importlib.util.find_spec("glue_jobs")
    if found is None or not found.submodule_search_locations:
        raise ConfigError("the glue_jobs package is not installed; run `make setup`", where="local Glue service")
    return str(Path(list(found.submodule_search_locations)[0]) / "job.py")


@dataclass
class _Setup:
    definition: dict[str, Any]
    resolver: LocalResolver
    state_machine: str
    context: ExecutionContext
    clock: RunClock


def _local_only_env(spec: Spec, kind: str) -> dict[str, str]:
    """The download functions' named credential variable (source.download.credentials.env), passed to them
    alone: on AWS they read the named secret instead (docs/sources.md)."""
    creds = spec.source.download.credentials if spec.source.download else None
    if not kind.startswith("download_") or creds is None or not creds.env or creds.env not in os.environ:
        return {}
    return {creds.env: os.environ[creds.env]}


def _setup(project: Project, spec: Spec, request: RunRequest, run_id: str,
           progress: Callable[[str], None] | None) -> _Setup:
    from crawlers.local_catalog import LocalCatalog
    from crawlers.quarantine import ensure_quarantine_tables
    from crawlers.service import LocalCrawlerService

    from ..compiler import compile_definition

    cfg = project.config.aws
    lake = project.lake
    prefix, region = cfg.prefix, cfg.region
    machine = f"{prefix}-{spec.name}"
    control_bucket, _ = split_s3_uri(cfg.control_uri)
    store = LocalLake(lake)
    spec_uri = RunPaths.spec(cfg.control_uri, spec.name)
    store.write_json(spec_uri, spec.canonical())
    folder = run_dir(lake, run_id)
    clock = RunClock()
    crawler_backend = LocalCrawlerService(lake, clock=clock)
    crawler_name = crawler_backend.ensure_crawler(spec, prefix=prefix)
    ensure_quarantine_tables(LocalCatalog(lake), spec)  # what Terraform creates on AWS
    # The same wiring Terraform deploys (orchestration.wiring), plus what only a laptop needs.
    wired = wiring.functions(spec, project.config)
    functions = {f"{prefix}-{spec.name}-{kind.replace('_', '-')}": (kind, f.memory_mb, f.timeout_s)
                 for kind, f in wired.items()}
    table = {name: LocalFunction(name, wired[kind].handler, mem, timeout, _local_only_env(spec, kind))
             for name, (kind, mem, timeout) in functions.items()}
    env = {"LOCKGATE_LAKE": str(lake), **wired["plan"].environment,
           "POWERTOOLS_SERVICE_NAME": machine, "POWERTOOLS_METRICS_NAMESPACE": "Lockgate",
           "POWERTOOLS_LOG_LEVEL": "INFO", "AWS_REGION": region}
    glue = wiring.glue_job(spec)
    job = LocalGlueJob(machine, _glue_script(), glue["timeout_minutes"], glue["worker_type"], glue["workers"],
                       glue["version"])
    arns = {kind: f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}" for name, (kind, _, _) in functions.items()}
    values = {f"{kind}_function_arn": arn for kind, arn in arns.items()} | {
        "glue_job_name": machine, "crawler_name": crawler_name,
        "sns_topic_arn": f"arn:aws:sns:{region}:{ACCOUNT}:{prefix}-failures",
        "success_topic_arn": f"arn:aws:sns:{region}:{ACCOUNT}:{prefix}-runs",
        "control_bucket": control_bucket, "spec_key": spec_uri.removeprefix(f"s3://{control_bucket}/"),
    }
    definition = fill_placeholders(compile_definition(spec), values)
    test_case = None
    if request.mock_config is not None:
        if not request.test_case:
            raise ConfigError("--mock-config needs --test-case NAME (a test case of the mock config)")
        test_case = MockConfig.load(request.mock_config).test_case([machine, spec.name], request.test_case)
        test_case.check_states(name for name, kind, _ in walk_states(definition) if kind == "Task")
    elif request.test_case:
        raise ConfigError("--test-case needs --mock-config FILE")
    resolver = LocalResolver(
        lambdas=LambdaService(table, base_env=env, cwd=project.root, log_dir=folder / "logs"),
        s3=S3Service(store), sns=SnsService(lake),
        glue=GlueService({machine: job}, base_env=env, cwd=project.root, log_dir=folder / "logs"),
        crawlers=CrawlerService(crawler_backend), test_case=test_case,
        on_call=_progress_reporter(definition, store, cfg.control_uri, spec.name, run_id, progress))
    context = ExecutionContext(name=run_id, state_machine_name=machine, start_time=clock.now(), region=region,
                               account=ACCOUNT)
    return _Setup(definition, resolver, machine, context, clock)


def _progress_reporter(definition: dict[str, Any], store: LocalLake, control_uri: str, import_name: str,
                       run_id: str, progress: Callable[[str], None] | None) -> Callable[[str, int, int], None] | None:
    if progress is None:
        return None
    in_map = {name: parent for name, _, parent in walk_states(definition) if parent}
    totals: dict[str, int] = {}

    def report(state: str, attempt: int, calls: int) -> None:
        retry = f" (attempt {attempt})" if attempt > 1 else ""
        parent = in_map.get(state)
        if parent is None:
            progress(f"{state}{retry}")
            return
        if parent not in totals:
            paths = RunPaths(control_uri, import_name, run_id)
            try:
                totals[parent] = len(store.read_json(paths.batches))
            except Exception:  # noqa: BLE001 - progress is best effort
                totals[parent] = 0
        total = f"/{totals[parent]}" if totals[parent] else ""
        progress(f"{parent} › {state} {calls}{total}{retry}")

    return report


def _import_in_background(*modules: str) -> None:
    """Import ``modules`` on a daemon thread: what this process needs only once the run ends (the crawler
    reads footers and the runs table is written with pyarrow, 0.3 s to import) is then loaded while the
    functions run in their own processes, not after the commit. An import the run reaches first waits for
    this one (the import lock); a failure here is left for that import to report."""

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001, S112 - the import that needs the module raises it again
                continue

    threading.Thread(target=load, name="lockgate-imports", daemon=True).start()


def run_local(project: Project, request: RunRequest, *, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run one import locally; returns the run summary (also written to ``summary.json``)."""
    from .metering import meter_run
    from .report import write_report
    from .summary import summarize

    spec = project.spec(request.import_name)
    run_id = request.run_id or new_run_id(spec.name)
    started_wall = datetime.now(UTC)
    started = time.monotonic()
    setup = _setup(project, spec, request, run_id, progress)
    payload: dict[str, Any] = {"import": spec.name, "mode": request.mode, "engine": request.engine}
    if request.window is not None:
        payload["window"] = request.window.to_json()
    mark_running(project.lake, run_id, {"import": spec.name, "mode": request.mode, "engine": request.engine,
                                        "window": payload.get("window"), "started_at": started_wall.isoformat(),
                                        "state_machine": setup.state_machine})
    _import_in_background("pyarrow.parquet", "pyarrow.json")
    try:
        result = execute(setup.definition, payload, resolver=setup.resolver, clock=setup.clock, context=setup.context)
    except KeyboardInterrupt:
        # The running task was stopped with the CLI (its process group is killed); the next commit of this
        # import finishes or ignores what it began (ADR 0003). Record the run so `lockgate runs` shows it.
        mark_interrupted(project.lake, run_id, duration_s=round(time.monotonic() - started, 3))
        raise
    duration = round(time.monotonic() - started, 3)
    states = build_states(setup.definition, result.events, result.map_runs, setup.resolver.calls)
    summary = summarize(project, spec, run_id=run_id, request=request, result=result, states=states,
                        started_at=started_wall, duration_s=duration, state_machine=setup.state_machine,
                        resolver=setup.resolver)
    try:
        meter_run(project, spec, summary, result, setup.resolver)
    except Exception as e:  # noqa: BLE001 - measuring a run must never lose its record (ADR 0013)
        summary["metering_error"] = f"{type(e).__name__}: {e}"
    folder = write_record(project.lake, run_id, definition=setup.definition, result=result, states=states,
                          summary=summary)
    write_report(folder, summary, states, setup.definition)
    return summary
