"""Where a field sits in a spec file: the line and column of every field path (``source.uri``,
``columns[2].type``), so a problem can be reported as ``FILE:LINE:COL: field: message``, the form editors
and CI logs link."""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from .problems import Problem

__all__ = ["field_positions", "position_of", "with_lines"]

Position = tuple[int, int]


def field_positions(text: str) -> dict[str, Position]:
    """The 1-based (line, column) of every field path in a YAML document (a mapping entry: its key; a list
    item: the item); empty when it does not parse."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[str, Position] = {}
    stack: list[tuple[yaml.Node | None, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = f"{path}.{key.value}" if path else str(key.value)
                out.setdefault(here, (key.start_mark.line + 1, key.start_mark.column + 1))
                stack.append((value, here))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                here = f"{path}[{i}]"
                out.setdefault(here, (item.start_mark.line + 1, item.start_mark.column + 1))
                stack.append((item, here))
    return out


def position_of(positions: dict[str, Position], path: str) -> Position | None:
    """The position of ``path``, or of its nearest parent in the file (a missing field: its parent's)."""
    while path:
        if path in positions:
            return positions[path]
        cut = max(path.rfind("."), path.rfind("["))
        path = path[:cut] if cut > 0 else ""
    return None


def with_lines(problems: Sequence[Problem], text: str) -> list[Problem]:
    """``problems`` with the line and column of their field in ``text`` filled in where it can be found."""
    positions = field_positions(text)
    out = []
    for p in problems:
        at = position_of(positions, p.path) if p.line is None else None
        out.append(Problem(p.path, p.message, at[0], at[1]) if at else p)
    return out
