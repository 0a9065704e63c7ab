"""The Spark engine: the same semantics as the Lambda engine (docs/semantics.md), run natively in Spark.

``run_job`` takes the Glue job arguments; ``run_manifest`` takes a parsed manifest (tests call it
directly). Modules: ``textparse`` (CSV/JSONL text with line numbers), ``readers`` (Spark reading),
``validate`` (casts and rules from ``orchestration.core.semantics``), ``transform`` (derive, filter, hook,
dedupe), ``writer`` (Parquet output and quarantine), ``lake`` (URI mapping), ``session`` (settings).
Importing the package installs ``glue_jobs.zipcache`` (a Spark Python worker imports it for its first task
of ours; a local session's workers have it from their daemon, ``glue_jobs.pydaemon``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from glue_jobs import zipcache
from orchestration.core.contracts import BatchResult
from orchestration.core.errors import ConfigError
from orchestration.core.manifests import load_manifest
from orchestration.core.storage import Storage, get_storage

from .run import run_manifest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["run_job", "run_manifest", "load_manifest"]

zipcache.install()


def run_job(spark: SparkSession, args: dict[str, str], storage: Storage | None = None) -> BatchResult:
    """Run the Glue job for its arguments (``manifest_uri``, ``run_id``, ``staging_uri``, ``result_uri``)."""
    storage = storage or get_storage()
    manifest = load_manifest(args["manifest_uri"], storage)
    if manifest.run_id != args["run_id"]:
        raise ConfigError(f"--run_id {args['run_id']!r} does not match the manifest's run_id {manifest.run_id!r}; "
                          "pass the execution name the manifest was planned for", where=args["manifest_uri"])
    return run_manifest(spark, manifest, staging_uri=args["staging_uri"], result_uri=args["result_uri"],
                        storage=storage)
