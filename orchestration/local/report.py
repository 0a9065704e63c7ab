"""The self-contained HTML run report (``<lake>/_runs/<run_id>/report.html``), top to bottom: the
outcome (for a failed run its root cause first, the Step Functions wrapper after it), the run summary,
the row funnel (in, rejected by rule, filtered, deduplicated, written), rows per partition, the cost of
both routes, the state machine diagram coloured by outcome with the path the run took drawn in (the
failure path red, states inside a Map included; inline SVG from graphviz ``dot`` when installed, else
Mermaid text) and its legend, the batch timeline, the state table and every state's input and output
(collapsible), like the console's execution page. Inline CSS only: the file can be mailed or attached
to a ticket."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .records import walk_states
from .report_charts import CHART_CSS, PATH_COLOURS, cost_svg, funnel, legend, partitions, timeline_svg
from .report_data import edges, taken_path, timeline

__all__ = ["write_report", "render_report", "diagram_dot", "diagram_mermaid", "COLOURS"]

COLOURS = {"succeeded": "#2e7d32", "retried": "#f9a825", "caught": "#ef6c00", "failed": "#c62828",
           "not_run": "#9e9e9e"}
_FILL = {"succeeded": "#e8f5e9", "retried": "#fff8e1", "caught": "#fff3e0", "failed": "#ffebee",
         "not_run": "#fafafa"}

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem;color:#212121;max-width:1200px}
h1{font-size:1.4rem;margin:0 0 .3rem} h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid #e0e0e0}
table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #eee;
vertical-align:top} th{background:#f5f5f5} .badge{display:inline-block;padding:.1rem .5rem;border-radius:.8rem;
color:#fff;font-size:.8rem} pre{background:#f7f7f7;padding:.6rem;overflow:auto;max-height:28rem;font-size:12px}
details{margin:.3rem 0;border:1px solid #eee;border-radius:4px;padding:.3rem .6rem} summary{cursor:pointer}
.kv td:first-child{width:11rem;color:#616161} .diagram svg{max-width:100%;height:auto} .num{text-align:right}
"""


def _badge(status: str) -> str:
    colour = COLOURS.get(status.lower(), "#1565c0" if status == "SUCCEEDED" else "#c62828")
    if status == "SUCCEEDED":
        colour = COLOURS["succeeded"]
    return f'<span class="badge" style="background:{colour}">{html.escape(status)}</span>'


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _edge_colour(edge: tuple[str, str, str], outcomes: dict[str, str], taken: set[tuple[str, str]],
                 failure: set[tuple[str, str]]) -> tuple[str, float]:
    """Red on the failure path (and into a state that failed, e.g. a Map's batch), blue where the run
    went, grey elsewhere. A catch edge counts only when its state's error was caught."""
    src, dst, label = edge
    if label.startswith("catch") and outcomes.get(src) != "caught":
        return PATH_COLOURS["not_taken"], 1.0
    if (src, dst) in failure or ((src, dst) in taken and outcomes.get(dst) == "failed"):
        return PATH_COLOURS["failure"], 2.6
    if (src, dst) in taken:
        return PATH_COLOURS["taken"], 2.2
    return PATH_COLOURS["not_taken"], 1.0


def diagram_dot(definition: dict[str, Any], outcomes: dict[str, str], taken: set[tuple[str, str]] | None = None,
                failure: set[tuple[str, str]] | None = None) -> str:
    """Graphviz DOT of the definition; each state filled by its outcome, the transitions the run took
    drawn thick (blue, red on the failure path), the others grey."""
    taken, failure = taken or set(), failure or set()
    on_failure = {b for _, b in failure}
    lines = ["digraph run {", 'rankdir=TB; node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
             'edge [fontname="Helvetica", fontsize=9, color="#757575"];',
             '"__start" [label="Start", shape=circle, fillcolor="#eeeeee", width=.5];']
    children: dict[str | None, list[tuple[str, str]]] = {}
    for name, kind, parent in walk_states(definition):
        children.setdefault(parent, []).append((name, kind))

    def node(name: str, kind: str) -> str:
        status = outcomes.get(name, "not_run")
        label = _q(name)[:-1] + "\\n" + _q(f"{kind} · {status}")[1:]
        border = PATH_COLOURS["failure"] if name in on_failure else COLOURS[status]
        width = 3 if name in on_failure else 2
        return f"{_q(name)} [label={label}, color={_q(border)}, fillcolor={_q(_FILL[status])}, penwidth={width}];"

    def emit(parent: str | None) -> None:
        for name, kind in children.get(parent, []):
            if name in children:
                lines.append(f"subgraph {_q('cluster_' + name)} {{ label={_q(name + ' (' + kind + ')')}; "
                             'style="rounded,dashed"; color="#9e9e9e";')
                lines.append(node(name, kind))
                emit(name)
                lines.append("}")
            else:
                lines.append(node(name, kind))

    emit(None)
    lines.append(f'"__start" -> {_q(str(definition.get("StartAt")))} [color={_q(PATH_COLOURS["taken"])}, penwidth=2.2];')
    for src, dst, label in edges(definition):
        colour, width = _edge_colour((src, dst, label), outcomes, taken, failure)
        style = ", style=dashed" if label.startswith("catch") else ", style=dotted" if label in ("each item", "branch") else ""
        lines.append(f"{_q(src)} -> {_q(dst)} [label={_q(label)}, color={_q(colour)}, fontcolor={_q(colour)}, "
                     f"penwidth={width}{style}];")
    lines.append("}")
    return "\n".join(lines)


def diagram_mermaid(definition: dict[str, Any], outcomes: dict[str, str], taken: set[tuple[str, str]] | None = None,
                    failure: set[tuple[str, str]] | None = None) -> str:
    """The same diagram as Mermaid text (for when graphviz is not installed)."""
    taken, failure = taken or set(), failure or set()
    on_failure = {b for _, b in failure}
    lines = ["flowchart TD", f"  __start((Start)) --> {definition.get('StartAt')}"]
    styles = []
    for index, (src, dst, label) in enumerate(edges(definition), start=1):
        lines.append(f"  {src} -->{'|' + label + '|' if label else ''} {dst}")
        colour, width = _edge_colour((src, dst, label), outcomes, taken, failure)
        styles.append(f"  linkStyle {index} stroke:{colour},stroke-width:{width}px")
    for name, _, _ in walk_states(definition):
        status = outcomes.get(name, "not_run")
        stroke = PATH_COLOURS["failure"] if name in on_failure else COLOURS[status]
        lines.append(f"  style {name} fill:{_FILL[status]},stroke:{stroke}")
    return "\n".join(lines + styles)


def _svg(dot: str) -> str | None:
    exe = shutil.which("dot")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "-Tsvg"], input=dot.encode(), capture_output=True, timeout=60, check=True)
    except (subprocess.SubprocessError, OSError):
        return None
    svg = done.stdout.decode("utf-8", "replace")
    return svg[svg.find("<svg"):] if "<svg" in svg else None


def _pre(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return f"<pre>{html.escape(text)}</pre>"


def _summary_table(summary: dict[str, Any]) -> str:
    rows = [("status", _badge(summary["status"]))]
    if summary.get("error"):
        rows += _root_cause_rows(summary)
    rows += [("route", html.escape(str(summary.get("route")))),
            ("reasons", "<br>".join(html.escape(r) for r in summary.get("reasons") or []) or "—"),
            ("window", html.escape(json.dumps(summary.get("window")))), ("mode", html.escape(str(summary.get("mode")))),
            ("duration", f"{summary.get('duration_s', 0):.1f} s"), ("started", html.escape(str(summary.get("started_at"))))]
    for key in ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated"):
        rows.append((key.replace("_", " "), f"{summary.get(key, 0):,}"))
    rows.append(("published", "yes" if summary.get("published", summary.get("status") == "SUCCEEDED") else
                 "nothing (the run failed before its commit)" if summary.get("error") else "no"))
    if summary.get("quarantine"):
        rows.append(("quarantine", html.escape(summary["quarantine"])))
    rows.append(("outputs", "<br>".join(html.escape(o) for o in summary.get("outputs") or []) or "—"))
    if summary.get("test_case"):
        rows.append(("mock test case", html.escape(summary["test_case"])))
    return '<table class="kv">' + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"


def _root_cause_rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    """A failed run's root cause first (the first real failure), the Step Functions wrapper after it."""
    where = summary.get("root_state") or summary.get("failed_state")
    rows = [("error", f'<b id="root-error">{html.escape(str(summary["error"]))}</b>'
                      + (f" in <b>{html.escape(str(where))}</b>" if where else "")),
            ("cause", f'<pre id="root-cause">{html.escape(str(summary.get("cause") or ""))}</pre>')]
    if summary.get("failed_state") and summary.get("failed_state") != where:
        rows.append(("failed state", html.escape(str(summary["failed_state"]))))
    wrapper = summary.get("wrapped_by")
    if isinstance(wrapper, dict) and wrapper.get("error"):
        rows.append(("wrapped by", f'<span id="wrapped-by">{html.escape(str(wrapper["error"]))} in '
                                   f'{html.escape(str(wrapper.get("state")))}: {html.escape(str(wrapper.get("cause") or ""))}</span>'))
    return rows


def _state_table(states: list[dict[str, Any]]) -> str:
    head = "<tr><th>state</th><th>type</th><th>status</th><th class=num>attempts</th><th class=num>duration</th><th>error</th></tr>"
    body = []
    for s in states:
        duration = f"{s['duration_s']:.2f} s" if s.get("duration_s") is not None else ""
        name = ("&nbsp;&nbsp;↳ " if s.get("parent") else "") + html.escape(s["name"])
        runs = f" ×{s['executions']}" if s.get("executions") else ""
        body.append(f"<tr><td>{name}{runs}</td><td>{s['type']}</td><td>{_badge(s['status'])}</td>"
                    f"<td class=num>{s['attempts'] or ''}</td><td class=num>{duration}</td>"
                    f"<td>{html.escape(s.get('error') or '')}</td></tr>")
    return f"<table>{head}{''.join(body)}</table>"


def _details(states: list[dict[str, Any]]) -> str:
    out = []
    for s in states:
        if s["status"] == "not_run":
            continue
        parts = [f"<h4>input</h4>{_pre(s.get('input'))}", f"<h4>output</h4>{_pre(s.get('output'))}"]
        if s.get("error"):
            parts.append(f"<h4>error</h4>{_pre(s['error'])}<h4>cause</h4>{_pre(s.get('cause') or '')}")
        if s.get("calls"):
            parts.append(f"<h4>attempts</h4>{_pre(s['calls'])}")
        out.append(f"<details id={_q('state-' + s['name'])}><summary><b>{html.escape(s['name'])}</b> "
                   f"{_badge(s['status'])}</summary>{''.join(parts)}</details>")
    return "".join(out)


def render_report(summary: dict[str, Any], states: list[dict[str, Any]], definition: dict[str, Any],
                  history: dict[str, Any] | None = None) -> str:
    outcomes = {s["name"]: s["status"] for s in states}
    taken, failure = taken_path(definition, history) if history else (set(), set())
    dot = diagram_dot(definition, outcomes, taken, failure)
    svg = _svg(dot)
    diagram = svg if svg else f'<pre class="mermaid">{html.escape(diagram_mermaid(definition, outcomes, taken, failure))}</pre>'
    title = f"{summary['import']} · {summary['run_id']}"
    sections = [
        ("Summary", _summary_table(summary)),
        ("Rows", funnel(summary)),
        ("Rows per partition", partitions(summary)),
        ("Cost of both routes", cost_svg(summary)),  # and the measured cost
        ("Diagram", f"<div class=diagram>{diagram}</div>{legend(COLOURS)}"),
        ("Batch timeline", timeline_svg(timeline(states))),
        ("States", _state_table(states)),
        ("Input and output", _details(states)),
    ]
    body = "".join(f'<h2 id="{name.lower().replace(" ", "-")}">{name}</h2>{content}' for name, content in sections)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{_CSS}{CHART_CSS}</style></head><body><h1>Lockgate run {html.escape(title)}</h1>{body}"
            "</body></html>")


def write_report(folder: Path, summary: dict[str, Any], states: list[dict[str, Any]], definition: dict[str, Any]) -> Path:
    """Render ``report.html`` into the run's folder (its ``history.json``, when written, draws the path)."""
    path = Path(folder) / "report.html"
    history_file = Path(folder) / "history.json"
    history = json.loads(history_file.read_text(encoding="utf-8")) if history_file.is_file() else None
    tmp = path.with_name(".report.html.tmp")
    tmp.write_text(render_report(summary, states, definition, history), encoding="utf-8")
    tmp.replace(path)
    return path
