"""String values in a Glue script (paths, formats), resolved from literals, the job's arguments and date
formatting into the text a spec holds, with Lockgate's window placeholders where the script builds a
path from a date."""

from __future__ import annotations

import ast

__all__ = ["Strings", "UNRESOLVED", "fixed_prefix"]

UNRESOLVED = "\x00"
"""Marks a part of a string the script computes at run time in a way assess cannot follow."""

_DATE_ARGS = {"date": "{date}", "ds": "{date}", "dt": "{date}", "day": "{day}", "year": "{year}", "month": "{month}",
              "hour": "{hour}"}
_STRFTIME = (("%Y-%m-%d", "{date}"), ("%Y", "{year}"), ("%m", "{month}"), ("%d", "{day}"), ("%H", "{hour}"))


def fixed_prefix(text: str) -> str:
    """The part of ``text`` before the first unresolved piece, cut at the last ``/``."""
    cut = text.find(UNRESOLVED)
    if cut < 0:
        return text
    return text[: text.rfind("/", 0, cut) + 1]


class Strings:
    """Resolves string expressions. ``defaults`` are the job's DefaultArguments (``--name`` -> value)."""

    def __init__(self, defaults: dict[str, str]) -> None:
        self.defaults = defaults
        self.args_vars: set[str] = set()
        self.values: dict[str, str] = {}
        self.used_args: set[str] = set()

    def learn(self, tree: ast.Module) -> None:
        """Remember ``args = getResolvedOptions(...)`` and ``NAME = "string"`` assignments, in source order."""
        for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.Assign)), key=lambda n: n.lineno):
            if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
                continue
            name = node.targets[0].id
            v = node.value
            if isinstance(v, ast.Call) and _callee(v) == "getResolvedOptions":
                self.args_vars.add(name)
                continue
            text = self.text(v)
            if text is not None and UNRESOLVED not in text:
                self.values[name] = text

    def arg(self, key: str) -> str:
        self.used_args.add(key)
        low = key.lower()
        for word, placeholder in _DATE_ARGS.items():
            if low == word or low.endswith("_" + word) or low.startswith(word + "_"):
                return placeholder
        if f"--{key}" in self.defaults:
            return self.defaults[f"--{key}"]
        return UNRESOLVED

    def text(self, node: ast.AST | None) -> str | None:
        """The string's value, with UNRESOLVED for parts computed at run time; None when it is no string."""
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            return node.value if isinstance(node.value, str) else None
        if isinstance(node, ast.JoinedStr):
            return "".join(self.text(v) or UNRESOLVED for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.text(node.value) or UNRESOLVED
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            a, b = self.text(node.left), self.text(node.right)
            return None if a is None and b is None else (a or UNRESOLVED) + (b or UNRESOLVED)
        if isinstance(node, ast.Name):
            return self.values.get(node.id, UNRESOLVED)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in self.args_vars:
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            return self.arg(key) if isinstance(key, str) else UNRESOLVED
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            return self._call(node)
        return None

    def _call(self, node: ast.Call) -> str | None:
        assert isinstance(node.func, ast.Attribute)
        attr = node.func.attr
        if attr == "strftime" and node.args and isinstance(node.args[0], ast.Constant):
            fmt = str(node.args[0].value)
            for code, placeholder in _STRFTIME:
                fmt = fmt.replace(code, placeholder)
            return fmt if "%" not in fmt else UNRESOLVED
        if attr == "format" and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str):
            pos = [self.text(a) or UNRESOLVED for a in node.args]
            kw = {k.arg: self.text(k.value) or UNRESOLVED for k in node.keywords if k.arg}
            try:
                return node.func.value.value.format(*pos, **kw)
            except (IndexError, KeyError, ValueError):
                return UNRESOLVED
        if attr in ("rstrip", "strip", "lower", "upper"):
            return self.text(node.func.value)
        if attr == "join" and isinstance(node.func.value, ast.Constant) and node.args \
                and isinstance(node.args[0], (ast.List, ast.Tuple)):
            sep = str(node.func.value.value)
            return sep.join(self.text(e) or UNRESOLVED for e in node.args[0].elts)
        return UNRESOLVED


def _callee(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
