"""The assessment as one self-contained HTML page (``lockgate assess --format html``): the ranked table,
then per job its deciding lines, route reasons and draft spec. Every value is escaped."""

from __future__ import annotations

from html import escape

from orchestration.router import human_seconds

from .assessment import Assessment, JobAssessment
from .report import verdict

__all__ = ["to_html"]

_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;max-width:75rem}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}
.low{color:#1a7f37}.medium{color:#9a6700}.high{color:#cf222e}pre{background:#f6f8fa;padding:1rem;overflow:auto}
code{background:#f6f8fa}"""


def _usd(v: float) -> str:
    sign, v = ("-" if v < 0 else ""), abs(v)
    return sign + (f"${v:,.2f}" if v >= 0.995 or v == 0 else f"${v:,.4f}")


def _row(j: JobAssessment) -> str:
    s = j.stats
    cells = [str(j.rank), f'<a href="#job-{j.rank}"><code>{escape(j.job.name)}</code></a>',
             f'<span class="{j.risk}">{j.risk}</span>', j.analysis.pattern, str(s.runs_per_month),
             f"{human_seconds(s.p50_s)} / {human_seconds(s.p95_s)}", _usd(s.glue_usd_month), j.lockgate.route,
             _usd(j.lockgate_usd_month), f"{_usd(j.saving_usd_month)} ({j.saving_ratio:.0%})"]
    return "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _section(j: JobAssessment) -> str:
    e = j.lockgate
    parts = [f'<h2 id="job-{j.rank}">{j.rank}. <code>{escape(j.job.name)}</code> — '
             f'<span class="{j.risk}">{j.risk} risk</span>, {j.analysis.pattern}</h2>',
             f"<p>Script <code>{escape(j.job.script_location)}</code>; schedule: {escape(j.schedule.how)}.<br>"
             f"Why {j.risk}: {escape(j.risk_why)}.<br>Input per run: {escape(e.input_how)}.<br>"
             f"Route on Lockgate: <b>{e.route}</b>, {_usd(e.usd_per_run)} a run.</p>",
             "<h3>Route reasons</h3><ul>" + "".join(f"<li>{escape(r)}</li>" for r in e.reasons) + "</ul>",
             "<h3>Lines that decided it</h3><ul>" + "".join(
                 f"<li>line {f.line}: <code>{escape(f.code)}</code> — {escape(f.why)}</li>" for f in j.deciding) + "</ul>"]
    if j.draft.text:
        parts.append(f"<h3>Draft spec <code>{escape(j.draft.name)}.yaml</code></h3><pre>{escape(j.draft.text)}</pre>")
    elif j.draft.blockers:
        parts.append("<p>No draft: " + escape("; ".join(j.draft.blockers)) + "</p>")
    return "\n".join(parts)


def to_html(a: Assessment) -> str:
    first = a.first
    t = a.summary()
    head = ["rank", "job", "risk", "pattern", "runs/month", "p50 / p95", "Glue now /month", "route",
            "Lockgate /month", "saving"]
    total = (f"<tr><td></td><td><b>total</b></td><td></td><td></td><td></td><td></td><td><b>{_usd(t['glue_usd_month'])}"
             f"</b></td><td></td><td><b>{_usd(t['expected_usd_month'])}</b></td><td><b>{_usd(t['saving_usd_month'])} "
             f"({t['saving_ratio']:.0%})</b></td></tr>")
    body = [f"<h1>Glue migration assessment ({escape(a.origin)})</h1>",
            f"<p>As of {a.as_of:%Y-%m-%d %H:%M} UTC, over the previous 30 days. {escape(verdict(a))}.</p>"]
    if first:
        body.append(f"<p><b>Migrate first: <code>{escape(first.job.name)}</code></b> — saves "
                    f"{_usd(first.saving_usd_month)} a month ({first.saving_ratio:.0%}), {first.risk} risk.</p>")
    body.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
                + "".join(_row(j) for j in a.jobs) + total + "</table>")
    body += [_section(j) for j in a.jobs]
    return ("<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>lockgate assess</title>"
            f"<style>{_STYLE}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
