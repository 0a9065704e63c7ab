"""Publishing a run: replay the commit intent phase by phase, then record the result (ADR 0003).

    commit.json exists        -> done before: return it, touch nothing
    take the import's lease   -> wait for another run's commit; finish a crashed holder's commit first
    commit-intent.json absent -> check the run and write the intent (phase copying)
    copying                   -> claim the location, copy every staged file to its deterministic target
                                 name, write rewrites of files that keep other windows' rows; phase deleting
    deleting                  -> delete the replaced target files, write the ledger, register partitions;
                                 phase cleaning
    cleaning                  -> remove staging, write partitions.json and commit.json; release the lease

Each step is idempotent (copies overwrite the same name, deletes of missing objects succeed, partition
registration skips existing ones), so a commit that dies anywhere and runs again ends in the same state.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from orchestration.core.contracts import CommitResult, Manifest, RunPaths
from orchestration.core.manifests import load_manifest
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import join_uri
from orchestration.core.storage import TMP_PREFIX, Storage

from .catalog import CatalogPort, get_catalog
from .intent import CommitIntent, intent_uri, plan_commit
from .lease import lease_for, local_files, wait_seconds
from .ownership import claim_owner
from .replace import ledger_uri, rewrite_without

__all__ = ["commit_run", "load_manifest"]

log = logging.getLogger(__name__)


def _save(storage: Storage, uri: str, intent: CommitIntent) -> None:
    storage.write_json(uri, intent.model_dump(mode="json", by_alias=True))


def commit_run(manifest: Manifest, storage: Storage, *, catalog: CatalogPort | None = None,
               wait_s: float | None = None) -> CommitResult:
    """Check and publish one run; safe to call again after success or after a crash at any point.

    Holds the import's commit lease (``lease``) while it plans and publishes; first finishes the commit of
    a previous holder that did not release it. Raises AccountingError / QualityError (nothing published),
    PublishError, TransientError (another run holds the lease; retryable), StorageError (retryable).
    """
    started = time.monotonic()
    paths = manifest.paths
    if storage.exists(paths.commit):
        log.info("run %s was committed before; returning its record", manifest.run_id)
        return CommitResult.model_validate(storage.read_json(paths.commit))
    catalog = catalog if catalog is not None else get_catalog()
    lease = lease_for(storage, manifest.control_uri, manifest.import_, manifest.run_id)
    previous = lease.acquire(wait_seconds() if wait_s is None else wait_s)
    began = False
    try:
        if previous is not None:
            _finish_interrupted(RunPaths(manifest.control_uri, manifest.import_, previous), storage, catalog)
            lease.settle()
        location = Spec.model_validate(manifest.spec).target.location
        sweep_temp(storage, location)
        iuri = intent_uri(manifest)
        if storage.exists(paths.commit):  # a run that took the lease over finished this one meanwhile
            lease.release(clean=True)
            return CommitResult.model_validate(storage.read_json(paths.commit))
        if storage.exists(iuri):
            intent = CommitIntent.model_validate(storage.read_json(iuri))
            log.info("resuming commit of run %s at phase %s", manifest.run_id, intent.phase)
        else:
            intent = plan_commit(manifest, storage, catalog)
            _save(storage, iuri, intent)
        began = True
        result = _publish(intent, paths, storage, catalog, manifest.spec, started)
    except BaseException:
        lease.release(clean=not began)
        raise
    lease.release(clean=True)
    return result


def _finish_interrupted(paths: RunPaths, storage: Storage, catalog: CatalogPort) -> None:
    """Finish the commit a previous lease holder began and did not end (ADR 0003, recovery)."""
    iuri = join_uri(paths.run_dir, "commit-intent.json")
    if storage.exists(paths.commit) or not storage.exists(iuri):
        return  # it finished, or failed before touching the target
    intent = CommitIntent.model_validate(storage.read_json(iuri))
    log.warning("finishing the interrupted commit of run %s (phase %s) before this run", intent.run_id, intent.phase)
    manifest = load_manifest(paths.manifest, storage)
    _publish(intent, paths, storage, catalog, manifest.spec, time.monotonic())


def _publish(intent: CommitIntent, paths: RunPaths, storage: Storage, catalog: CatalogPort,
             spec_json: dict[str, Any], started: float) -> CommitResult:
    """Replay ``intent`` from its phase to the end; writes partitions.json and commit.json."""
    iuri = join_uri(paths.run_dir, "commit-intent.json")
    spec = Spec.model_validate(spec_json)
    if intent.phase == "copying":
        claim_owner(storage, intent.location, spec.name)
        for c in intent.copies:
            storage.copy(c.src, c.dst)
        for r in intent.rewrites:
            if storage.exists(r.src):
                rewrite_without(storage, r.src, r.dst, r.drop, spec.target.compression)
        intent.phase = "deleting"
        _save(storage, iuri, intent)
    if intent.phase == "deleting":
        for uri in intent.deletes:
            storage.delete(uri)
        storage.write_json(ledger_uri(intent.location), {"import": spec.name, "sources": intent.ledger})
        if intent.create_table:
            from crawlers.register import ensure_table

            ensure_table(catalog, spec)  # type: ignore[arg-type]
        if intent.partitions_to_register:
            catalog.add_partitions(intent.database, intent.table, intent.partitions_to_register, intent.location)
        intent.phase = "cleaning"
        _save(storage, iuri, intent)
    storage.delete_prefix(paths.staging)
    sweep_temp(storage, paths.staging)
    if intent.result.partitions_uri:
        storage.write_json(intent.result.partitions_uri, {"partitions": intent.partitions,
                                                          "partitions_added": intent.partitions_added})
    result = intent.result.model_copy(update={"duration_s": round(time.monotonic() - started, 3)})
    storage.write_json(paths.commit, _dump(result))
    log.info("run %s published: %d rows written, %d rows of earlier runs of its window replaced, %d files "
             "rewritten", intent.run_id, result.rows_written, result.rows_replaced, result.files_rewritten)
    return result


def sweep_temp(storage: Storage, prefix: str) -> None:
    """Remove in-flight temp files a killed process left under ``prefix`` in the local lake (S3 never shows
    a partial object). Only called under the lease, when nothing else writes there."""
    if not local_files(storage):
        return
    root = storage.path(prefix.rstrip("/") + "/")  # type: ignore[attr-defined]
    if root.is_dir():
        for p in root.rglob(TMP_PREFIX + "*"):
            p.unlink(missing_ok=True)


def _dump(result: CommitResult) -> dict[str, Any]:
    return result.model_dump(mode="json", by_alias=True)
