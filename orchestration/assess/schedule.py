"""When a Glue job runs, from its triggers: a SCHEDULED trigger that starts it, or the SCHEDULED trigger
that starts the workflow a CONDITIONAL trigger runs it in. Glue cron expressions are EventBridge's
six-field form in UTC, so they carry over to ``schedule.expression`` unchanged."""

from __future__ import annotations

from dataclasses import dataclass, field

from orchestration.core.spec.schedule import check_schedule_expression

from .account import Trigger

__all__ = ["JobSchedule", "job_schedule"]


@dataclass(frozen=True)
class JobSchedule:
    expression: str | None
    """cron(...) in UTC, or None when nothing schedules the job."""
    trigger: str | None
    how: str
    notes: list[str] = field(default_factory=list)


def job_schedule(job: str, triggers: list[Trigger]) -> JobSchedule:
    for t in triggers:
        if job in t.jobs and t.type == "SCHEDULED" and t.schedule:
            return _checked(t.schedule, t.name, f"trigger {t.name} ({t.schedule}, UTC)", [])
    for t in triggers:
        if job in t.jobs and t.type == "CONDITIONAL" and t.workflow:
            start = next((s for s in triggers if s.workflow == t.workflow and s.type == "SCHEDULED" and s.schedule),
                         None)
            if start and start.schedule:
                after = ", ".join(t.watches) or "the previous step"
                return _checked(start.schedule, start.name, f"workflow {t.workflow}: {start.name} ({start.schedule}, "
                                f"UTC), after {after}",
                                [f"runs in workflow {t.workflow} after {after}; the draft schedules it at the "
                                 "workflow's start time"])
    for t in triggers:
        if job in t.jobs:
            return JobSchedule(None, t.name, f"{t.type.lower()} trigger {t.name}")
    return JobSchedule(None, None, "no trigger (started by hand or by another service)")


def _checked(expression: str, trigger: str, how: str, notes: list[str]) -> JobSchedule:
    try:
        check_schedule_expression(expression)
    except ValueError as e:
        return JobSchedule(None, trigger, how, [f"the trigger's schedule {expression!r} does not carry over: {e}"])
    return JobSchedule(expression, trigger, how, notes)
