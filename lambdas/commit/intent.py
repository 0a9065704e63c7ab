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

from orchestration.core.contracts import BatchResult, CommitResult, Manifest
from orchestration.core.errors import PublishError
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import join_uri
from orchestration.core.storage import Storage, object_name

from .catalog import CatalogPort
from .checks import RunTotals, check_accounting, check_quality, load_results, quarantine_uri
from .ownership import check_not_source, check_owner
from .replace import Ledger, inspect_file, kept_name, ledger_uri, owned_sources, read_ledger, staged_sources
from .schema import Signature, catalog_signature, parquet_signature

__all__ = ["FileCopy", "Rewrite", "CommitIntent", "Phase", "plan_commit", "intent_uri", "partition_of", "is_table_file",
           "partitions_uri"]

log = logging.getLogger(__name__)

Phase = Literal["copying", "deleting", "cleaning"]


class FileCopy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    src: str
    dst: str


class Rewrite(BaseModel):
    """A table file that holds rows of this window and of others: ``src`` minus the rows read from ``drop``
    (``_source_file`` values) is written to ``dst``; ``src`` is then deleted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    src: str
    dst: str
    drop: list[str]


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
    rewrites: list[Rewrite] = Field(default_factory=list)
    deletes: list[str]
    ledger: dict[str, list[str]] = Field(default_factory=dict)
    """The table's ledger after this commit (``replace.Ledger``), written in the deleting phase."""
    partitions: list[str] = Field(default_factory=list)
    """Every partition the run writes (kept in ``partitions.json``, never in the state payload)."""
    partitions_added: list[str] = Field(default_factory=list)
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


def _replaced(manifest: Manifest, spec: Spec, storage: Storage, location: str, existing: list[str],
              staged: list[tuple[str, str]], new: set[str]) -> tuple[list[str], list[Rewrite], Ledger, int]:
    """What the run removes from the table, by ``target.mode``: ``(deletes, rewrites, new ledger, rows removed)``.

    replace_window and overwrite_partitions remove the rows the window owns (``replace``), in the partitions
    the run writes and those the ledger says the window wrote before; overwrite_partitions refuses when a
    partition it writes also holds rows of another window. append removes nothing; overwrite everything."""
    mode = spec.target.mode
    sources = owned_sources(spec, manifest)
    written = staged_sources(storage, staged, sources)
    ledger = read_ledger(storage, location)
    if mode == "overwrite":
        return [u for u in existing if u not in new], [], written, 0
    merged: Ledger = dict(ledger or {})
    if mode == "append":
        for src, parts in written.items():
            merged[src] = sorted(set(merged.get(src, [])) | set(parts))
        return [], [], merged, 0
    touched = {p for _, p in staged}
    affected = touched | {p for s in sources for p in (ledger or {}).get(s, [])}
    if ledger is None and existing:
        log.warning("table %s has no ledger (%s); only the partitions this run writes are checked for rows of "
                    "its window", location, ledger_uri(location))
    deletes: list[str] = []
    rewrites: list[Rewrite] = []
    removed = 0
    for uri in existing:
        partition = partition_of(uri[len(location):])
        if partition not in affected or uri in new:
            continue
        rows = inspect_file(storage, uri, sources)
        if mode == "overwrite_partitions" and rows.foreign_values and (partition in touched or rows.owned_rows):
            where = f"partition {partition!r}" if partition else "the table (it is unpartitioned)"
            raise PublishError(
                f"mode overwrite_partitions would replace {where}, but {uri} holds "
                f"{rows.rows - rows.owned_rows} rows of another window (read from {rows.foreign_values[0]}); "
                f"this run's window owns only the rows read from {', '.join(sources[:3])}"
                f"{' ...' if len(sources) > 3 else ''}. Nothing was published. Set target.mode: replace_window to "
                "replace only this window's rows, or partition the table so each partition lies within one window",
                where=f"import {spec.name} run {manifest.run_id}",
            )
        if rows.owned_rows == 0:
            continue
        removed += rows.owned_rows
        deletes.append(uri)
        if rows.foreign_values:
            dst = join_uri(location, *_nonempty(partition), kept_name(manifest.run_id, uri))
            rewrites.append(Rewrite(src=uri, dst=dst, drop=rows.owned_values))
    for src in sources:
        merged.pop(src, None)
    merged.update(written)
    return deletes, rewrites, dict(sorted(merged.items())), removed


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
    listed = [o.uri for o in storage.list(location)]
    check_not_source(location, spec.source.s3_uri, spec.name)
    check_owner(storage, location, spec.name, listed)
    existing = [u for u in listed if is_table_file(u[len(location):])]

    copies = [
        FileCopy(src=u, dst=join_uri(location, *_nonempty(partition_of(u[len(data):])),
                                     f"part-{manifest.run_id}-{object_name(u)}"))
        for u in staged
    ]
    new = {c.dst for c in copies}
    touched = sorted({partition_of(u[len(data):]) for u in staged})
    deletes, rewrites, ledger, removed = _replaced(
        manifest, spec, storage, location, existing, [(u, partition_of(u[len(data):])) for u in staged], new)

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

    result = CommitResult(
        run_id=manifest.run_id, import_=manifest.import_, status="published",
        engine="glue" if manifest.route == "glue" else "lambda",
        rows_in=totals.rows_in, rows_written=totals.rows_written, rows_rejected=totals.rows_rejected,
        rows_filtered=totals.rows_filtered, rows_deduplicated=totals.rows_deduplicated, bytes_in=totals.bytes_in,
        rows_replaced=removed, files_rewritten=len(rewrites),
        outputs=[location] if copies or deletes else [], partitions=len(partitions), partitions_added=len(added),
        partitions_uri=partitions_uri(manifest), schema_changed=schema_changed, crawl_needed=crawl_needed,
        quarantine_uri=quarantine_uri(spec, manifest.run_id) if totals.rows_rejected else None,
    )
    return CommitIntent(
        run_id=manifest.run_id, import_=manifest.import_, database=target.database, table=target.table,
        location=location, copies=copies, rewrites=rewrites, deletes=deletes, ledger=ledger,
        partitions=partitions, partitions_added=added, partitions_to_register=to_register,
        create_table=create_table, result=result,
    )


def partitions_uri(manifest: Manifest) -> str:
    """``{"partitions": [...], "partitions_added": [...]}`` of a committed run, next to commit.json."""
    return join_uri(manifest.paths.run_dir, "partitions.json")
