"""Where a field sits in a spec file: the line of every field path (``source.uri``, ``columns[2].type``),
so a problem can be reported as ``FILE:LINE: field: message``, the form editors and CI logs link."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from .problems import Problem

__all__ = ["field_lines", "line_of", "with_lines"]


def field_lines(text: str) -> dict[str, int]:
    """The 1-based line of every field path in a YAML document; empty when it does not parse."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[str, int] = {}
    stack: list[tuple[yaml.Node | None, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = f"{path}.{key.value}" if path else str(key.value)
                out.setdefault(here, key.start_mark.line + 1)
                stack.append((value, here))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                here = f"{path}[{i}]"
                out.setdefault(here, item.start_mark.line + 1)
                stack.append((item, here))
    return out


def line_of(lines: dict[str, int], path: str) -> int | None:
    """The line of ``path``, or of its nearest parent in the file (a missing field: its parent's line)."""
    while path:
        if path in lines:
            return lines[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def with_lines(problems: Sequence[Problem], text: str) -> list[Problem]:
    """``problems`` with the line of their field in ``text`` filled in where it can be found."""
    lines = field_lines(text)
    return [p if p.line is not None else Problem(p.path, p.message, line_of(lines, p.path)) for p in problems]
