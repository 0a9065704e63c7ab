"""Deciding what a commit will do, before it touches the target (ADR 0003).

``plan_commit`` checks the run (accounting, quality), then lists staging and the target once and writes
down every copy (with a deterministic target name), every delete and the result to report. Everything
after that is a replay of this record, so a crashed commit resumes instead of recomputing against a
target it has already half changed.
"""

from __future__ import annotations

import logging
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from orchestration.contracts import BatchResult, CommitResult, Manifest
from orchestration.errors import PublishError
from orchestration.spec import Spec
from orchestration.spec.uris import join_uri
from orchestration.storage import Storage, object_name

from .catalog import CatalogPort
from .checks import RunTotals, check_accounting, check_quality, load_results, quarantine_uri
from .schema import Signature, catalog_signature, parquet_signature

__all__ = ["FileCopy", "CommitIntent", "Phase", "plan_commit", "intent_uri", "partition_of", "is_table_file"]

log = logging.getLogger(__name__)

Phase = Literal["copying", "deleting", "cleaning"]


class FileCopy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    src: str
    dst: str


class CommitIntent(BaseModel):
    """The commit record written before the first copy; ``phase`` says where a re-run resumes."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    run_id: str
    import_: str = Field(alias="import")
    phase: Phase = "copying"
    database: str
    table: str
    location: str
    copies: list[FileCopy]
    deletes: list[str]
    partitions_to_register: list[str]
    """Partitions to register in the catalog directly (crawler.run never / on_schema_change)."""
    create_table: bool = False
    """crawler.run is never and the catalog has no table yet: commit creates it from the spec, since no
    crawler ever will (otherwise the table would never become queryable)."""
    result: CommitResult


def intent_uri(manifest: Manifest) -> str:
    return join_uri(manifest.paths.run_dir, "commit-intent.json")


def partition_of(relative: str) -> str:
    """``order_date=2024-01-01/part-0.parquet`` -> ``order_date=2024-01-01``; ``x.parquet`` -> ``""``."""
    return relative.rsplit("/", 1)[0] if "/" in relative else ""


def is_table_file(relative: str) -> bool:
    """Files a query engine reads: Athena and Hive skip names starting with ``_`` or ``.``."""
    return bool(relative) and not any(p.startswith(("_", ".")) for p in relative.split("/")) \
        and not relative.endswith("$folder$")


def _nonempty(partition: str) -> list[str]:
    return [partition] if partition else []


def _staged(manifest: Manifest, results: list[BatchResult], storage: Storage) -> list[str]:
    """The staged data files the engines reported; files in staging no result names are orphans of a retried
    attempt and are not published."""
    data = manifest.paths.staging_data
    listed = {o.uri for o in storage.list(data)}
    reported = sorted({f for r in results for f in r.files_written if f.startswith(data)})
    missing = [f for f in reported if f not in listed]
    if missing:
        raise PublishError(
            f"{len(missing)} staged files named in the run's results do not exist (first: {missing[0]}); staging "
            "was removed or never written completely. Re-run the import",
            where=data,
        )
    orphans = sorted(listed - set(reported))
    if orphans:
        log.warning("ignoring %d staged files no result reports (first: %s)", len(orphans), orphans[0])
    return reported


def plan_commit(manifest: Manifest, storage: Storage, catalog: CatalogPort) -> CommitIntent:
    """Check the run and decide every step of publishing it. Raises before writing anything."""
    spec = Spec.model_validate(manifest.spec)
    results = load_results(manifest, storage)
    totals = RunTotals.of(results)
    check_accounting(manifest, totals)
    check_quality(spec, manifest, totals)

    target = spec.target
    location = target.location.rstrip("/") + "/"
    data = manifest.paths.staging_data
    staged = _staged(manifest, results, storage)
    existing = [o.uri for o in storage.list(location) if is_table_file(o.uri[len(location):])]

    copies = [
        FileCopy(src=u, dst=join_uri(location, *_nonempty(partition_of(u[len(data):])),
                                     f"part-{manifest.run_id}-{object_name(u)}"))
        for u in staged
    ]
    new = {c.dst for c in copies}
    touched = sorted({partition_of(u[len(data):]) for u in staged})
    if target.mode == "append":
        deletes: list[str] = []
    elif target.mode == "overwrite":
        deletes = [u for u in existing if u not in new]
    else:
        deletes = [u for u in existing if partition_of(u[len(location):]) in touched and u not in new]

    had = {partition_of(u[len(location):]) for u in existing}
    partitions = [p for p in touched if p]
    added = [p for p in partitions if p not in had]

    skip = set(target.partition_by)
    columns = catalog.table_columns(target.database, target.table)
    table_exists = columns is not None if catalog.available else bool(existing)
    before: Signature | None = None
    if columns is not None:
        before = catalog_signature(columns)
    elif existing:
        before = parquet_signature(storage, existing[-1], skip)
    after = parquet_signature(storage, staged[0], skip) if staged else None
    # Columns the data adds or retypes. Columns only the catalog has are not a change: a crawler keeps
    # them, deprecated, once they disappear from the files (crawlers/settings.py), so they stay there.
    schema_changed = after is not None and (before is None or not set(after) <= set(before))
    run = spec.crawler.run
    crawl_needed = run == "always" or (run == "on_schema_change" and (schema_changed or not table_exists))
    create_table = run == "never" and columns is None and catalog.available
    to_register = partitions if run != "always" and (columns is not None or create_table) else []

    if partitions:
        outputs = [join_uri(location, p) + "/" for p in partitions]
    else:
        outputs = [location] if copies else []
    result = CommitResult(
        run_id=manifest.run_id, import_=manifest.import_, status="published",
        engine="glue" if manifest.route == "glue" else "lambda",
        rows_in=totals.rows_in, rows_written=totals.rows_written, rows_rejected=totals.rows_rejected,
        rows_filtered=totals.rows_filtered, rows_deduplicated=totals.rows_deduplicated, bytes_in=totals.bytes_in,
        outputs=outputs, partitions=partitions, partitions_added=added, schema_changed=schema_changed,
        crawl_needed=crawl_needed,
        quarantine_uri=quarantine_uri(spec, manifest.run_id) if totals.rows_rejected else None,
    )
    return CommitIntent(
        run_id=manifest.run_id, import_=manifest.import_, database=target.database, table=target.table,
        location=location, copies=copies, deletes=deletes, partitions_to_register=to_register, create_table=create_table, result=result,
    )
