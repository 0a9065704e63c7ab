"""Comparing data with the catalog's table: the ``crawler.run: on_schema_change`` decision, and the
column merge rules the local crawler shares with it.

Commit calls ``compare_with_catalog(catalog, database, table, schema, partitions)`` with the staged
(or published) Parquet schema and the run's partitions (``k=v/...``). The ``SchemaDiff`` says::

    table_exists        the catalog has the table
    added_columns       [(name, glue_type)] in the data, not in the table
    changed_types       [ColumnChange(name, old, new, widening)]
    removed_columns     [name] in the table, not in the data (kept in the catalog, marked deprecated)
    added_partitions    ["k=v/..."] not registered yet
    schema_changed      any of the above column differences, or no table
    crawl_needed        the crawler must run: no table, added columns or changed types (new partitions
                        alone can be registered directly with ``catalog.add_partitions``)

``apply_schema_diff`` applies added columns and type changes as a new table version itself (never
deleting a column): append imports crawl with UpdateBehavior LOG, where Glue leaves columns alone.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from orchestration.core.types import arrow_to_glue, is_widening

from .table import parse_partition_path, partition_path, table_to_input

if TYPE_CHECKING:
    from .catalog import Catalog

__all__ = ["ColumnChange", "SchemaDiff", "signature", "compare_schema", "compare_with_catalog",
           "apply_schema_diff", "merge_columns", "DEPRECATED", "is_deprecated"]

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
    table_exists: bool
    added_columns: Signature = field(default_factory=list)
    changed_types: list[ColumnChange] = field(default_factory=list)
    removed_columns: list[str] = field(default_factory=list)
    added_partitions: list[str] = field(default_factory=list)

    @property
    def schema_changed(self) -> bool:
        return not self.table_exists or bool(self.added_columns or self.changed_types or self.removed_columns)

    @property
    def crawl_needed(self) -> bool:
        return not self.table_exists or bool(self.added_columns or self.changed_types)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(schema_changed=self.schema_changed, crawl_needed=self.crawl_needed)
        return out


def is_deprecated(column: dict[str, Any]) -> bool:
    return (column.get("Parameters") or {}).get(DEPRECATED) == "true"


def signature(schema: pa.Schema | Sequence[tuple[str, str]], exclude: Iterable[str] = ()) -> Signature:
    """``[(name, glue_type)]`` of an Arrow schema or an existing signature, without ``exclude``."""
    skip = set(exclude)
    if isinstance(schema, pa.Schema):
        pairs = [(f.name, arrow_to_glue(f.type)) for f in schema]
    else:
        pairs = [(n, t) for n, t in schema]
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
    reappear). The diff describes what changed (``table_exists`` is True)."""
    stamp = now or datetime.now(UTC).isoformat()
    seen = dict(observed)
    diff = SchemaDiff(table_exists=True)
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


def compare_schema(table: dict[str, Any] | None, schema: pa.Schema | Sequence[tuple[str, str]],
                   partitions: Iterable[str] = (),
                   existing_partitions: Iterable[Sequence[str]] = ()) -> SchemaDiff:
    """Compare data (schema and ``k=v/...`` partitions) with a Glue ``Table`` (or None)."""
    if table is None:
        return SchemaDiff(table_exists=False, added_columns=signature(schema),
                          added_partitions=sorted(set(partitions)))
    keys = [k["Name"] for k in table.get("PartitionKeys", [])]
    _, diff = merge_columns(table["StorageDescriptor"].get("Columns", []), signature(schema, exclude=keys))
    registered = {tuple(v) for v in existing_partitions}
    for p in sorted(set(partitions)):
        values = list(parse_partition_path(p).values())
        if tuple(values) not in registered:
            diff.added_partitions.append(partition_path(keys, values) if len(keys) == len(values) else p)
    return diff


def compare_with_catalog(catalog: Catalog, database: str, table: str,
                         schema: pa.Schema | Sequence[tuple[str, str]], partitions: Iterable[str] = ()) -> SchemaDiff:
    """``compare_schema`` against the catalog's current table and registered partitions."""
    found = catalog.get_table(database, table)
    existing = [p["Values"] for p in catalog.get_partitions(database, table)] if found else []
    return compare_schema(found, schema, partitions, existing)


def apply_schema_diff(catalog: Catalog, database: str, table: str, diff: SchemaDiff) -> str | None:
    """Add ``diff``'s new columns and type changes to the table as a new version; None when there is
    nothing to apply. Removed columns are left alone (never deleted)."""
    if not (diff.added_columns or diff.changed_types):
        return None
    current = catalog.require_table(database, table)
    cols = copy.deepcopy(current["StorageDescriptor"].get("Columns", []))
    by_name = {c["Name"].lower(): c for c in cols}
    for change in diff.changed_types:
        if change.name in by_name:
            by_name[change.name]["Type"] = change.new
    for name, glue_type in diff.added_columns:
        if name in by_name:
            by_name[name].get("Parameters", {}).pop(DEPRECATED, None)
        else:
            cols.append({"Name": name, "Type": glue_type})
    new = table_to_input(current)
    new["StorageDescriptor"] = {**new["StorageDescriptor"], "Columns": cols}
    return catalog.update_table(database, new)
