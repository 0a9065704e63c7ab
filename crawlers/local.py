"""The local crawler: what a Glue crawler does for one Lockgate table, over the local lake.

``crawl(lake, settings) -> CrawlSummary`` takes the settings from ``crawler_settings(spec)``, lists the
table location (same exclusions as the AWS crawler), reads each Parquet footer (never data pages),
merges the file schemas (CombineCompatibleSchemas: union of columns, wider type wins), discovers Hive
partitions and creates or updates the table in the ``LocalCatalog`` the way the configured crawler
would:

- a new table gets the Parquet SerDe/InputFormat/OutputFormat and ``classification=parquet``; partition
  key types come from the settings (the spec), else existing table, else inferred (bigint/string);
- UpdateBehavior UPDATE_IN_DATABASE: new columns are appended, retyped columns take the new type,
  columns gone from every file stay, marked deprecated (MergeNewColumns); each change is a new version;
- UpdateBehavior LOG (append imports): the table is left alone and the changes are only reported;
- new partitions are added, inheriting the table's storage descriptor; partitions whose folder is gone
  are removed unless DeleteBehavior is LOG.

The summary mirrors Glue's crawl metrics: tables created/updated, partitions added/removed, columns
added/removed/retyped, plus files and footer bytes read.
"""

from __future__ import annotations

import os
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from orchestration.core.errors import DataError

from .footers import DataFile, read_footer, scan
from .local_catalog import LocalCatalog
from .schema import ColumnChange, merge_columns, merge_types, signature
from .table import parquet_storage_descriptor, partition_input, partition_path, table_to_input

__all__ = ["CrawlSummary", "crawl"]

_INT = re.compile(r"^-?\d{1,18}$")


@dataclass
class CrawlSummary:
    """What one crawl did (Glue: TablesCreated, TablesUpdated, ... in GetCrawlerMetrics)."""

    crawler: str
    database: str
    table: str
    tables_created: int = 0
    tables_updated: int = 0
    partitions_added: list[str] = field(default_factory=list)
    partitions_removed: list[str] = field(default_factory=list)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    columns_retyped: list[ColumnChange] = field(default_factory=list)
    changes_logged: list[str] = field(default_factory=list)
    files_read: int = 0
    bytes_read: int = 0
    skipped: list[str] = field(default_factory=list)
    version_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def message(self) -> str:
        return (f"{self.database}.{self.table}: {self.tables_created} table(s) created, {self.tables_updated} "
                f"updated, {len(self.partitions_added)} partition(s) added, {len(self.columns_added)} column(s) "
                f"added, {len(self.columns_removed)} deprecated, {len(self.columns_retyped)} retyped")


def _observed(files: list[DataFile], summary: CrawlSummary, keys: list[str]) -> tuple[list[tuple[str, str]], dict]:
    columns: dict[str, str] = {}
    stats = {"records": 0, "size": 0}
    for f in sorted(files, key=lambda f: (f.mtime, f.relative)):
        try:
            footer = read_footer(f.path)
        except DataError:
            summary.skipped.append(f.relative)  # Glue classifies such objects elsewhere; not this table
            continue
        summary.files_read += 1
        summary.bytes_read += footer.bytes_read
        stats["records"] += footer.num_rows
        stats["size"] += f.size
        for name, glue_type in signature(footer.schema, exclude=keys):
            columns[name] = merge_types(columns[name], glue_type) if name in columns else glue_type
    return list(columns.items()), stats


def _partition_keys(settings: dict[str, Any], existing: dict[str, Any] | None,
                    files: list[DataFile]) -> list[dict[str, str]]:
    if existing is not None:
        return [{"Name": k["Name"], "Type": k["Type"]} for k in existing.get("PartitionKeys", [])]
    if settings.get("partition_keys"):
        return [{"Name": k["name"], "Type": k["type"]} for k in settings["partition_keys"]]
    names = list(files[0].partition) if files else []
    out = []
    for n in names:
        values = {f.partition.get(n, "") for f in files}
        out.append({"Name": n, "Type": "bigint" if all(_INT.match(v) for v in values) else "string"})
    return out


def _parameters(base: dict[str, str], name: str, stats: dict[str, int], objects: int) -> dict[str, str]:
    records = stats["records"]
    return {**base, "classification": "parquet", "compressionType": "none", "typeOfData": "file",
            "UPDATED_BY_CRAWLER": name, "CrawlerSchemaDeserializerVersion": "1.0",
            "CrawlerSchemaSerializerVersion": "1.0", "recordCount": str(records), "objectCount": str(objects),
            "sizeKey": str(stats["size"]), "averageRecordSize": str(stats["size"] // records if records else 0)}


def _create(cat: LocalCatalog, settings: dict[str, Any], keys: list[dict[str, str]], observed: list[tuple[str, str]],
            stats: dict[str, int], objects: int, summary: CrawlSummary) -> dict[str, Any]:
    database, table, location = settings["database"], settings["table"], settings["s3_target"]["path"]
    comments = {c["Name"]: c.get("Comment") for c in
                settings.get("table_input", {}).get("StorageDescriptor", {}).get("Columns", [])}
    columns = [{"Name": n, "Type": t, **({"Comment": comments[n]} if comments.get(n) else {})} for n, t in observed]
    cat.create_table(database, {
        "Name": table, "TableType": "EXTERNAL_TABLE", "PartitionKeys": keys, "Retention": 0, "Owner": "owner",
        "Parameters": _parameters({}, settings["name"], stats, objects),
        "StorageDescriptor": parquet_storage_descriptor(location, columns),
    })
    created = cat.require_table(database, table)
    summary.tables_created = 1
    summary.columns_added = [n for n, _ in observed]
    summary.version_id = created["VersionId"]
    return created


def _update(cat: LocalCatalog, settings: dict[str, Any], existing: dict[str, Any], observed: list[tuple[str, str]],
            stats: dict[str, int], objects: int, incremental: bool, summary: CrawlSummary) -> dict[str, Any]:
    current = existing["StorageDescriptor"].get("Columns", [])
    if incremental:  # columns of the folders not read again are still there
        seen = {n for n, _ in observed}
        observed = observed + [(c["Name"].lower(), c["Type"].lower()) for c in current
                               if c["Name"].lower() not in seen]
    columns, diff = merge_columns(current, observed)
    if not (diff.added_columns or diff.changed_types or diff.removed_columns):
        return existing
    if settings["schema_change_policy"]["update_behavior"] == "LOG":
        summary.changes_logged = ([f"column {n} added" for n, _ in diff.added_columns]
                                  + [f"column {c.name} {c.old} -> {c.new}" for c in diff.changed_types]
                                  + [f"column {n} gone from the data" for n in diff.removed_columns])
        return existing
    new = table_to_input(existing)
    new["StorageDescriptor"] = {**new["StorageDescriptor"], "Columns": columns}
    new["Parameters"] = _parameters(new.get("Parameters") or {}, settings["name"], stats, objects)
    summary.version_id = cat.update_table(settings["database"], new)
    summary.tables_updated = 1
    summary.columns_added = [n for n, _ in diff.added_columns]
    summary.columns_removed = list(diff.removed_columns)
    summary.columns_retyped = list(diff.changed_types)
    return cat.require_table(settings["database"], settings["table"])


def _sync_partitions(cat: LocalCatalog, settings: dict[str, Any], table: dict[str, Any], key_names: list[str],
                     files: list[DataFile], incremental: bool, summary: CrawlSummary) -> None:
    database, name = settings["database"], settings["table"]
    found = {tuple(f.partition[k] for k in key_names) for f in files}
    registered = {tuple(p["Values"]) for p in cat.get_partitions(database, name)}
    new_parts = sorted(found - registered)
    if new_parts:
        cat.add_partitions(database, name, [partition_input(table, list(v)) for v in new_parts])
        summary.partitions_added = [partition_path(key_names, list(v)) for v in new_parts]
    gone = sorted(registered - found)
    if gone and settings["schema_change_policy"]["delete_behavior"] != "LOG" and not incremental:
        cat.delete_partitions(database, name, [list(v) for v in gone])
        summary.partitions_removed = [partition_path(key_names, list(v)) for v in gone]


def crawl(lake: str | os.PathLike[str], settings: dict[str, Any], *,
          catalog: LocalCatalog | None = None) -> CrawlSummary:
    """Crawl one table location into the local catalog; see the module docstring."""
    cat = catalog or LocalCatalog(lake)
    database, table = settings["database"], settings["table"]
    summary = CrawlSummary(crawler=settings["name"], database=database, table=table)
    files, skipped = scan(lake, settings["s3_target"]["path"],
                          settings.get("exclusions") or settings["s3_target"]["exclusions"])
    summary.skipped.extend(skipped)
    existing = cat.get_table(database, table)
    keys = _partition_keys(settings, existing, files)
    key_names = [k["Name"] for k in keys]
    candidates = [f for f in files if list(f.partition) == key_names]
    summary.skipped.extend(f.relative for f in files if list(f.partition) != key_names)
    incremental = existing is not None and settings["recrawl_policy"]["recrawl_behavior"] == "CRAWL_NEW_FOLDERS_ONLY"
    if incremental and key_names:  # Glue reads only the folders added since the last crawl
        registered = {tuple(p["Values"]) for p in cat.get_partitions(database, table)}
        candidates = [f for f in candidates if tuple(f.partition[k] for k in key_names) not in registered]
    observed, stats = _observed(candidates, summary, key_names)
    data_files = [f for f in candidates if f.relative not in set(summary.skipped)]
    if existing is None and not observed:
        return summary  # nothing to catalog (Glue: "no new or changed tables")
    cat.ensure_database(database)
    if existing is None:
        current = _create(cat, settings, keys, observed, stats, len(data_files), summary)
    elif observed:
        current = _update(cat, settings, existing, observed, stats, len(data_files), incremental, summary)
    else:
        current = existing  # no data left: the schema stays, stale partitions go (below)
    if key_names:
        _sync_partitions(cat, settings, current, key_names, data_files, incremental, summary)
    return summary

