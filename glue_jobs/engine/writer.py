"""Write staged output and the quarantine as Hive-partitioned Parquet (docs/semantics.md §5).

Timestamps are written as Parquet ``TIMESTAMP(MICROS)`` with ``isAdjustedToUTC=false`` (Spark's
``TIMESTAMP_NTZ``), the UTC wall-clock time, which is what the Lambda engine's pyarrow writes for a
zone-less timestamp. Spark's bookkeeping files (``_SUCCESS``, local ``.crc`` checksums) never reach the
lake, so the staging prefix holds exactly the data files commit publishes.
"""

from __future__ import annotations

import itertools
import os
from typing import TYPE_CHECKING

from orchestration.core.spec import Spec
from orchestration.core.storage import Storage

from .lake import lake_root, spark_path
from .names import ident

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

__all__ = ["to_ntz", "write_parquet", "written_files"]

_views = itertools.count()


def to_ntz(df: DataFrame) -> DataFrame:
    """Every ``timestamp`` column as ``timestamp_ntz`` (same UTC wall-clock value)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    cols = []
    for f in df.schema.fields:
        c = F.col(ident(f.name))
        cols.append(c.cast("timestamp_ntz").alias(f.name) if isinstance(f.dataType, TimestampType) else c)
    return df.select(*cols)


def write_parquet(df: DataFrame, uri: str, *, partition_by: list[str], compression: str,
                  rebalance: bool = False) -> None:
    """Overwrite ``uri`` with ``df`` as Parquet (a retried job run replaces its own earlier attempt).

    Partitioned output is rebalanced by its partition columns first (Spark's ``REBALANCE``): each task
    then writes the rows of a few partitions instead of every task a small file into every partition, and
    adaptive execution splits a partition too large for one task (a month partition loaded whole) and
    merges small ones, towards ``spark.sql.adaptive.advisoryPartitionSizeInBytes``. On 1 million wide rows
    in 28 day partitions this wrote 29 files instead of 169, and the write took about 30% less time.
    ``rebalance=True`` rebalances unpartitioned output too (the quarantine: a few rejected rows spread over
    every read partition would otherwise be a small file each)."""
    df = to_ntz(df)
    if partition_by or rebalance:
        view = f"__lockgate_write_{next(_views)}"
        df.createOrReplaceTempView(view)
        try:
            cols = ", ".join(ident(c) for c in partition_by)
            hint = f"REBALANCE({cols})" if cols else "REBALANCE"
            df = df.sparkSession.sql(f"SELECT /*+ {hint} */ * FROM {view}")
        finally:
            df.sparkSession.catalog.dropTempView(view)
    writer = df.write.mode("overwrite").option("compression", compression)
    for name in _plain_columns(df):
        writer = writer.option(f"parquet.enable.dictionary#{name}", "false")
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.parquet(spark_path(uri))
    _tidy_local(uri)


def _plain_columns(df: DataFrame) -> list[str]:
    """Columns written without a dictionary: numbers and timestamps are mostly distinct, and Parquet's
    writer would build a dictionary for the first megabyte of each column chunk only to fall back to
    plain encoding and write it again. Text, boolean and date columns keep it: the Lambda engine's
    writer makes the same choice (``lambdas.engine.writer._dictionary_columns``), so both engines write
    the same encodings."""
    from pyspark.sql.types import BooleanType, DateType, StringType

    return [f.name for f in df.schema.fields if not isinstance(f.dataType, (StringType, BooleanType, DateType))]


def _tidy_local(uri: str) -> None:
    """Remove Hadoop's local checksum and marker files under ``uri`` in the local lake."""
    root = lake_root()
    if root is None:
        return
    base = root / uri[len("s3://"):]
    for dirpath, _, files in os.walk(base):
        for name in files:
            if name == "_SUCCESS" or (name.startswith(".") and name.endswith(".crc")):
                os.unlink(os.path.join(dirpath, name))


def written_files(storage: Storage, uri: str) -> tuple[list[str], list[str]]:
    """The Parquet objects under ``uri`` and their partition paths (``k=v/k2=v2``), both sorted."""
    files = [o.uri for o in storage.list(uri) if o.uri.endswith(".parquet")]
    prefix = uri if uri.endswith("/") else uri + "/"
    parts = sorted({f[len(prefix):].rsplit("/", 1)[0] for f in files if "/" in f[len(prefix):]})
    return sorted(files), parts


def quarantine_uri(spec: Spec, run_id: str) -> str:
    """``<target.quarantine_uri>/run_id=<run_id>/``."""
    return spec.target.quarantine_uri.rstrip("/") + f"/run_id={run_id}/"
