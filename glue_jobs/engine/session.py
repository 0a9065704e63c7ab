"""The Spark session: the settings every Lockgate Spark run needs, on Glue and locally.

``configure`` sets what the semantics depend on (UTC session time zone, microsecond Parquet
timestamps, the corrected datetime parser, ANSI mode off so ``try_*`` casts decide failures) on any
session, including Glue's. ``local_session`` builds the small local session used by tests, the local
runtime and ``spark-submit`` runs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SESSION_CONF", "ENGINE_CONF", "MIN_SHUFFLE_PARTITIONS", "QUICK_JIT", "configure", "engine_settings",
           "local_session", "shuffle_conf"]

SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.sources.partitionOverwriteMode": "static",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    # Parquet timestamps in nanoseconds (pandas writes them) are otherwise an "Illegal Parquet type" to Spark 3.5:
    # read as their long, the reader makes them microsecond timestamps as the Lambda engine does.
    "spark.sql.legacy.parquet.nanosAsLong": "true",
}

MAX_OPEN_FILES = 32
"""Output files a write task keeps open at once (one per partition of its rows); the rows buffered in
them are at most the task's share, which the write's rebalance keeps near the advisory partition size."""

ENGINE_CONF: dict[str, str] = {
    # The checked rows are cached once and read twice (quarantine, output). Compressing the columnar
    # cache costs more CPU than it saves for data read back at once; it spills to disk either way.
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
    # The semantics SQL compiles into methods longer than the 8,000 bytes of bytecode a stock JVM will
    # JIT-compile; such a stage would run interpreted. Past that size Spark falls back to per-operator
    # code generation, which splits expressions into small, compiled methods. (Starting the local JVM with
    # -XX:-DontCompileHugeMethods and Spark's default limit instead was measured at 1.8x the route's wall
    # time on 600,000 wide rows: the huge methods' compilation costs more than it saves.)
    "spark.sql.codegen.hugeMethodLimit": "8000",
    # The partitioned write is rebalanced by its partition columns (writer.write_parquet); adaptive
    # execution is what splits a partition too large for one task there, instead of one task writing it.
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.optimizeSkewsInRebalancePartitions": "true",
    # A write task keeps a file open per output partition it meets instead of first sorting its rows by
    # partition (Spark's default; with open files allowed, 3.5 plans no sort into the write): the
    # rebalance has already bounded a task's rows to the advisory size. Writing 2.5 million cached wide
    # rows into 28 day partitions, best of 4 interleaved, three runs on 2026-12-07: 5.26-6.18 s and
    # 8.97-10.15 s of JVM CPU against 5.69-7.41 s and 9.62-11.91 s with the sort (one run even on wall
    # time). Past MAX_OPEN_FILES partitions a task sorts the rest of its rows.
    "spark.sql.maxConcurrentOutputFileWriters": str(MAX_OPEN_FILES),
    # The row counts are observations below the writes' rebalance. When one side is empty (every row
    # rejected, or none), adaptive execution replaced the plan above the shuffle with an empty relation,
    # dropping the observation with it (SPARK-54620): its count came back missing and the run failed.
    "spark.sql.adaptive.optimizer.excludedRules": "org.apache.spark.sql.execution.adaptive.AQEPropagateEmptyRelation",
}
"""Performance settings for the duration of one run (``engine_settings``); results do not depend on them."""

MIN_SHUFFLE_PARTITIONS = 64

QUICK_JIT = "-XX:TieredStopAtLevel=1"
"""The JIT setting of a local session that reads little (``local_session(short=True)``): the client compiler
only. A fresh JVM's optimizing compiler took 22 CPU-s of a 30 s local backfill of 871 KB on 2 cores (the
client compiler alone: 3 CPU-s), the backfill 29-33 s against 24-29 s with it; the Spark tests took 115 s
against 74 s. Over 250 MB it costs: the wide route took 81-84 s against 28-29 s (2026-12-07)."""


def shuffle_conf(spark: SparkSession) -> dict[str, str]:
    """Every shuffle of a run starts from at least ``MIN_SHUFFLE_PARTITIONS`` partitions, which adaptive
    execution then merges towards its advisory size. From the few a small session has (the local
    runtime's 4), the write's rebalance hashed 28 day partitions into 4 uneven buckets, split unevenly
    again: at 2.5 million wide rows the last of 6 write tasks ran alone for about 0.5 s; from 64 buckets,
    5 tasks of even size (the route 3% faster, the same files). A larger setting (Glue's 200) is kept."""
    current = int(spark.conf.get("spark.sql.shuffle.partitions") or 0)
    return {"spark.sql.adaptive.coalescePartitions.initialPartitionNum": str(max(current, MIN_SHUFFLE_PARTITIONS))}


def configure(spark: SparkSession) -> SparkSession:
    """Apply the session settings Lockgate's semantics rely on; returns the session."""
    for key, value in SESSION_CONF.items():
        spark.conf.set(key, value)
    return spark


@contextmanager
def engine_settings(spark: SparkSession, extra: dict[str, str] | None = None) -> Iterator[None]:
    """``ENGINE_CONF`` (and ``extra``) on ``spark`` while the block runs; the previous values afterwards."""
    conf = {**ENGINE_CONF, **(extra or {})}
    saved: dict[str, str | None] = {key: spark.conf.get(key, None) for key in conf}
    for key, value in conf.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, previous in saved.items():
            if previous is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, previous)


def local_session(app_name: str = "lockgate", cores: int = 2, shuffle_partitions: int = 4, *,
                  small_data: bool = False, short: bool = False) -> SparkSession:
    """A local-mode session: ``local[cores]``, few shuffle partitions, no UI, UTC.

    ``small_data`` (tests) turns code generation off: the semantics SQL is large, and compiling it
    costs more than interpreting it over a few hundred rows. ``short`` (a run that reads little, and
    implied by ``small_data``) starts the JVM with ``QUICK_JIT``. Results are the same either way.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.default.parallelism", str(cores))
        .config("spark.driver.memory", os.environ.get("LOCKGATE_SPARK_MEMORY", "1g"))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.python.worker.reuse", "true")
        # Workers forked from a daemon that makes PySpark's per-task import-cache invalidation cheap on
        # Python 3.11 (glue_jobs.zipcache): 0.3 s of CPU per task otherwise.
        .config("spark.python.daemon.module", "glue_jobs.pydaemon")
        .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError -Dlog4j2.level=WARN"
                + (f" {QUICK_JIT}" if short or small_data else ""))
    )
    if small_data:
        builder = builder.config("spark.sql.codegen.wholeStage", "false").config(
            "spark.sql.codegen.factoryMode", "NO_CODEGEN")
    for key, value in SESSION_CONF.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return configure(spark)
