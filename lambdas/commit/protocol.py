"""Publishing a run: replay the commit intent phase by phase, then record the result (ADR 0003).

    commit.json exists        -> done before: return it, touch nothing
    commit-intent.json absent -> check the run and write the intent (phase copying)
    copying                   -> copy every staged file to its deterministic target name; phase deleting
    deleting                  -> delete the replaced target files, register partitions; phase cleaning
    cleaning                  -> remove staging, write commit.json

Each step is idempotent (copies overwrite the same name, deletes of missing objects succeed, partition
registration skips existing ones), so a commit that dies anywhere and runs again ends in the same state.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from orchestration.contracts import CommitResult, Manifest
from orchestration.spec import Spec
from orchestration.storage import Storage

from .catalog import CatalogPort, get_catalog
from .intent import CommitIntent, intent_uri, plan_commit

__all__ = ["commit_run", "load_manifest"]

log = logging.getLogger(__name__)


def load_manifest(manifest_uri: str, storage: Storage) -> Manifest:
    return Manifest.model_validate(storage.read_json(manifest_uri))


def _save(storage: Storage, uri: str, intent: CommitIntent) -> None:
    storage.write_json(uri, intent.model_dump(mode="json", by_alias=True))


def commit_run(manifest: Manifest, storage: Storage, *, catalog: CatalogPort | None = None) -> CommitResult:
    """Check and publish one run; safe to call again after success or after a crash at any point.

    Raises AccountingError / QualityError (nothing published), PublishError, StorageError (retryable).
    """
    started = time.monotonic()
    paths = manifest.paths
    if storage.exists(paths.commit):
        log.info("run %s was committed before; returning its record", manifest.run_id)
        return CommitResult.model_validate(storage.read_json(paths.commit))
    catalog = catalog if catalog is not None else get_catalog()
    iuri = intent_uri(manifest)
    if storage.exists(iuri):
        intent = CommitIntent.model_validate(storage.read_json(iuri))
        log.info("resuming commit of run %s at phase %s", manifest.run_id, intent.phase)
    else:
        intent = plan_commit(manifest, storage, catalog)
        _save(storage, iuri, intent)

    if intent.phase == "copying":
        for c in intent.copies:
            storage.copy(c.src, c.dst)
        intent.phase = "deleting"
        _save(storage, iuri, intent)
    if intent.phase == "deleting":
        for uri in intent.deletes:
            storage.delete(uri)
        if intent.create_table:
            from crawlers.register import ensure_table

            ensure_table(catalog, Spec.model_validate(manifest.spec))  # type: ignore[arg-type]
        if intent.partitions_to_register:
            catalog.add_partitions(intent.database, intent.table, intent.partitions_to_register, intent.location)
        intent.phase = "cleaning"
        _save(storage, iuri, intent)
    storage.delete_prefix(paths.staging)
    result = intent.result.model_copy(update={"duration_s": round(time.monotonic() - started, 3)})
    storage.write_json(paths.commit, _dump(result))
    return result


def _dump(result: CommitResult) -> dict[str, Any]:
    return result.model_dump(mode="json", by_alias=True)
