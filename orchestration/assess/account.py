"""What ``lockgate assess`` reads from an account: Glue jobs, their runs, triggers and scripts.

Built from the Glue API's own response shapes (``get_jobs`` ``Jobs[]``, ``get_job_runs`` ``JobRuns[]``,
``get_triggers`` ``Triggers[]``), whether they come live through boto3 (``live.py``) or from an export
folder (``export.py``), so both paths parse the same dictionaries with the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orchestration.core.errors import UsageError
from orchestration.router.estimate import GLUE_WORKER_DPUS

__all__ = ["GlueJob", "JobRun", "Trigger", "Account", "job_from_api", "run_from_api", "trigger_from_api"]


@dataclass(frozen=True)
class GlueJob:
    """One Glue job definition (``get_jobs`` ``Jobs[]``)."""

    name: str
    command: str
    """``glueetl``, ``gluestreaming``, ``pythonshell`` or ``glueray``."""
    script_location: str
    glue_version: str = ""
    worker_type: str = ""
    workers: int = 0
    max_capacity: float = 0.0
    execution_class: str = "STANDARD"
    default_arguments: dict[str, str] = field(default_factory=dict)

    @property
    def dpus(self) -> float:
        """DPUs of a run at the job's configured size: workers x DPUs per worker, else MaxCapacity."""
        return dpus_of(self.worker_type, self.workers, self.max_capacity)


@dataclass(frozen=True)
class JobRun:
    """One job run (``get_job_runs`` ``JobRuns[]``)."""

    id: str
    started_on: datetime
    state: str
    execution_time_s: float
    dpu_seconds: float | None = None
    """Reported for auto-scaling and Flex runs only; else DPUs x execution time."""
    worker_type: str = ""
    workers: int = 0
    max_capacity: float = 0.0
    execution_class: str = "STANDARD"

    @property
    def dpus(self) -> float:
        return dpus_of(self.worker_type, self.workers, self.max_capacity)


@dataclass(frozen=True)
class Trigger:
    """One trigger (``get_triggers`` ``Triggers[]``): what starts which jobs, and when."""

    name: str
    type: str
    """``SCHEDULED``, ``CONDITIONAL``, ``ON_DEMAND`` or ``EVENT``."""
    schedule: str | None
    jobs: tuple[str, ...]
    workflow: str | None = None
    watches: tuple[str, ...] = ()
    """Jobs a CONDITIONAL trigger waits for."""


@dataclass
class Account:
    """Everything assess needs, by job name. ``inputs`` holds, per job, the objects one typical run reads
    (``[(key, size)]``) when they could be listed; ``tables`` the catalog tables scripts read, by
    ``database.table`` (``get_table`` ``Table``)."""

    jobs: list[GlueJob]
    runs: dict[str, list[JobRun]]
    triggers: list[Trigger]
    scripts: dict[str, str]
    inputs: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    workflows: list[str] = field(default_factory=list)
    region: str = ""


def dpus_of(worker_type: str, workers: int, max_capacity: float) -> float:
    if worker_type in GLUE_WORKER_DPUS and workers:
        return float(GLUE_WORKER_DPUS[worker_type] * workers)
    if worker_type in ("Standard", "G.025X") and workers:
        return workers * (1.0 if worker_type == "Standard" else 0.25)
    return float(max_capacity or 0.0)


def _need(d: dict[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise UsageError(f"missing {key!r}; the file must hold the Glue API's response as boto3 returns it "
                         "(docs/migrating-from-glue.md, 'The export folder')", where=where)
    return d[key]


def _time(value: Any, where: str) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"StartedOn {value!r} is not an ISO 8601 time (e.g. 2026-11-03T03:00:12+00:00)",
                         where=where) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def job_from_api(d: dict[str, Any], where: str) -> GlueJob:
    command = d.get("Command") or {}
    return GlueJob(
        name=str(_need(d, "Name", where)),
        command=str(command.get("Name", "glueetl")),
        script_location=str(command.get("ScriptLocation", "")),
        glue_version=str(d.get("GlueVersion", "")),
        worker_type=str(d.get("WorkerType", "")),
        workers=int(d.get("NumberOfWorkers") or 0),
        max_capacity=float(d.get("MaxCapacity") or d.get("AllocatedCapacity") or 0.0),
        execution_class=str(d.get("ExecutionClass") or "STANDARD"),
        default_arguments={str(k): str(v) for k, v in (d.get("DefaultArguments") or {}).items()},
    )


def run_from_api(d: dict[str, Any], job: GlueJob, where: str) -> JobRun:
    """A run; size fields the run leaves out fall back to the job's configuration."""
    dpu_s = d.get("DPUSeconds")
    return JobRun(
        id=str(d.get("Id", "")),
        started_on=_time(_need(d, "StartedOn", where), where),
        state=str(d.get("JobRunState", "SUCCEEDED")),
        execution_time_s=float(d.get("ExecutionTime") or 0),
        dpu_seconds=float(dpu_s) if dpu_s is not None else None,
        worker_type=str(d.get("WorkerType") or job.worker_type),
        workers=int(d.get("NumberOfWorkers") or job.workers),
        max_capacity=float(d.get("MaxCapacity") or job.max_capacity),
        execution_class=str(d.get("ExecutionClass") or job.execution_class),
    )


def trigger_from_api(d: dict[str, Any], where: str) -> Trigger:
    actions = d.get("Actions") or []
    conditions = (d.get("Predicate") or {}).get("Conditions") or []
    return Trigger(
        name=str(_need(d, "Name", where)),
        type=str(d.get("Type", "ON_DEMAND")),
        schedule=d.get("Schedule") or None,
        jobs=tuple(str(a["JobName"]) for a in actions if a.get("JobName")),
        workflow=d.get("WorkflowName") or None,
        watches=tuple(str(c["JobName"]) for c in conditions if c.get("JobName")),
    )


def now() -> datetime:
    return datetime.now(UTC)
