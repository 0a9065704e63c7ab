"""The state machine as a diagram: Mermaid text, or Graphviz DOT rendered to SVG/PNG by ``dot``.

``outcomes`` (state name -> ``succeeded | failed | caught | retried | not_run``) colours the states of
one run, as ``lockgate graph --run RUN_ID`` shows them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from typing import Any

from orchestration.core.errors import ConfigError

__all__ = ["edges", "to_mermaid", "to_dot", "render_image", "OUTCOME_COLOURS"]

Json = dict[str, Any]

OUTCOME_COLOURS: dict[str, str] = {
    "succeeded": "#b7e4c7",
    "retried": "#ffe8a3",
    "caught": "#ffc9a3",
    "failed": "#f4a6a6",
    "not_run": "#eeeeee",
}
_SHAPES = {"Choice": "diamond", "Succeed": "doublecircle", "Fail": "doubleoctagon", "Map": "box3d",
           "Wait": "ellipse", "Pass": "box"}


def edges(states: Mapping[str, Json]) -> Iterator[tuple[str, str, str]]:
    """``(from, to, label)`` for every transition: Next, Choice rules and Default, Catch."""
    for name, st in states.items():
        if "Next" in st:
            yield name, st["Next"], ""
        for i, rule in enumerate(st.get("Choices", [])):
            yield name, rule["Next"], _rule_label(rule, i)
        if "Default" in st:
            yield name, st["Default"], "default"
        for c in st.get("Catch", []):
            yield name, c["Next"], "catch " + ",".join(e.split(".")[-1] for e in c["ErrorEquals"])


_OPS = (("GreaterThanEquals", ">="), ("LessThanEquals", "<="), ("GreaterThan", ">"), ("LessThan", "<"),
        ("Equals", "="), ("IsPresent", "present"), ("Matches", "matches"))


def _rule_label(rule: Json, i: int) -> str:
    for key, value in rule.items():
        if key in ("Variable", "Next", "Comment"):
            continue
        if key in ("And", "Or", "Not"):
            return key.lower()
        var = str(rule.get("Variable", "")).split(".")[-1]
        op = next((sym for word, sym in _OPS if key.endswith(word)), key)
        shown = json.dumps(value) if isinstance(value, bool) else value
        return f"{var} {op} {shown}"
    return f"rule {i}"


def _id(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def _children(st: Json) -> Mapping[str, Json]:
    proc = st.get("ItemProcessor") or st.get("Iterator") or {}
    return proc.get("States", {})


def to_mermaid(definition: Json, outcomes: Mapping[str, str] | None = None) -> str:
    """Mermaid flowchart text; Map states show their item processor as a subgraph."""
    lines = ["flowchart TD", f"  start(( )) --> {_id(definition['StartAt'])}"]
    states = definition["States"]
    for name, st in states.items():
        t = st["Type"]
        shape = {"Choice": ("{", "}"), "Succeed": ("([", "])"), "Fail": ("[[", "]]"), "Wait": ("((", "))")}.get(
            t, ("[", "]"))
        lines.append(f'  {_id(name)}{shape[0]}"{name}"{shape[1]}')
        kids = _children(st)
        if kids:
            lines.append(f'  subgraph {_id(name)}_items["{name}: each item"]')
            for kid in kids:
                lines.append(f'    {_id(name)}__{_id(kid)}["{kid}"]')
            lines.append("  end")
            lines.append(f"  {_id(name)} -.-> {_id(name)}__{_id(st['ItemProcessor']['StartAt'])}")
    for a, b, label in edges(states):
        arrow = f" -->|{label}| " if label else " --> "
        lines.append(f"  {_id(a)}{arrow}{_id(b)}")
    for state, outcome in (outcomes or {}).items():
        if state in states and outcome in OUTCOME_COLOURS:
            lines.append(f"  style {_id(state)} fill:{OUTCOME_COLOURS[outcome]}")
    return "\n".join(lines) + "\n"


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(definition: Json, outcomes: Mapping[str, str] | None = None, title: str | None = None) -> str:
    """Graphviz DOT of the definition, states filled by their outcome when given."""
    out = ["digraph asl {", '  graph [rankdir=TB, fontname="Helvetica", fontsize=11' +
           (f", label={_q(title)}, labelloc=t" if title else "") + "];",
           '  node [fontname="Helvetica", fontsize=10, style=filled, fillcolor="#ffffff"];',
           '  edge [fontname="Helvetica", fontsize=8];',
           '  __start [shape=point];', f"  __start -> {_q(definition['StartAt'])};"]
    outcomes = outcomes or {}
    for name, st in definition["States"].items():
        fill = OUTCOME_COLOURS.get(outcomes.get(name, ""), "#ffffff")
        shape = _SHAPES.get(st["Type"], "box")
        out.append(f"  {_q(name)} [shape={shape}, fillcolor={_q(fill)}, style=\"filled,rounded\"];")
        kids = _children(st)
        if kids:
            out.append(f"  subgraph {_q('cluster_' + name)} {{ label={_q(name + ': each item')}; style=dashed;")
            for kid in kids:
                out.append(f"    {_q(name + '/' + kid)} [label={_q(kid)}, shape=box];")
            out.append("  }")
            out.append(f"  {_q(name)} -> {_q(name + '/' + st['ItemProcessor']['StartAt'])} [style=dotted];")
    for a, b, label in edges(definition["States"]):
        style = ", style=dashed, color=\"#b05050\"" if label.startswith("catch") else ""
        out.append(f"  {_q(a)} -> {_q(b)} [label={_q(label)}{style}];")
    out.append("}")
    return "\n".join(out) + "\n"


def render_image(dot_source: str, fmt: str) -> bytes:
    """Run Graphviz ``dot`` to turn DOT into ``svg`` or ``png`` bytes."""
    exe = shutil.which("dot")
    if exe is None:
        raise ConfigError("Graphviz 'dot' is not on PATH; install graphviz (apt-get install graphviz) or use "
                          "--format mermaid")
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot_source.encode(), capture_output=True, timeout=60, check=False)
    if proc.returncode != 0:
        raise ConfigError(f"dot -T{fmt} failed: {proc.stderr.decode(errors='replace').strip()[:500]}")
    return proc.stdout
