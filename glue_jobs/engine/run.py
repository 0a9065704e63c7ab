"""One Glue run over the whole manifest: read, validate, derive, filter, hook, dedupe, write, account.

``run_manifest`` is the pure entry point tests call directly; ``glue_jobs/job.py`` only parses
arguments, builds the session and calls it. Row accounting uses Spark observations on the output
write, so counting costs no extra pass over the data.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from orchestration.core.contracts import BatchResult, Manifest, SourceObject
from orchestration.core.errors import AccountingError, DataError
from orchestration.core.spec import Spec
from orchestration.core.storage import Storage

from .lines import split_conf
from .names import ident
from .readers import account_text, block_size, raw_column, read_parquet_sources, text_rows
from .session import engine_settings, shuffle_conf
from .transform import apply_filter, apply_hook, dedupe, derive, output_order
from .validate import Group, Validated, check_text, split_text, validate
from .writer import quarantine_uri, write_parquet, written_files

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["run_manifest", "ingested_at"]


def ingested_at(manifest: Manifest) -> datetime:
    """The run's start as a UTC datetime (``_ingested_at``)."""
    value = datetime.fromisoformat(manifest.started_at)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _named(df: DataFrame, spec: Spec) -> DataFrame:
    """Raw columns under their source names, next to ``_source_file``, ``_record``, ``_parse_error``."""
    from pyspark.sql import functions as F

    cols = [F.col(raw_column(i)).alias(c.source_name) for i, c in enumerate(spec.columns)]
    return df.select(*cols, "_source_file", "_record", "_parse_error")


def _spark_type_name(data_type: object) -> str:
    from pyspark.sql.types import DataType

    assert isinstance(data_type, DataType)
    name = data_type.simpleString()
    return "timestamp" if name == "timestamp_ntz" else name


def _parquet_groups(spark: SparkSession, spec: Spec, manifest: Manifest) -> tuple[list[Group], int, dict[str, list[str]]]:
    from pyspark.sql import functions as F

    groups: list[Group] = []
    rows_in = 0
    parts, extra = read_parquet_sources(spark, spec, manifest.objects)
    for df, missing in parts:
        typed: set[str] = set()
        cols = []
        for i, c in enumerate(spec.columns):
            field = df.schema[raw_column(i)]
            if c.source_name not in missing and _spark_type_name(field.dataType) == str(c.column_type):
                typed.add(c.source_name)
                cols.append(F.col(raw_column(i)))
            else:
                cols.append(F.col(raw_column(i)).cast("string").alias(raw_column(i)))
        df = df.select(*cols, "_source_file", "_record", "_parse_error")
        rows_in += df.count()
        groups.append(Group(_named(df, spec), missing=frozenset(missing), typed=frozenset(typed)))
    return groups, rows_in, extra


def _text_checked(spark: SparkSession, spec: Spec, manifest: Manifest) -> tuple[Validated, int, dict[str, list[str]]]:
    """Parse and check CSV/JSONL in one cached pass; the objects' ``_info`` rows are collected from the
    cache (that fills it), so a file that cannot be read fails the run before anything is written."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    text = text_rows(spark, spec, manifest.objects)
    checked = check_text(spark, spec, text.rows)
    try:
        # The same pass counts the records the quick check did not pass; with none, nothing is checked again
        # and the quarantine pass is skipped.
        obs = Observation("checked")
        pending = F.expr("_info IS NULL AND NOT (coalesce(_ok, FALSE) AND _parse_error IS NULL AND _missing IS NULL)")
        observed = checked.observe(obs, F.count_if(pending).alias("n"))
        infos = [json.loads(r["_info"]) for r in observed.where("_info IS NOT NULL").select("_info").collect()]
        read = account_text(infos + text.line_infos(), manifest.objects, text.line_records())
        unsettled = int(obs.get["n"])
        validated = split_text(spark, spec, checked, read.missing_sets, unsettled=unsettled > 0)
    except BaseException:
        checked.unpersist()
        raise
    return (Validated(validated.valid, validated.rejected, [checked, *validated.cached],
                      none_rejected=unsettled == 0),
            read.rows_in, read.extra_columns)


def run_manifest(spark: SparkSession, manifest: Manifest, *, staging_uri: str, result_uri: str,
                 storage: Storage) -> BatchResult:
    """Process every object of ``manifest``, write staging data, quarantine and the ``BatchResult``."""
    text = Spec.model_validate(manifest.spec).source.format != "parquet"
    with engine_settings(spark, {**(split_conf(block_size()) if text else {}), **shuffle_conf(spark)}):
        return _run(spark, manifest, staging_uri=staging_uri, result_uri=result_uri, storage=storage)


def _run(spark: SparkSession, manifest: Manifest, *, staging_uri: str, result_uri: str,
         storage: Storage) -> BatchResult:
    started = time.monotonic()
    spec = Spec.model_validate(manifest.spec)
    staging_data = staging_uri.rstrip("/") + "/data/"
    result = BatchResult(run_id=manifest.run_id, import_=manifest.import_, engine="glue", unit="glue",
                         bytes_in=sum(o.size for o in manifest.objects))
    if manifest.objects:
        if spec.source.format == "parquet":
            groups, rows_in, extra = _parquet_groups(spark, spec, manifest)
            checked = validate(spark, spec, groups)
        else:
            checked, rows_in, extra = _text_checked(spark, spec, manifest)
        try:
            rejected, valid, hooked, written = _write(checked, spec, manifest, staging_data, storage)
        finally:
            checked.release()
        if valid + rejected != rows_in:
            raise AccountingError(f"read {rows_in} rows but validated {valid} and rejected {rejected}",
                                  where=f"glue job {manifest.import_}/{manifest.run_id}")
        if hooked > valid:
            raise DataError(f"hook {spec.hooks.spark} returned {hooked} rows from {valid}; a hook may remove "
                            "rows but must not add any", where=f"{spec.name}: hooks.spark")
        result.rows_in, result.rows_rejected = rows_in, rejected
        result.rows_filtered, result.rows_deduplicated, result.rows_written = valid - hooked, hooked - written, written
        result.extra_columns = extra
        if written:
            result.files_written, result.partitions = written_files(storage, staging_data)
        _check_unchanged(storage, manifest.objects)
    result.duration_s = round(time.monotonic() - started, 3)
    storage.write_json(result_uri, result.model_dump(mode="json", by_alias=True))
    return result


def _check_unchanged(storage: Storage, objects: list[SourceObject]) -> None:
    """Fails the job when an object's size or version is no longer what plan saw (a producer appended to it
    or rewrote it during the run): Spark's reads of a text object end at the planned size, so the rows past
    it would be lost without a word while the Lambda engine would read them, and a rewrite during the read
    could mix two versions' lines at a split's edge. Checked once the job's reads are done, 16 objects at a
    time; an object deleted after it was read is not a change to what was read."""
    from concurrent.futures import ThreadPoolExecutor

    from orchestration.core.storage import ObjectInfo, ObjectNotFoundError

    def stat(obj: SourceObject) -> ObjectInfo | None:
        try:
            return storage.stat(obj.uri)
        except ObjectNotFoundError:
            return None

    with ThreadPoolExecutor(max_workers=16, thread_name_prefix="lockgate-stat") as pool:
        for obj, now in zip(objects, pool.map(stat, objects), strict=True):
            if now is not None:
                obj.check_unchanged(now.size, now.version)


def _write(checked: Validated, spec: Spec, manifest: Manifest, staging_data: str,
           storage: Storage) -> tuple[int, int, int, int]:
    """Write quarantine and output; returns (rejected, valid, after hook, written) row counts."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    quarantine = quarantine_uri(spec, manifest.run_id)
    rejected_count = 0
    if not checked.none_rejected:
        obs_rejected = Observation("rejected")
        q = checked.rejected.select("*", F.lit(manifest.run_id).alias("_run_id")).observe(
            obs_rejected, F.count(F.lit(1)).alias("n"))
        names = [c for c in q.columns if c not in ("_source_file", "_record", "_run_id", "_errors")]
        q = q.select(*[ident(n) for n in names], "_source_file", "_record", "_run_id", "_errors")
        write_parquet(q, quarantine, partition_by=[], compression=spec.target.compression, rebalance=True)
        rejected_count = int(obs_rejected.get["n"])
    if not rejected_count:  # also removes what an earlier attempt of this run left
        storage.delete_prefix(quarantine)
    obs_valid, obs_hooked, obs_written = Observation("valid"), Observation("hooked"), Observation("written")
    df = checked.valid.withColumns({
        "_run_id": F.lit(manifest.run_id), "_ingested_at": F.lit(ingested_at(manifest)).cast("timestamp"),
    }).observe(obs_valid, F.count(F.lit(1)).alias("n"))
    df = apply_hook(apply_filter(derive(df, spec), spec), spec).observe(obs_hooked, F.count(F.lit(1)).alias("n"))
    df = output_order(dedupe(df, spec), spec).observe(obs_written, F.count(F.lit(1)).alias("n"))
    write_parquet(df, staging_data, partition_by=list(spec.target.partition_by), compression=spec.target.compression)
    written = int(obs_written.get["n"])
    if not written:
        storage.delete_prefix(staging_data)
    return rejected_count, int(obs_valid.get["n"]), int(obs_hooked.get["n"]), written
