"""The run report's small charts, as HTML and inline SVG (no scripts, no external files): the row funnel,
rows per partition, the batch timeline, the cost of both routes and the legend. Every mark carries
``data-*`` attributes with its numbers, so the report can be read by a program as well as a person."""

from __future__ import annotations

import html
from typing import Any

__all__ = ["funnel", "partitions", "timeline_svg", "cost_svg", "legend", "CHART_CSS", "PATH_COLOURS"]

PATH_COLOURS = {"taken": "#1565c0", "failure": "#c62828", "not_taken": "#bdbdbd"}

CHART_CSS = """
.bar{display:inline-block;height:.8rem;background:#90caf9;border-radius:2px;vertical-align:middle}
.bar.rejected{background:#ef9a9a} .bar.filtered{background:#ffe082} .bar.deduplicated{background:#ce93d8}
.bar.written{background:#a5d6a7} .funnel td:nth-child(2){text-align:right;width:7rem} .funnel td:last-child{width:55%}
.sub td:first-child{padding-left:1.6rem;color:#616161} #legend span{margin-right:1rem;white-space:nowrap}
.line{display:inline-block;width:2rem;height:0;border-top:3px solid;vertical-align:middle;margin-right:.3rem}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _bar(kind: str, rows: int, total: int) -> str:
    width = 0.0 if total <= 0 else max(0.5, 100.0 * rows / total) if rows else 0.0
    return f'<span class="bar {kind}" style="width:{width:.1f}%"></span>'


def funnel(summary: dict[str, Any]) -> str:
    """In -> rejected (by rule) -> filtered -> deduplicated -> written, with bars against rows in."""
    total = int(summary.get("rows_in") or 0)
    steps = [("rows_in", "in", ""), ("rows_rejected", "rejected", "rejected"), ("rows_filtered", "filtered", "filtered"),
             ("rows_deduplicated", "deduplicated", "deduplicated"), ("rows_written", "written", "written")]
    body = []
    for key, label, kind in steps:
        rows = int(summary.get(key) or 0)
        note = ""
        if key == "rows_written" and not summary.get("published", summary.get("status") == "SUCCEEDED"):
            staged = int(summary.get("rows_staged") or 0)
            note = f" <small>(published nothing{f'; {staged:,} staged' if staged else ''})</small>"
        body.append(f'<tr data-step="{key}" data-rows="{rows}"><td>{label}{note}</td><td>{rows:,}</td>'
                    f"<td>{_bar(kind or 'in', rows, total)}</td></tr>")
        if key == "rows_rejected":
            for rule, n in (summary.get("rejected_by_rule") or {}).items():
                body.append(f'<tr class="sub" data-step="rejected_by_rule" data-rule="{_e(rule)}" data-rows="{int(n)}">'
                            f"<td>{_e(rule)}</td><td>{int(n):,}</td><td>{_bar('rejected', int(n), total)}</td></tr>")
    return f'<table class="funnel" id="funnel">{"".join(body)}</table>'


def partitions(summary: dict[str, Any]) -> str:
    counts: dict[str, int] = summary.get("rows_by_partition") or {}
    if not counts:
        return '<p id="partitions">No partition was published by this run.</p>'
    top = max(counts.values()) or 1
    rows = "".join(f'<tr data-partition="{_e(p)}" data-rows="{n}"><td>{_e(p)}</td><td class=num>{n:,}</td>'
                   f"<td>{_bar('written', n, top)}</td></tr>" for p, n in counts.items())
    return f'<table class="funnel" id="partitions"><tr><th>partition</th><th class=num>rows</th><th></th></tr>{rows}</table>'


def timeline_svg(entries: list[dict[str, Any]], limit: int = 300) -> str:
    """A Gantt of task calls: one row per call (batches, retries, polls), red when the call failed."""
    if not entries:
        return '<p id="timeline">No task ran.</p>'
    shown = entries[:limit]
    end = max(e["start_s"] + e["duration_s"] for e in shown) or 1.0
    label_w, chart_w, row_h = 230, 620, 16
    parts = []
    for i, e in enumerate(shown):
        y = i * row_h
        x = label_w + chart_w * e["start_s"] / end
        w = max(1.5, chart_w * e["duration_s"] / end)
        colour = PATH_COLOURS["failure"] if e.get("error") else "#66bb6a"
        label = e["label"] + (f" (attempt {e['attempt']})" if e.get("attempt", 1) > 1 else "")
        tip = f"{label}: {e['duration_s']:.2f} s from +{e['start_s']:.2f} s" + (f", {e['error']}" if e.get("error") else "")
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" font-size="11">{_e(label)}</text>'
                     f'<rect data-state="{_e(e["state"])}" data-label="{_e(label)}" data-start="{e["start_s"]}" '
                     f'data-duration="{e["duration_s"]}" data-error="{_e(e.get("error") or "")}" x="{x:.1f}" y="{y + 3}" '
                     f'width="{w:.1f}" height="{row_h - 5}" fill="{colour}"><title>{_e(tip)}</title></rect>')
    height = len(shown) * row_h + 18
    axis = (f'<line x1="{label_w}" y1="{height - 16}" x2="{label_w + chart_w}" y2="{height - 16}" stroke="#9e9e9e"/>'
            f'<text x="{label_w}" y="{height - 3}" font-size="10">0 s</text>'
            f'<text x="{label_w + chart_w}" y="{height - 3}" font-size="10" text-anchor="end">{end:.1f} s</text>')
    more = f"<p>{len(entries) - limit} more calls not shown.</p>" if len(entries) > limit else ""
    return (f'<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="{label_w + chart_w + 10}" height="{height}" '
            f'font-family="system-ui,sans-serif">{"".join(parts)}{axis}</svg>{more}')


def cost_svg(summary: dict[str, Any]) -> str:
    """The estimated cost of this run on each route (from the plan), the chosen one marked, and what the
    run measurably cost."""
    cost = summary.get("cost") or {}
    routes = [(r, float(cost[r]["usd"])) for r in ("lambda", "glue") if isinstance(cost.get(r), dict) and "usd" in cost[r]]
    if not routes:
        return '<p id="cost">No cost estimate (the run did not get past planning).</p>'
    measured = (summary.get("measured") or {}).get("usd")
    top = max([usd for _, usd in routes] + ([float(measured)] if measured is not None else [])) or 1.0
    chosen = summary.get("route")
    parts = []
    for i, (route, usd) in enumerate(routes):
        y = i * 26
        w = max(2.0, 380 * usd / top)
        mark = " (this run)" if route == chosen else ""
        fill = "#1565c0" if route == chosen else "#90a4ae"
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">{route}{mark}</text>'
                     f'<rect data-route="{route}" data-usd="{usd}" x="110" y="{y + 4}" width="{w:.1f}" height="16" fill="{fill}"/>'
                     f'<text x="{116 + w:.1f}" y="{y + 16}" font-size="12">${usd:.4f}</text>')
    rows = len(routes)
    if measured is not None:  # what the run used (docs/operations.md, "Cost and latency of runs")
        y, w = rows * 26, max(2.0, 380 * float(measured) / top)
        parts.append(f'<text x="0" y="{y + 16}" font-size="12">measured</text>'
                     f'<rect data-measured-usd="{measured}" x="110" y="{y + 4}" width="{w:.1f}" height="16" fill="#2e7d32"/>'
                     f'<text x="{116 + w:.1f}" y="{y + 16}" font-size="12">${float(measured):.4f}</text>')
        rows += 1
    summary_text = f"<p>{_e(cost['summary'])}</p>" if cost.get("summary") else ""
    return (f'<svg id="cost" xmlns="http://www.w3.org/2000/svg" width="600" height="{rows * 26 + 4}" '
            f'font-family="system-ui,sans-serif">{"".join(parts)}</svg>{summary_text}')


def legend(colours: dict[str, str]) -> str:
    states = "".join(f'<span data-status="{k}"><span class="badge" style="background:{c};color:#fff">{k}</span></span>'
                     for k, c in colours.items())
    paths = "".join(f'<span data-path="{k}"><span class="line" style="border-color:{c}"></span>{k.replace("_", " ")}</span>'
                    for k, c in PATH_COLOURS.items())
    return (f'<div id="legend"><p><b>States</b> (fill and border): {states}</p>'
            f"<p><b>Transitions</b>: {paths} <small>(failure path: from a caught error to Failed; states "
            "inside a Map are coloured by their child executions)</small></p></div>")
