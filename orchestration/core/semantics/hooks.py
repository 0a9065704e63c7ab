"""What a hook may return (docs/hooks.md): the rule both engines hold every hook's output to.

A hook receives the valid, derived, filtered rows with the metadata columns and returns a table with:

- every column it received, under the same name and with the same type: the spec's columns with their
  declared types, the derived columns with their fixed types (``derive_types``) and the metadata columns;
- the metadata columns' values untouched (each engine checks the values it can, see the engines);
- new columns under new lowercase names (``[a-z_][a-z0-9_]*``), of any type;
- no more rows than it received (checked by each engine).

The check works on ``[(name, Glue type)]`` pairs, so each engine states its output in the one mapping
(``orchestration.core.types``) and the rule is written once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from ..errors import DataError
from ..spec.derive_types import METADATA_TYPES
from ..spec.models import IDENTIFIER_PATTERN, Spec
from .rules import output_schema

__all__ = ["hook_input_types", "hook_problems", "check_hook_output"]

_NEW_NAME = re.compile(IDENTIFIER_PATTERN)


def hook_input_types(spec: Spec) -> list[tuple[str, str]]:
    """``[(name, Glue type)]`` of the table a hook receives: spec columns, derived columns, metadata."""
    return output_schema(spec)


def hook_problems(spec: Spec, returned: Sequence[tuple[str, str]]) -> list[str]:
    """Each way ``returned`` (the hook's output columns with their Glue types) breaks the rule."""
    problems: list[str] = []
    names = [n for n, _ in returned]
    types = dict(returned)
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"returned column {name!r} twice; give each column one name")
    for name, expected in hook_input_types(spec):
        meta = " (a metadata column)" if name in METADATA_TYPES else ""
        if name not in types:
            problems.append(f"dropped column {name!r}{meta}; a hook may add columns and remove rows but must "
                            "return every column it received")
        elif types[name].lower().replace(" ", "") != expected:
            problems.append(f"returned column {name!r}{meta} as {types[name]}, but its type is {expected}; keep "
                            "its type (cast back) or write the new values to a new column")
    known = {n for n, _ in hook_input_types(spec)}
    for name in names:
        if name not in known and not _NEW_NAME.match(name):
            problems.append(f"added column {name!r}, which is not a lowercase identifier ([a-z_][a-z0-9_]*); "
                            "rename it")
    return problems


def check_hook_output(spec: Spec, engine: Literal["arrow", "spark"], returned: Sequence[tuple[str, str]]) -> None:
    """Raise DataError naming the hook and every column that breaks the rule."""
    problems = hook_problems(spec, returned)
    if problems:
        ref = getattr(spec.hooks, engine)
        raise DataError(f"the {engine} hook {ref} " + "; it ".join(problems), where=f"{spec.name}: hooks.{engine}")
