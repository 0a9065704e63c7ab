"""The self-contained HTML run report (``<lake>/_runs/<run_id>/report.html``): the state machine
diagram coloured by outcome (inline SVG from graphviz ``dot`` when installed, else Mermaid text), the
run summary, the state table and every state's input and output (collapsible), like the console's
execution page. Inline CSS only: the file can be mailed or attached to a ticket."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .records import walk_states

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


def _edges(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []

    def walk(machine: dict[str, Any]) -> None:
        for name, state in (machine.get("States") or {}).items():
            if state.get("Next"):
                out.append((name, state["Next"], ""))
            for choice in state.get("Choices") or []:
                if choice.get("Next"):
                    out.append((name, choice["Next"], "choice"))
            if state.get("Default"):
                out.append((name, state["Default"], "default"))
            for catch in state.get("Catch") or []:
                out.append((name, catch["Next"], "catch " + ",".join(catch.get("ErrorEquals", []))))
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if isinstance(processor, dict):
                out.append((name, str(processor.get("StartAt")), "each item"))
                walk(processor)
            for branch in state.get("Branches") or []:
                out.append((name, str(branch.get("StartAt")), "branch"))
                walk(branch)

    walk(definition)
    return out


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def diagram_dot(definition: dict[str, Any], outcomes: dict[str, str]) -> str:
    """Graphviz DOT of the definition; each state filled by its outcome."""
    lines = ["digraph run {", 'rankdir=TB; node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
             'edge [fontname="Helvetica", fontsize=9, color="#757575"];',
             '"__start" [label="Start", shape=circle, fillcolor="#eeeeee", width=.5];']
    children: dict[str | None, list[tuple[str, str]]] = {}
    for name, kind, parent in walk_states(definition):
        children.setdefault(parent, []).append((name, kind))

    def node(name: str, kind: str) -> str:
        status = outcomes.get(name, "not_run")
        label = _q(name)[:-1] + "\\n" + _q(f"{kind} · {status}")[1:]
        return f"{_q(name)} [label={label}, color={_q(COLOURS[status])}, fillcolor={_q(_FILL[status])}, penwidth=2];"

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
    lines.append(f'"__start" -> {_q(str(definition.get("StartAt")))};')
    for src, dst, label in _edges(definition):
        style = (', style=dashed, color="#ef6c00"' if label.startswith("catch")
                 else ", style=dotted" if label in ("each item", "branch") else "")
        lines.append(f"{_q(src)} -> {_q(dst)} [label={_q(label)}{style}];")
    lines.append("}")
    return "\n".join(lines)


def diagram_mermaid(definition: dict[str, Any], outcomes: dict[str, str]) -> str:
    """The same diagram as Mermaid text (for when graphviz is not installed)."""
    lines = ["flowchart TD", f"  __start((Start)) --> {definition.get('StartAt')}"]
    for src, dst, label in _edges(definition):
        lines.append(f"  {src} -->{'|' + label + '|' if label else ''} {dst}")
    for name, _, _ in walk_states(definition):
        status = outcomes.get(name, "not_run")
        lines.append(f"  style {name} fill:{_FILL[status]},stroke:{COLOURS[status]}")
    return "\n".join(lines)


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
    rows = [("status", _badge(summary["status"])), ("route", html.escape(str(summary.get("route")))),
            ("reasons", "<br>".join(html.escape(r) for r in summary.get("reasons") or []) or "—"),
            ("window", html.escape(json.dumps(summary.get("window")))), ("mode", html.escape(str(summary.get("mode")))),
            ("duration", f"{summary.get('duration_s', 0):.1f} s"), ("started", html.escape(str(summary.get("started_at"))))]
    for key in ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated"):
        rows.append((key.replace("_", " "), f"{summary.get(key, 0):,}"))
    if summary.get("quarantine"):
        rows.append(("quarantine", html.escape(summary["quarantine"])))
    rows.append(("outputs", "<br>".join(html.escape(o) for o in summary.get("outputs") or []) or "—"))
    if summary.get("test_case"):
        rows.append(("mock test case", html.escape(summary["test_case"])))
    if summary.get("error"):
        rows += [("failed state", html.escape(str(summary.get("failed_state")))),
                 ("error", html.escape(summary["error"])), ("cause", _pre(summary.get("cause") or ""))]
    return '<table class="kv">' + "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows) + "</table>"


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


def render_report(summary: dict[str, Any], states: list[dict[str, Any]], definition: dict[str, Any]) -> str:
    outcomes = {s["name"]: s["status"] for s in states}
    dot = diagram_dot(definition, outcomes)
    svg = _svg(dot)
    diagram = svg if svg else f'<pre class="mermaid">{html.escape(diagram_mermaid(definition, outcomes))}</pre>'
    legend = " ".join(_badge(k) for k in COLOURS)
    title = f"{summary['import']} · {summary['run_id']}"
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>Lockgate run {html.escape(title)}</h1>"
            f"<h2>Summary</h2>{_summary_table(summary)}<h2>Diagram</h2><div class=diagram>{diagram}</div>"
            f"<p>{legend}</p><h2>States</h2>{_state_table(states)}<h2>Input and output</h2>{_details(states)}"
            "</body></html>")


def write_report(folder: Path, summary: dict[str, Any], states: list[dict[str, Any]], definition: dict[str, Any]) -> Path:
    path = Path(folder) / "report.html"
    tmp = path.with_name(".report.html.tmp")
    tmp.write_text(render_report(summary, states, definition), encoding="utf-8")
    tmp.replace(path)
    return path
