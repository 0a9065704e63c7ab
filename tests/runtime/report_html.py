"""Reading a run report back: its sections, data-* marks and the diagram's edges (graphviz SVG)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path


@dataclass
class Report:
    headings: list[str] = field(default_factory=list)
    marks: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    """Every element with a data-* attribute: (tag, attributes)."""
    texts: dict[str, str] = field(default_factory=dict)
    """Text of elements with an id."""
    edges: dict[str, list[str]] = field(default_factory=dict)
    """Diagram edge "A->B" -> the stroke colours of its drawings (one per parallel edge)."""
    nodes: dict[str, str] = field(default_factory=dict)
    """Diagram node -> its border colour."""

    def data(self, **match: str) -> list[dict[str, str]]:
        return [a for _, a in self.marks if all(a.get(f"data-{k}") == v for k, v in match.items())]


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.report = Report()
        self.stack: list[tuple[str, str | None]] = []
        self.group: str | None = None
        self.title: str | None = None
        self.in_title = False
        self.in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if any(k.startswith("data-") for k in a):
            self.report.marks.append((tag, a))
        if tag == "g" and a.get("class") in ("edge", "node"):
            self.group, self.title = a["class"], None
        if tag == "title" and self.group:
            self.in_title = True
        if self.group and self.title and tag in ("path", "polygon") and a.get("stroke"):
            if self.group == "edge" and tag == "path":
                self.report.edges.setdefault(self.title, []).append(a["stroke"])
            elif self.group == "node" and tag == "path":
                self.report.nodes.setdefault(self.title, a["stroke"])
        if tag == "h2":
            self.in_h2 = True
            self.report.headings.append("")
        if tag not in ("br", "meta", "img", "input", "hr", "rect", "line", "path", "polygon", "ellipse"):
            self.stack.append((tag, a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag == "g":
            self.group = None
        if tag == "h2":
            self.in_h2 = False
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_title and self.group:
            self.title = (self.title or "") + data
        if self.in_h2:
            self.report.headings[-1] += data
        for _, ident in self.stack:
            if ident:
                self.report.texts[ident] = self.report.texts.get(ident, "") + data


def read_report(path: Path) -> Report:
    parser = _Parser()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    return parser.report
