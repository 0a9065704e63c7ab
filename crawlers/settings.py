"""Glue crawler settings derived from a spec: the ``crawler`` block of the Terraform render output
and the definition the local crawler runs.

``crawler_settings(spec, prefix="lockgate") -> dict`` (JSON-able, snake_case like ``aws_glue_crawler``)::

    name                  "<prefix>-<import>"
    database, table       the spec's target
    table_prefix          "" or the part of the table name before the location's last folder
    target_kind           "s3" (crawl the location) or "catalog" (crawl the pre-created table, used when
                          the table name cannot be derived from the folder name)
    s3_target             {"path": location ending in "/", "exclusions": [...]}
    catalog_target        {"database_name", "tables": [table]} or null
    exclusions            glob patterns relative to the location (run records, markers, quarantine/staging
                          when they lie under the location)
    configuration         JSON string: Grouping for S3 targets (CombineCompatibleSchemas,
                          TableLevelConfiguration = depth of the location counting the bucket as level 1),
                          CrawlerOutput (partitions inherit
                          from the table, MergeNewColumns), CreatePartitionIndex
    schema_change_policy  {"update_behavior", "delete_behavior"}
    recrawl_policy        {"recrawl_behavior"}
    partition_keys        [{"name", "type"}] from the spec
    partition_index       {"index_name", "keys"} or null
    table_input           Glue TableInput to pre-create the table (so the partition index exists)
    run                   the spec's crawler.run (always | on_schema_change | never)
    notes                 sentences explaining forced choices

Glue rules honoured here (docs: "Incremental crawls in AWS Glue", "Setting crawler configuration
options"): CRAWL_NEW_FOLDERS_ONLY forces UpdateBehavior and DeleteBehavior to LOG, so append imports
crawl new folders only with LOG/LOG: their crawls add partitions but never change columns; every
other mode crawls everything with
UPDATE_IN_DATABASE / DEPRECATE_IN_DATABASE. ``MergeNewColumns`` keeps columns that disappear from the
data (they are never deleted; the local crawler marks them deprecated).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from orchestration.core.spec.uris import split_s3_uri

from .table import spec_column_types, table_input_from_spec

if TYPE_CHECKING:
    from orchestration.core.spec import Spec

__all__ = ["crawler_settings", "crawler_name", "table_level", "exclusions_for", "create_crawler_request",
           "BASE_EXCLUSIONS"]

BASE_EXCLUSIONS: tuple[str, ...] = (
    "_lockgate*", "_lockgate*/**", "**/_SUCCESS", "**/*.crc", "**/_temporary/**", "**/.*",
)
"""Run records and markers Lockgate or Spark may leave under a table location."""


def crawler_name(spec_or_name: Spec | str, prefix: str = "lockgate") -> str:
    """``lockgate-orders``: the crawler's name for an import."""
    name = spec_or_name if isinstance(spec_or_name, str) else spec_or_name.name
    return f"{prefix}-{name}"


def _dir(uri: str) -> str:
    return uri if uri.endswith("/") else uri + "/"


def table_level(location: str) -> int:
    """Glue's ``TableLevelConfiguration`` for a table at ``location``: the absolute folder level
    counting the bucket as level 1 (``s3://lake/sales/orders/`` -> 3)."""
    bucket, key = split_s3_uri(location)
    return 1 + len([p for p in key.split("/") if p])


def _relative_under(location: str, other: str | None) -> str | None:
    if not other:
        return None
    loc, oth = _dir(location), _dir(other)
    if oth.startswith(loc) and oth != loc:
        return oth[len(loc):].rstrip("/")
    return None


def exclusions_for(spec: Spec, *, control_uri: str | None = None) -> list[str]:
    """Exclude patterns relative to the location: markers and run records, plus the quarantine and
    the control location (staging, manifests) when they lie under the table location."""
    out = list(BASE_EXCLUSIONS)
    for other in (spec.target.quarantine_uri, control_uri):
        rel = _relative_under(spec.target.location, other)
        if rel:
            out += [rel, f"{rel}/**"]
    return out


def _table_prefix(table: str, location: str) -> str | None:
    folder = [p for p in split_s3_uri(location)[1].split("/") if p][-1:] or [""]
    name = folder[0].lower()
    if name and table.endswith(name):
        return table[: -len(name)]
    return None


def crawler_settings(spec: Spec, *, prefix: str = "lockgate", control_uri: str | None = None) -> dict[str, Any]:
    """The crawler settings for ``spec`` (see the module docstring for every key)."""
    target = spec.target
    location = _dir(target.location)
    exclusions = exclusions_for(spec, control_uri=control_uri)
    table_prefix = _table_prefix(target.table, location)
    notes: list[str] = []
    kind = "s3" if table_prefix is not None else "catalog"
    if kind == "catalog":
        notes.append(f"table {target.table!r} is not named after the folder of {location}; the crawler "
                     "crawls the pre-created catalog table (catalog target), which requires DeleteBehavior "
                     "LOG and a full recrawl")
    if kind == "catalog" and len(exclusions) > len(BASE_EXCLUSIONS):
        notes.append("a catalog target takes no exclusions, so the crawler also reads the quarantine or "
                     f"control files under {location}; move them outside the table location")
    incremental = target.mode == "append" and kind == "s3"
    if incremental:
        update, delete, recrawl = "LOG", "LOG", "CRAWL_NEW_FOLDERS_ONLY"
        notes.append("append mode crawls new folders only; Glue then forces UpdateBehavior and "
                     "DeleteBehavior to LOG, so these crawls add partitions but do not change the "
                     "table's columns")
    elif kind == "catalog":
        update, delete, recrawl = "UPDATE_IN_DATABASE", "LOG", "CRAWL_EVERYTHING"
    else:
        update, delete, recrawl = "UPDATE_IN_DATABASE", "DEPRECATE_IN_DATABASE", "CRAWL_EVERYTHING"
    configuration: dict[str, Any] = {
        "Version": 1.0,
        "CrawlerOutput": {"Partitions": {"AddOrUpdateBehavior": "InheritFromTable"},
                          "Tables": {"AddOrUpdateBehavior": "MergeNewColumns"}},
        "CreatePartitionIndex": True,
    }
    if kind == "s3":
        # Grouping decides which S3 folders become tables; a catalog target crawls one existing table.
        configuration["Grouping"] = {"TableGroupingPolicy": "CombineCompatibleSchemas",
                                     "TableLevelConfiguration": table_level(location)}
    types = spec_column_types(spec)
    keys = [{"name": p, "type": types.get(p, "string")} for p in target.partition_by]
    return {
        "name": crawler_name(spec, prefix),
        "database": target.database,
        "table": target.table,
        "table_prefix": table_prefix or "",
        "target_kind": kind,
        "s3_target": {"path": location, "exclusions": exclusions},
        "catalog_target": ({"database_name": target.database, "tables": [target.table]}
                           if kind == "catalog" else None),
        "exclusions": exclusions,
        "configuration": json.dumps(configuration, sort_keys=True),
        "schema_change_policy": {"update_behavior": update, "delete_behavior": delete},
        "recrawl_policy": {"recrawl_behavior": recrawl},
        "partition_keys": keys,
        "partition_index": ({"index_name": f"{target.table}_partitions"[:255],
                             "keys": [k["name"] for k in keys]} if keys else None),
        "table_input": table_input_from_spec(spec),
        "run": spec.crawler.run,
        "notes": notes,
    }


def create_crawler_request(settings: dict[str, Any], role: str) -> dict[str, Any]:
    """Keyword arguments for boto3 ``glue.create_crawler`` from rendered settings."""
    if settings["target_kind"] == "catalog":
        targets: dict[str, Any] = {"CatalogTargets": [{"DatabaseName": settings["catalog_target"]["database_name"],
                                                      "Tables": settings["catalog_target"]["tables"]}]}
    else:
        targets = {"S3Targets": [{"Path": settings["s3_target"]["path"],
                                  "Exclusions": settings["s3_target"]["exclusions"]}]}
    return {
        "Name": settings["name"],
        "Role": role,
        "DatabaseName": settings["database"],
        "TablePrefix": settings["table_prefix"],
        "Targets": targets,
        "SchemaChangePolicy": {"UpdateBehavior": settings["schema_change_policy"]["update_behavior"],
                               "DeleteBehavior": settings["schema_change_policy"]["delete_behavior"]},
        "RecrawlPolicy": {"RecrawlBehavior": settings["recrawl_policy"]["recrawl_behavior"]},
        "Configuration": settings["configuration"],
    }
