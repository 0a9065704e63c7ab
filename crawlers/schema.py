"""The local crawler's column merge rules: how a table's columns follow the data it finds.

``merge_columns(existing, observed)`` returns the new ``StorageDescriptor.Columns`` and a ``SchemaDiff``::

    added_columns       [(name, glue_type)] in the data, not in the table (or revived)
    changed_types       [ColumnChange(name, old, new, widening)]
    removed_columns     [name] in the table, not in the data (kept in the catalog, marked deprecated)
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from orchestration.core.types import arrow_to_glue, is_widening

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ColumnChange", "SchemaDiff", "signature", "merge_columns", "merge_types", "DEPRECATED", "is_deprecated"]

DEPRECATED = "lockgate.deprecated"
"""Column parameter set to ``"true"`` on columns that no longer appear in the data."""

Signature = list[tuple[str, str]]


@dataclass(frozen=True)
class ColumnChange:
    name: str
    old: str
    new: str
    widening: bool


@dataclass
class SchemaDiff:
    """What ``merge_columns`` changed."""

    added_columns: Signature = field(default_factory=list)
    changed_types: list[ColumnChange] = field(default_factory=list)
    removed_columns: list[str] = field(default_factory=list)


def is_deprecated(column: dict[str, Any]) -> bool:
    return (column.get("Parameters") or {}).get(DEPRECATED) == "true"


def signature(schema: pa.Schema | Sequence[tuple[str, str]], exclude: Iterable[str] = ()) -> Signature:
    """``[(name, glue_type)]`` of an Arrow schema or an existing signature, without ``exclude``."""
    skip = set(exclude)
    if isinstance(schema, (list, tuple)):  # a signature (pyarrow is imported only by the crawl that reads footers)
        pairs = [(n, t) for n, t in schema]
    else:
        pairs = [(f.name, arrow_to_glue(f.type)) for f in cast("pa.Schema", schema)]
    return [(n.lower(), t.lower().replace(" ", "")) for n, t in pairs if n not in skip]


def merge_types(current: str, new: str) -> str:
    """The type that holds both: the wider one when one widens to the other, else ``new`` (latest wins)."""
    if current == new or is_widening(new, current):
        return current
    return new


def merge_columns(existing: list[dict[str, Any]], observed: Signature, *,
                  now: str | None = None) -> tuple[list[dict[str, Any]], SchemaDiff]:
    """New ``StorageDescriptor.Columns`` for a table whose data now has ``observed`` columns: new
    columns appended, types replaced, missing columns kept and marked deprecated (revived when they
    reappear). The diff describes what changed."""
    stamp = now or datetime.now(UTC).isoformat()
    seen = dict(observed)
    diff = SchemaDiff()
    out: list[dict[str, Any]] = []
    for col in existing:
        col = copy.deepcopy(col)
        name = col["Name"].lower()
        params = dict(col.get("Parameters") or {})
        if name in seen:
            if is_deprecated(col):
                params.pop(DEPRECATED, None)
                params.pop(DEPRECATED + "_at", None)
                diff.added_columns.append((name, seen[name]))
            old = col["Type"].lower().replace(" ", "")
            if old != seen[name]:
                diff.changed_types.append(ColumnChange(name, old, seen[name], is_widening(old, seen[name])))
                col["Type"] = seen[name]
        elif not is_deprecated(col):
            params[DEPRECATED] = "true"
            params[DEPRECATED + "_at"] = stamp
            diff.removed_columns.append(name)
        if params:
            col["Parameters"] = params
        else:
            col.pop("Parameters", None)
        out.append(col)
    known = {c["Name"].lower() for c in existing}
    for name, glue_type in observed:
        if name not in known:
            out.append({"Name": name, "Type": glue_type})
            diff.added_columns.append((name, glue_type))
    return out, diff

