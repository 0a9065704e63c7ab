"""Registering a run's partitions directly, for ``crawler.run: on_schema_change`` and ``never``.

``register_partitions(catalog, spec, partitions) -> list[str]``: makes sure the database and the
table exist (creating the table from the spec, ``table_input_from_spec``, when missing), then adds the
partitions (``k=v/...`` Hive paths) that are not registered yet and returns those it added. Commit
calls it after publishing; the catalog is ``crawlers.catalogs.get_catalog()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .table import parse_partition_path, partition_input, partition_path, table_input_from_spec

if TYPE_CHECKING:
    from orchestration.core.spec import Spec

    from .catalog import Catalog

__all__ = ["register_partitions", "ensure_table"]


def ensure_table(catalog: Catalog, spec: Spec) -> bool:
    """Create the spec's table when the catalog lacks it; True when it was created."""
    database, table = spec.target.database, spec.target.table
    if catalog.get_table(database, table) is not None:
        return False
    catalog.ensure_database(database)
    catalog.create_table(database, table_input_from_spec(spec))
    return True


def register_partitions(catalog: Catalog, spec: Spec, partitions: list[str]) -> list[str]:
    """Add the run's partitions the catalog does not know yet; returns the added ones (``k=v/...``)."""
    database, table = spec.target.database, spec.target.table
    ensure_table(catalog, spec)
    current = catalog.require_table(database, table)
    keys = [k["Name"] for k in current.get("PartitionKeys", [])]
    if not keys or not partitions:
        return []
    known = {tuple(p["Values"]) for p in catalog.get_partitions(database, table)}
    wanted: dict[tuple[str, ...], str] = {}
    for p in partitions:
        parsed = parse_partition_path(p)
        values = tuple(parsed[k] for k in keys)
        if values not in known:
            wanted[values] = partition_path(keys, list(values))
    if not wanted:
        return []
    catalog.add_partitions(database, table, [partition_input(current, list(v)) for v in sorted(wanted)])
    return [wanted[v] for v in sorted(wanted)]
