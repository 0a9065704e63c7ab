"""Lockgate's Glue job: process one run's manifest with the Spark engine (docs/glue.md).

Runs unchanged on AWS Glue 5.x and locally::

    spark-submit glue_jobs/job.py --JOB_NAME lockgate-orders --spec_uri s3://ctl/specs/orders.json \\
        --manifest_uri s3://ctl/runs/orders/RUN/manifest.json --run_id RUN \\
        --staging_uri s3://ctl/staging/orders/RUN/ --result_uri s3://ctl/runs/orders/RUN/results/glue.json

On Glue the project code arrives through ``--extra-py-files`` (a zip holding ``orchestration`` and
``glue_jobs``); locally ``LOCKGATE_LAKE`` maps ``s3://`` URIs into the local lake. ``main`` is thin: it
parses arguments, builds the session (GlueContext when Glue's runtime is there, a plain SparkSession
otherwise) and calls ``glue_jobs.engine.run_manifest``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ARGUMENTS = ["JOB_NAME", "spec_uri", "manifest_uri", "run_id", "staging_uri", "result_uri"]


def resolve_arguments(argv: list[str]) -> dict[str, str]:
    """The job arguments, parsed the way Glue passes them (``--name value``)."""
    from awsglue.utils import getResolvedOptions

    return getResolvedOptions(argv, ARGUMENTS)


def _has_glue_runtime(spark: SparkSession) -> bool:
    """True on AWS Glue: its JVM classes are on the driver's classpath."""
    try:
        jvm = spark.sparkContext._jvm
        return jvm is not None and type(jvm.com.amazonaws.services.glue.GlueContext).__name__ == "JavaClass"
    except Exception:
        return False


def _reads_little(args: dict[str, str]) -> bool:
    """True when the run's objects are estimated to hold less than a block (a fresh local JVM then compiles
    less, ``session.QUICK_JIT``)."""
    from glue_jobs.engine.readers import SHORT_RUN_BYTES, estimated_bytes
    from orchestration.core.manifests import load_manifest
    from orchestration.core.storage import get_storage

    return estimated_bytes(load_manifest(args["manifest_uri"], get_storage()).objects) < SHORT_RUN_BYTES


def start_session(args: dict[str, str]) -> tuple[SparkSession, Any]:
    """(session, Glue Job or None). Glue: GlueContext + Job.init. spark-submit: its session. python: local."""
    from glue_jobs.engine.session import configure, local_session

    if "PYSPARK_GATEWAY_PORT" in os.environ or os.environ.get("GLUE_VERSION"):
        from pyspark.sql import SparkSession

        spark = SparkSession.builder.getOrCreate()
    else:
        spark = local_session(args.get("JOB_NAME") or "lockgate", short=_reads_little(args))
    job = None
    if _has_glue_runtime(spark):
        from awsglue.context import GlueContext
        from awsglue.job import Job

        glue = GlueContext(spark.sparkContext)
        spark = glue.spark_session
        job = Job(glue)
        job.init(args["JOB_NAME"], args)
    spark.sparkContext._jsc.hadoopConfiguration().set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
    return configure(spark), job


def main(argv: list[str] | None = None) -> int:
    from glue_jobs.engine import run_job

    args = resolve_arguments(sys.argv if argv is None else argv)
    spark, job = start_session(args)
    result = run_job(spark, args)
    print(f"lockgate: {result.import_} run {result.run_id}: {result.rows_in} in, {result.rows_written} written, "
          f"{result.rows_rejected} rejected, {result.rows_filtered} filtered, "
          f"{result.rows_deduplicated} deduplicated -> {args['result_uri']}")
    if job is not None:
        job.commit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
