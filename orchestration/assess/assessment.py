"""One account's assessment: per job the script's pattern, runs, cost now, route and cost on Lockgate,
the saving and a draft spec; the jobs ranked (low risk, high saving first) and the total against the
target saving."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from orchestration.router import RoutingConfig

from .account import Account, GlueJob
from .billing import RunStats, run_stats
from .draft import Draft, draft_spec, spec_name
from .estimate import LockgateEstimate, estimate_on_lockgate
from .schedule import JobSchedule, job_schedule
from .script import Finding, ScriptAnalysis, analyze_script

__all__ = ["JobAssessment", "Assessment", "assess", "TARGET_SAVING", "Risk"]

TARGET_SAVING = 0.80
"""The month-over-month Glue cost reduction teams usually aim for."""
Risk = Literal["low", "medium", "high"]
_RISK_ORDER = {"low": 0, "medium": 1, "high": 2}


@dataclass
class JobAssessment:
    job: GlueJob
    analysis: ScriptAnalysis
    stats: RunStats
    schedule: JobSchedule
    draft: Draft
    lockgate: LockgateEstimate
    risk: Risk
    risk_why: str
    rank: int = 0

    @property
    def lockgate_usd_month(self) -> float:
        return self.lockgate.usd_per_run * self.stats.runs_per_month

    @property
    def moves(self) -> bool:
        """The job is expected to move (low or medium risk); high-risk jobs stay as they are."""
        return self.risk != "high"

    @property
    def saving_usd_month(self) -> float:
        return self.stats.glue_usd_month - self.lockgate_usd_month

    @property
    def saving_ratio(self) -> float:
        now = self.stats.glue_usd_month
        return self.saving_usd_month / now if now > 0 else 0.0

    @property
    def deciding(self) -> list[Finding]:
        return self.analysis.deciding


@dataclass
class Assessment:
    jobs: list[JobAssessment]
    as_of: datetime
    origin: str
    config: RoutingConfig
    target: float = TARGET_SAVING
    skipped: list[str] = field(default_factory=list)

    @property
    def glue_usd_month(self) -> float:
        return sum(j.stats.glue_usd_month for j in self.jobs)

    @property
    def expected_usd_month(self) -> float:
        """Monthly cost once the jobs that can move have moved; the others keep their Glue cost."""
        return sum(j.lockgate_usd_month if j.moves else j.stats.glue_usd_month for j in self.jobs)

    @property
    def saving_usd_month(self) -> float:
        return self.glue_usd_month - self.expected_usd_month

    @property
    def saving_ratio(self) -> float:
        return self.saving_usd_month / self.glue_usd_month if self.glue_usd_month > 0 else 0.0

    @property
    def first(self) -> JobAssessment | None:
        """The job to migrate first: the lowest risk, then the highest saving, among jobs that save."""
        return next((j for j in self.jobs if j.moves and j.saving_usd_month > 0), None)

    def summary(self) -> dict[str, Any]:
        return {"glue_usd_month": round(self.glue_usd_month, 2), "expected_usd_month": round(self.expected_usd_month, 2),
                "saving_usd_month": round(self.saving_usd_month, 2), "saving_ratio": round(self.saving_ratio, 4),
                "target_ratio": self.target, "meets_target": self.saving_ratio >= self.target,
                "jobs": len(self.jobs), "jobs_moving": sum(1 for j in self.jobs if j.moves)}


def _risk(analysis: ScriptAnalysis, draft: Draft) -> tuple[Risk, str]:
    if analysis.pattern != "simple":
        return "high", "needs Spark: " + "; ".join(f"line {f.line}: {f.why}" for f in analysis.deciding[:3])
    if draft.text is None:
        return "medium", "maps to a spec, but no draft: " + "; ".join(draft.blockers)
    work = [n for n in draft.notes if any(w in n for w in ("by hand", "hook", "placeholders", "left out"))]
    if work:
        return "medium", "draft needs work: " + "; ".join(work)
    return "low", "the draft carries the whole script"


def assess_job(job: GlueJob, account: Account, as_of: datetime, config: RoutingConfig,
               taken: set[str] | None = None) -> JobAssessment:
    """One job. ``taken`` holds the import names earlier drafts used: two jobs whose names make the same
    identifier (``Orders-Daily``, ``orders_daily``) get ``orders_daily`` and ``orders_daily_2``."""
    stats = run_stats(account.runs.get(job.name, []), as_of, config.prices)
    schedule = job_schedule(job.name, account.triggers)
    source = account.scripts.get(job.name)
    if source is None:
        missing = Finding(0, "unsupported", job.script_location, "the script could not be read from its ScriptLocation")
        analysis = ScriptAnalysis("spark", [missing], [missing])
    else:
        analysis = analyze_script(source, command=job.command, defaults=job.default_arguments,
                                  filename=job.script_location or job.name)
    name = spec_name(job.name)
    if taken is not None:
        base, n = name, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
    draft = draft_spec(job, analysis, schedule, account.tables, name=name)
    risk, why = _risk(analysis, draft)
    why_glue = why if risk == "high" else f"no draft yet ({'; '.join(draft.blockers)}); costed as it runs today"
    spec = draft.spec if draft.text is not None else None
    objects = account.inputs.get(job.name)
    where = analysis.facts.reads[0].paths[0] if analysis.facts.reads and analysis.facts.reads[0].paths else "the source"
    estimate = estimate_on_lockgate(spec, stats, objects, where, config, why_glue)
    return JobAssessment(job, analysis, stats, schedule, draft, estimate, risk, why)


def assess(account: Account, *, as_of: datetime, config: RoutingConfig | None = None, origin: str = "",
           only: list[str] | None = None) -> Assessment:
    """Assess every job of ``account`` (or the ``only`` ones) and rank them."""
    config = config or RoutingConfig()
    chosen = [j for j in account.jobs if not only or j.name in only]
    taken: set[str] = set()
    jobs = [assess_job(j, account, as_of, config, taken) for j in chosen]
    jobs.sort(key=lambda j: (_RISK_ORDER[j.risk], -j.saving_usd_month, j.job.name))
    for i, j in enumerate(jobs, 1):
        j.rank = i
    return Assessment(jobs, as_of, origin, config)
