"""Loading specs from YAML with one clear line per problem: ``FILE:LINE:COL: field.path: message``.

One pass reports everything: the schema's problems (pydantic), the document checks that read the
fields as written (expressions for both dialects, names, patterns, hooks; ``document.py``) and, once the
schema holds, the cross-field checks of the model (``checks.py``).

Inputs are bounded, so one hostile file cannot stop a project whose every command loads every spec: a
file over ``MAX_SPEC_BYTES`` is not read, a document using more than ``MAX_ALIASES`` YAML aliases or
expanding (through its aliases) to more than ``MAX_NODES`` nodes is refused before it is built (a
909-byte "billion laughs" alias bomb is refused in milliseconds), and a ``SpecInvalid`` keeps at most
``MAX_PROBLEMS`` problems of at most ``MAX_PROBLEM_CHARS`` characters each.
"""

from __future__ import annotations

import dataclasses
import reprlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ..errors import SpecError
from .lines import with_lines
from .models import Spec
from .problems import Problem, did_you_mean

__all__ = ["SpecInvalid", "load_spec", "parse_spec", "spec_problems", "read_yaml", "MAX_SPEC_BYTES", "MAX_ALIASES",
           "MAX_NODES", "MAX_PROBLEMS", "MAX_PROBLEM_CHARS"]

MAX_SPEC_BYTES = 1_048_576
"""A spec (or lockgate.yaml) larger than 1 MiB is refused unread."""
MAX_ALIASES = 100
"""YAML aliases (``*name``) one document may use."""
MAX_NODES = 100_000
"""Nodes a document may have once its aliases are expanded (a large spec has a few thousand)."""
MAX_PROBLEMS = 50
"""Problems a SpecInvalid keeps; the rest are counted in one last problem."""
MAX_PROBLEM_CHARS = 500
"""Characters kept of a problem's field path and of its message."""
_SHORT = reprlib.Repr()
_SHORT.maxstring = _SHORT.maxother = 60
_SHORT.maxlist = _SHORT.maxdict = 4
_SHORT.maxlevel = 2


class SpecInvalid(SpecError):
    """A spec file has problems; ``problems`` lists them all, ``lines()`` renders them."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = _bounded(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [p.render(self.file) for p in self.problems]


def _clip(text: str) -> str:
    return text if len(text) <= MAX_PROBLEM_CHARS else text[:MAX_PROBLEM_CHARS - 30] + f"... ({len(text):,} characters)"


def _bounded(problems: Sequence[Problem]) -> list[Problem]:
    kept = [dataclasses.replace(p, path=_clip(p.path), message=_clip(p.message)) for p in problems[:MAX_PROBLEMS]]
    if len(problems) > MAX_PROBLEMS:
        kept.append(Problem("(more)", f"{len(problems) - MAX_PROBLEMS:,} more problems not shown; fix these first"))
    return kept


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys instead of silently keeping the last one, and counts the
    aliases it composes (``MAX_ALIASES``)."""

    aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _TooLarge(f"line {mark.line + 1}", f"more than {MAX_ALIASES} YAML aliases (*name); anchors "
                                "and aliases can expand a small file into a huge document, so write the values out")
        return super().compose_node(parent, index)


class _TooLarge(Exception):
    def __init__(self, where: str, message: str) -> None:
        self.where = where
        self.message = message
        super().__init__(message)


def _expanded_size(root: yaml.Node) -> int:
    """Nodes of the document with every alias expanded, counted without expanding it (memoised on
    node identity, so an alias bomb costs one visit per distinct node); stops past MAX_NODES. A
    document that contains itself is refused."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[yaml.Node] = [root]
    while stack:
        node = stack[-1]
        if id(node) in sizes:
            stack.pop()
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        pending = [c for c in children if id(c) not in sizes]
        if pending and id(node) not in open_nodes:
            open_nodes.add(id(node))
            for c in pending:
                if id(c) in open_nodes:
                    raise _TooLarge(f"line {c.start_mark.line + 1}", "a YAML alias refers to a value that contains it")
            stack.extend(pending)
            continue
        stack.pop()
        open_nodes.discard(id(node))
        sizes[id(node)] = min(1 + sum(sizes.get(id(c), 0) for c in children), MAX_NODES + 1)
    return sizes[id(root)]


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load(text: str) -> Any:
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if loader.aliases and _expanded_size(node) > MAX_NODES:
            raise _TooLarge("document", f"its YAML aliases expand it to more than {MAX_NODES:,} values; write the "
                                        "values out instead of nesting aliases")
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml(path: Path) -> Any:
    """Read YAML, rejecting duplicate keys and oversized documents; raises SpecInvalid naming the line."""
    try:
        size = path.stat().st_size
        if size > MAX_SPEC_BYTES:
            raise SpecInvalid(str(path), [Problem("file", f"is {size:,} bytes; specs are at most {MAX_SPEC_BYTES:,} "
                                                          "bytes (split the import or move data out of the spec)")])
        return _load(path.read_text(encoding="utf-8"))
    except _TooLarge as e:
        raise SpecInvalid(str(path), [Problem(e.where, f"refused: {e.message}")]) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "document"
        what = getattr(e, "problem", None) or str(e)
        raise SpecInvalid(str(path), [Problem(where, f"invalid YAML: {what}")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecInvalid(str(path), [Problem("file", f"cannot read: {e}")]) from None


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("str", "int", "float", "bool", "list[str]") or str(part).startswith("function-"):
            continue  # union-branch labels pydantic adds; not field names
        else:
            out += ("." if out else "") + ("lambda" if part == "lambda_" else str(part))
    return out or "(root)"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _fields_at(loc: tuple[Any, ...]) -> list[str]:
    """The field names the model at ``loc`` (a pydantic error location without its last part) accepts."""
    model: type[BaseModel] | None = Spec
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part)) or next(
            (f for f in model.model_fields.values() if f.alias == part), None)
        if field is None:
            continue  # a union-branch label or a dict key
        model = _model_in(field.annotation)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _message(err: Mapping[str, Any]) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        loc = tuple(err["loc"])
        hint = did_you_mean(str(loc[-1]), _fields_at(loc[:-1])) if loc else ""
        return f"unknown field{hint}; remove it or check its spelling (lockgate schema lists every field)"
    if kind == "missing":
        return "required field is missing"
    ctx = err.get("ctx") or {}
    bounds = {"less_than_equal": ("at most", "le"), "greater_than_equal": ("at least", "ge"),
              "less_than": ("below", "lt"), "greater_than": ("above", "gt")}
    if kind in bounds:
        word, key = bounds[kind]
        return f"{_SHORT.repr(err['input'])} is out of range; it must be {word} {ctx.get(key)}"
    if kind == "literal_error":
        return f"{_SHORT.repr(err['input'])} is not allowed; use {ctx.get('expected')}"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def spec_problems(data: Any, base: Path | None = None) -> tuple[Spec | None, list[Problem]]:
    """Validate parsed YAML in one pass; returns the spec (when valid) and every problem found, the
    schema's and the document's alike. ``base``: the project root hook modules are looked up from."""
    if not isinstance(data, dict):
        return None, [Problem("(root)", "a spec must be a mapping of fields, starting with name:")]
    # sqlglot: only the validating paths need it (the engines read already validated specs)
    from .binding import duckdb_binding_problems
    from .checks import check_spec
    from .derive_types import derive_type_problems
    from .document import document_problems

    spec: Spec | None = None
    problems: list[Problem] = []
    try:
        spec = Spec.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            problems.append(Problem(_loc(err["loc"]), _message(err)))
    schema_paths = {p.path for p in problems}
    problems += [p for p in document_problems(data, base=base) if p.path not in schema_paths]
    if spec is not None:
        problems += check_spec(spec)
        problems += duckdb_binding_problems(spec, skip={p.path for p in problems})
        # last: an expression that does not run at all says so, rather than asking for a type
        problems += [p for p in derive_type_problems(spec) if p.path not in {q.path for q in problems}]
    unique = list(dict.fromkeys(problems))
    return (spec if not unique else None), unique


def parse_spec(data: Any, file: str = "<spec>", base: Path | None = None) -> Spec:
    """Validate an already-parsed spec document; raises SpecInvalid with every problem."""
    spec, problems = spec_problems(data, base)
    if problems or spec is None:
        raise SpecInvalid(file, problems)
    return spec


def load_spec(path: str | Path) -> Spec:
    """Load and validate one spec file; raises SpecInvalid listing every problem with its line
    (``FILE:LINE:COL: field.path: message``)."""
    p = Path(path)
    data = read_yaml(p)  # its refusals name their own place; never walked again (an alias bomb stays unexpanded)
    try:
        return parse_spec(data, str(p), _project_root(p))
    except SpecInvalid as e:
        if e.file != str(p) or all(problem.line is not None for problem in e.problems):
            raise
        raise SpecInvalid(str(p), with_lines(e.problems, p.read_text(encoding="utf-8"))) from None


def _project_root(spec_file: Path) -> Path:
    """The nearest directory upwards holding lockgate.yaml (hooks are imported from there), else the
    spec file's directory."""
    here = spec_file.resolve().parent
    for d in [here, *here.parents]:
        if (d / "lockgate.yaml").is_file():
            return d
    return here
