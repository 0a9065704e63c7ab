"""The assessment as JSON (``--json``) and Markdown (the default); ``html.py`` renders the same rows."""

from __future__ import annotations

from typing import Any

from orchestration.router import human_bytes, human_seconds

from .assessment import Assessment, JobAssessment

__all__ = ["assessment_json", "job_json", "to_markdown", "verdict"]


def job_json(j: JobAssessment) -> dict[str, Any]:
    s, e = j.stats, j.lockgate
    return {
        "rank": j.rank, "job": j.job.name, "command": j.job.command, "script": j.job.script_location,
        "pattern": j.analysis.pattern, "risk": j.risk, "risk_why": j.risk_why,
        "deciding_lines": [f.to_json() for f in j.deciding],
        "runs_per_month": s.runs_per_month, "failed_runs_per_month": s.failed_per_month,
        "p50_seconds": round(s.p50_s, 1), "p95_seconds": round(s.p95_s, 1),
        "glue_size": {"dpus": s.dpus, "worker_type": s.worker_type, "execution_class": s.execution_class},
        "glue_usd_month": round(s.glue_usd_month, 4),
        "route": e.route, "route_reasons": e.reasons,
        "input": {"bytes": e.input_bytes, "objects": e.input_objects, "how": e.input_how},
        "lockgate_usd_per_run": round(e.usd_per_run, 6), "lockgate_usd_month": round(j.lockgate_usd_month, 4),
        "saving_usd_month": round(j.saving_usd_month, 4), "saving_ratio": round(j.saving_ratio, 4),
        "schedule": {"expression": j.schedule.expression, "from": j.schedule.how},
        "draft": {"name": j.draft.name, "spec": j.draft.text, "notes": j.draft.notes, "blockers": j.draft.blockers},
    }


def verdict(a: Assessment) -> str:
    """One sentence: the expected saving against the target."""
    pct, target = a.saving_ratio * 100, a.target * 100
    if a.glue_usd_month <= 0:
        return "no billed Glue runs in the 30 days assessed: nothing to save yet"
    met = "meets" if a.saving_ratio >= a.target else "falls short of"
    moving = sum(1 for j in a.jobs if j.moves)
    gap = "" if a.saving_ratio >= a.target else (
        f"; reaching {target:.0f}% needs another ${a.glue_usd_month * a.target - a.saving_usd_month:,.2f} a month, "
        "from the high-risk jobs (rewrite their Spark steps as spec fields or hooks)")
    return (f"moving the {moving} low- and medium-risk job(s) takes Glue spend from ${a.glue_usd_month:,.2f} to "
            f"${a.expected_usd_month:,.2f} a month, a {pct:.0f}% saving, which {met} the {target:.0f}% target{gap}")


def assessment_json(a: Assessment) -> dict[str, Any]:
    first = a.first
    return {
        "as_of": a.as_of.isoformat(), "origin": a.origin, "prices": a.config.prices.model_dump(),
        "totals": a.summary(), "verdict": verdict(a),
        "migrate_first": first.job.name if first else None,
        "migrate_first_why": _first_why(first) if first else "no job can move with a saving",
        "jobs": [job_json(j) for j in a.jobs],
    }


def _first_why(j: JobAssessment) -> str:
    return (f"{j.risk} risk ({j.risk_why}); saves ${j.saving_usd_month:,.2f} of ${j.stats.glue_usd_month:,.2f} "
            f"a month ({j.saving_ratio:.0%}) on the {j.lockgate.route} route")


def _usd(v: float) -> str:
    sign, v = ("-" if v < 0 else ""), abs(v)
    return sign + (f"${v:,.2f}" if v >= 0.995 or v == 0 else f"${v:,.4f}")


def to_markdown(a: Assessment) -> str:
    first = a.first
    out = [f"# Glue migration assessment ({a.origin})", "",
           f"As of {a.as_of:%Y-%m-%d %H:%M} UTC, over the previous 30 days; prices: {a.config.prices.region} "
           f"(routing.prices). {verdict(a)}.", ""]
    if first:
        out += [f"**Migrate first: `{first.job.name}`** — {_first_why(first)}.", ""]
    out += ["| # | job | risk | pattern | runs/month | p50 / p95 | Glue now /month | route | Lockgate /month | saving |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for j in a.jobs:
        s = j.stats
        out.append(f"| {j.rank} | `{j.job.name}` | {j.risk} | {j.analysis.pattern} | {s.runs_per_month} | "
                   f"{human_seconds(s.p50_s)} / {human_seconds(s.p95_s)} | {_usd(s.glue_usd_month)} | {j.lockgate.route} "
                   f"| {_usd(j.lockgate_usd_month)} | {_usd(j.saving_usd_month)} ({j.saving_ratio:.0%}) |")
    t = a.summary()
    out += [f"| | **total** | | | | | **{_usd(t['glue_usd_month'])}** | | **{_usd(t['expected_usd_month'])}** "
            f"| **{_usd(t['saving_usd_month'])} ({t['saving_ratio']:.0%})** |", ""]
    for j in a.jobs:
        out += _job_section(j)
    return "\n".join(out).rstrip() + "\n"


def _job_section(j: JobAssessment) -> list[str]:
    e = j.lockgate
    out = [f"## {j.rank}. `{j.job.name}` — {j.risk} risk, {j.analysis.pattern}", "",
           f"- script: `{j.job.script_location}`; schedule: {j.schedule.how}",
           f"- why {j.risk}: {j.risk_why}",
           f"- input per run: {human_bytes(e.input_bytes)} in {e.input_objects} objects ({e.input_how})"
           if e.input_objects else f"- input per run: {e.input_how}",
           f"- route on Lockgate: **{e.route}**, {_usd(e.usd_per_run)} a run", "", "Route reasons:", ""]
    out += [f"- {r}" for r in e.reasons]
    out += ["", "Lines that decided it:", ""]
    out += [f"- line {f.line}: `{f.code}` — {f.why}" for f in j.deciding] or ["- (none)"]
    if j.draft.text:
        out += ["", f"Draft spec (`{j.draft.name}.yaml`, `lockgate validate` accepts it):", "", "```yaml",
                j.draft.text.rstrip(), "```"]
    elif j.draft.blockers:
        out += ["", "No draft: " + "; ".join(j.draft.blockers)]
    return out + [""]
