"""The Spark engine end to end over a local lake: rules, accounting, metadata, outputs, failures."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from glue_jobs.engine import run_manifest
from glue_jobs.engine.session import MAX_OPEN_FILES
from orchestration.core.errors import DataError
from orchestration.core.storage import LocalLake
from tests.glue.spark import put, spec_of, stage_run
from tests.parity.harness import dictionary_columns

pytestmark = pytest.mark.spark

ORDERS = {
    "columns": [
        {"name": "order_id", "type": "bigint", "nullable": False, "source": "OrderID"},
        {"name": "amount", "type": "decimal(12,2)", "checks": ["amount >= 0"]},
        {"name": "currency", "type": "string", "allowed": ["EUR", "USD"]},
        {"name": "status", "type": "string"},
        {"name": "ordered_at", "type": "timestamp", "format": "yyyy-MM-dd HH:mm:ss"},
    ],
    "derive": {"order_date": "CAST(ordered_at AS DATE)"},
    "filter": "status <> 'test'",
    "dedupe": {"keys": ["order_id"], "order_by": "ordered_at DESC"},
    "target": {"database": "d", "table": "t", "location": "s3://lake/orders/", "partition_by": ["order_date"]},
}
CSV = (
    "OrderID,amount,currency,status,ordered_at,channel\n"
    "1,10.005,EUR,paid,2024-03-01 10:00:00,web\n"        # 2 ok (amount rounds half-up to 10.01)
    "2,abc,EUR,paid,2024-03-01 11:00:00,web\n"           # 3 cast:amount
    ",-1,JPY,paid,2024-03-01 12:00:00,web\n"             # 4 not_null, check, allowed
    "3,5,USD,test,2024-03-01 13:00:00,app\n"             # 5 filtered
    "1,7,EUR,paid,2024-03-02 09:00:00,app\n"             # 6 newer duplicate of 1: kept
    "4,\"1,5\",EUR,\"multi\nline\",2024-03-01 14:00:00,web\n"  # 7-8 cast:amount, record starts at 7
    "5,1,EUR\n"                                           # 9 parse: field count
)


def _result(lake: Path, uri: str) -> dict:
    return json.loads((lake / uri.removeprefix("s3://")).read_text())


def test_csv_run_accounts_for_every_row_and_writes_partitions(spark, lake: Path) -> None:
    spec = spec_of(ORDERS)
    m = stage_run(lake, spec, {"a.csv": CSV})
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written, r.rows_rejected, r.rows_filtered, r.rows_deduplicated) == (7, 1, 4, 1, 1)
    assert r.engine == "glue" and r.unit == "glue"
    assert r.extra_columns == {"s3://raw/in/a.csv": ["channel"]}
    assert r.partitions == ["order_date=2024-03-02"]
    assert _result(lake, m.paths.glue_result)["rows_written"] == 1

    data = lake / m.paths.staging_data.removeprefix("s3://")
    table = ds.dataset(data, format="parquet", partitioning="hive").to_table()
    rows = table.to_pylist()
    assert [(x["order_id"], x["amount"], x["_record"], str(x["order_date"])) for x in rows] == [
        (1, Decimal("7.00"), 6, "2024-03-02")]
    first_file = next(data.rglob("*.parquet"))
    schema = pq.read_schema(first_file)
    assert schema.names == ["order_id", "amount", "currency", "status", "ordered_at", "_source_file", "_record",
                            "_run_id", "_ingested_at"]
    ts_type = schema.field("ordered_at").type
    assert str(ts_type) == "timestamp[us]"
    assert '"isAdjustedToUTC": false' in pq.ParquetFile(first_file).schema.column(4).logical_type.to_json()
    assert not list(data.rglob("_SUCCESS")) and not list(data.rglob(".*.crc"))

    quarantine = pq.read_table(lake / "lake" / "orders_quarantine" / "run_id=run-1").to_pylist()
    by_record = {q["_record"]: q["_errors"] for q in quarantine}
    assert by_record == {
        3: ["cast:amount"],
        4: ["not_null:order_id", "check:amount >= 0", "allowed:currency"],
        7: ["cast:amount"],
        9: ["parse:field count 3, expected 6"],
    }
    assert {q["_run_id"] for q in quarantine} == {"run-1"}
    assert next(q for q in quarantine if q["_record"] == 7)["status"] == "multi\nline"


def test_values_metadata_and_types(spark, lake: Path) -> None:
    spec = spec_of({"columns": [{"name": "id", "type": "int"}, {"name": "ok", "type": "boolean"},
                                {"name": "d", "type": "date"}, {"name": "ts", "type": "timestamp"},
                                {"name": "x", "type": "double"}], "source": {"uri": "s3://raw/in/", "format": "jsonl"}})
    lines = ['{"id": 1, "ok": "Yes", "d": "2024-02-29", "ts": "2024-03-01T10:00:00.1234567+02:00", "x": 1.50}',
             "", '{"id": "2", "ok": false, "d": "2024-01-01", "ts": "2024-03-01", "x": "NaN", "more": {"a": [1]}}']
    m = stage_run(lake, spec, {"e.jsonl.gz": "\n".join(lines) + "\n"})
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written) == (2, 2)
    assert r.extra_columns == {"s3://raw/in/e.jsonl.gz": ["more"]}
    rows = sorted(pq.read_table(lake / m.paths.staging_data.removeprefix("s3://")).to_pylist(), key=lambda x: x["id"])
    assert rows[0]["ok"] is True and rows[0]["d"] == date(2024, 2, 29)
    assert rows[0]["ts"] == datetime(2024, 3, 1, 8, 0, 0, 123456)
    assert rows[0]["_record"] == 1 and rows[1]["_record"] == 3
    assert rows[1]["x"] != rows[1]["x"]  # NaN
    assert rows[0]["_source_file"] == "s3://raw/in/e.jsonl.gz" and rows[0]["_run_id"] == "run-1"
    assert rows[0]["_ingested_at"] == datetime(2024, 3, 2, 3, 4, 5, 123456)


def test_missing_column_rejects_every_row_of_that_object(spark, lake: Path) -> None:
    spec = spec_of({"columns": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]})
    m = stage_run(lake, spec, {"1.csv": "a,b\n1,x\n", "2.csv": "a\n2\n3\n"})
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (3, 1, 2)
    q = pq.read_table(lake / "lake" / "t_quarantine" / "run_id=run-1").to_pylist()
    assert sorted((x["_source_file"], x["_record"], tuple(x["_errors"]), x["a"]) for x in q) == [
        ("s3://raw/in/2.csv", 2, ("missing_column:b",), "2"), ("s3://raw/in/2.csv", 3, ("missing_column:b",), "3")]


def test_small_objects_share_read_partitions_with_exact_records_and_one_quarantine_file(spark, lake: Path) -> None:
    """Twenty-four small objects, three in four of them gzip streams, are packed into the session's 8 read
    partitions (so streams share partitions): every row keeps its object and line, and the rejected rows, one per object,
    are rebalanced into one quarantine file instead of a small file per read partition."""
    from glue_jobs.engine.readers import partition_tasks

    files = {f"{i:02}.csv" + (".gz" if i % 4 else ""): f"a\n{i}\nbad{i}\n{100 + i}\n" for i in range(24)}
    m = stage_run(lake, spec_of({"columns": [{"name": "a", "type": "int"}]}), files)
    tasks = sorted(((o.uri, "stream" if o.compression != "none" else "piece", 0, o.size, 0, o.compression, None, k)
                    for k, o in enumerate(m.objects)), key=lambda t: t[1] != "stream")  # streams first, as read
    assert any(sum(t[1] == "stream" for t in g) > 1 for g in
               partition_tasks(tasks, 32 << 20, 8, {o.uri: o.size for o in m.objects}))
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (72, 48, 24)
    rows = pq.read_table(lake / m.paths.staging_data.removeprefix("s3://")).to_pylist()
    assert sorted((x["_source_file"], x["_record"], x["a"]) for x in rows) == sorted(
        (f"s3://raw/in/{name}", line, value) for i, name in enumerate(files) for line, value in ((2, i), (4, 100 + i)))
    quarantine = list((lake / "lake" / "t_quarantine" / "run_id=run-1").glob("*.parquet"))
    assert len(quarantine) == 1
    assert sorted((x["_source_file"], x["_record"], x["a"]) for x in pq.read_table(quarantine[0]).to_pylist()) == sorted(
        (f"s3://raw/in/{name}", 3, f"bad{i}") for i, name in enumerate(files))


@pytest.mark.parametrize("partition_by", [[], ["day"]])
def test_a_run_that_rejects_every_row_counts_them_and_writes_no_output(spark, lake: Path,
                                                                       partition_by: list[str]) -> None:
    """The counts are observations below the writes' rebalance; with one side empty, adaptive execution
    used to drop the plan above the shuffle and the observation with it (SPARK-54620: a KeyError)."""
    spec = spec_of({"columns": [{"name": "id", "type": "int"}, {"name": "day", "type": "date"}],
                    "target": {"database": "d", "table": "t", "location": "s3://lake/t/", "partition_by": partition_by}})
    m = stage_run(lake, spec, {"a.csv": "id,day\nx,2024-01-01\ny,2024-01-02\n"})
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (2, 0, 2)
    assert not (lake / m.paths.staging_data.removeprefix("s3://")).exists()
    assert len(pq.read_table(lake / "lake" / "t_quarantine" / "run_id=run-1").to_pylist()) == 2


def test_parquet_objects_are_grouped_by_their_footers_without_a_spark_job_each(spark, lake: Path) -> None:
    """Thirty Parquet objects of two schemas (one with a footer over the 64 KB first read) are two groups:
    Spark infers a schema twice, not thirty times; every object's rows, extra columns and record numbers are
    kept; a truncated object fails the run, named."""
    import io

    import pyarrow as pa

    from glue_jobs.engine.readers import read_parquet_sources

    def parquet(table: pa.Table) -> bytes:
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return buf.getvalue()

    wide = {f"unused_{i:04}": pa.array([i, i]) for i in range(1500)}  # a footer of about 100 KB
    files = {f"a{k:02}.parquet": parquet(pa.table({"a": [k, k + 100]})) for k in range(20)}
    files |= {f"b{k:02}.parquet": parquet(pa.table({"a": [k, -1], **wide})) for k in range(10)}
    assert int.from_bytes(files["b00.parquet"][-8:-4], "little") > 1 << 16  # read again, whole
    spec = spec_of({"source": {"uri": "s3://raw/in/", "format": "parquet"}, "columns": [{"name": "a", "type": "bigint"}]})
    m = stage_run(lake, spec, files)
    spark.sparkContext.setJobGroup("footers", "read_parquet_sources")
    try:
        parts, extra = read_parquet_sources(spark, spec, m.objects)
        jobs = spark.sparkContext.statusTracker().getJobIdsForGroup("footers")
    finally:
        spark.sparkContext.setLocalProperty("spark.jobGroup.id", None)
    assert len(parts) == 2 and len(jobs) <= 2
    assert sorted(extra) == [f"s3://raw/in/b{k:02}.parquet" for k in range(10)]
    assert extra["s3://raw/in/b00.parquet"] == list(wide)
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (60, 60, 0)
    rows = pq.read_table(lake / m.paths.staging_data.removeprefix("s3://")).to_pylist()
    assert sorted((x["_source_file"], x["_record"], x["a"]) for x in rows) == sorted(
        [(f"s3://raw/in/a{k:02}.parquet", i, v) for k in range(20) for i, v in enumerate((k, k + 100))]
        + [(f"s3://raw/in/b{k:02}.parquet", i, v) for k in range(10) for i, v in enumerate((k, -1))])

    truncated = files["a00.parquet"][:-20]
    m = stage_run(lake, spec, {"ok.parquet": files["a01.parquet"], "cut.parquet": truncated}, run_id="run-2")
    with pytest.raises(DataError, match="not a Parquet file or is truncated") as failed:
        run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert failed.value.where == "s3://raw/in/cut.parquet"


def test_corrupt_gzip_fails_the_run_naming_the_object(spark, lake: Path) -> None:
    spec = spec_of({"columns": [{"name": "a", "type": "int"}]})
    m = stage_run(lake, spec, {"ok.csv": "a\n1\n"})
    (lake / "raw/in/bad.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    m.objects.append(m.objects[0].model_copy(update={"uri": "s3://raw/in/bad.csv.gz", "compression": "gzip"}))
    with pytest.raises(DataError, match=r"s3://raw/in/bad.csv.gz.*gzip"):
        run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    # The bad object is found before anything is written, and the failed run leaves nothing cached.
    assert not (lake / "lake" / "t_quarantine").exists()
    assert not (lake / m.paths.staging.removeprefix("s3://")).exists()
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()


def test_a_run_restores_the_session_settings_and_drops_its_cache(spark, lake: Path) -> None:
    from glue_jobs.engine.session import ENGINE_CONF

    first, second = "spark.sql.codegen.hugeMethodLimit", "spark.sql.inMemoryColumnarStorage.compressed"
    skew = "spark.sql.adaptive.optimizeSkewsInRebalancePartitions"
    assert set(ENGINE_CONF) == {first, second, "spark.sql.adaptive.enabled", skew,
                                "spark.sql.adaptive.optimizer.excludedRules", "spark.sql.maxConcurrentOutputFileWriters"}
    spark.conf.set(first, "20000")
    spark.conf.unset(second)
    spark.conf.set(skew, "false")
    split = "spark.sql.files.maxPartitionBytes"  # set for text runs only (lines.split_conf)
    spark.conf.set(split, "12345")
    initial = "spark.sql.adaptive.coalescePartitions.initialPartitionNum"  # session.shuffle_conf
    assert spark.conf.get(initial, None) is None
    try:
        spec = spec_of({"columns": [{"name": "a", "type": "int"}]})
        m = stage_run(lake, spec, {"1.csv": "a\n1\nx\n"})
        r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result,
                         storage=LocalLake(lake))
        assert (r.rows_written, r.rows_rejected) == (1, 1)
        assert spark.conf.get(first) == "20000" and spark.conf.get(second, None) is None
        assert spark.conf.get(skew) == "false" and spark.conf.get(split) == "12345"
        assert spark.conf.get(initial, None) is None
        assert spark._jsparkSession.sharedState().cacheManager().isEmpty()
    finally:
        spark.conf.unset(first)
        spark.conf.unset(skew)
        spark.conf.unset(split)


def test_shuffles_start_from_at_least_64_partitions(spark) -> None:
    from glue_jobs.engine.session import shuffle_conf

    key = "spark.sql.adaptive.coalescePartitions.initialPartitionNum"
    saved = spark.conf.get("spark.sql.shuffle.partitions")
    try:
        spark.conf.set("spark.sql.shuffle.partitions", "4")  # the local runtime's session
        assert shuffle_conf(spark) == {key: "64"}
        spark.conf.set("spark.sql.shuffle.partitions", "200")  # Glue's default is left alone
        assert shuffle_conf(spark) == {key: "200"}
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", saved)


def test_duplicate_header_fails_the_run_naming_both_positions(spark, lake: Path) -> None:
    spec = spec_of({"columns": [{"name": "a", "type": "int"}]})
    m = stage_run(lake, spec, {"d.csv": "a,b,a\n1,2,3\n"})
    with pytest.raises(DataError, match=r"duplicate header 'a' at columns 1 and 3"):
        run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))


@pytest.mark.parametrize(("encoding", "bad"), [("utf-8", b"\xff"), ("utf-8", b"\xe2\x82"), ("cp1252", b"\x81")])
def test_a_byte_the_encoding_lacks_past_the_header_fails_the_run_naming_it_in_any_range(
        spark, lake: Path, monkeypatch, encoding: str, bad: bytes) -> None:
    """The bad byte lies past the first record: the head read for the header once failed over it, and the
    object's later ranges were skipped, its rows dropped without a word. Now the range holding the byte fails
    the run with its position, whether the object is one piece or cut into ranges of 5 bytes."""
    from glue_jobs.engine.readers import BLOCK_SIZE_ENV

    spec = spec_of({"source": {"uri": "s3://raw/in/", "format": "csv", "csv": {"encoding": encoding}},
                    "columns": [{"name": "a", "type": "int"}, {"name": "b", "type": "string"}]})
    data = b"a,b\n1,ok\n2,x" + bad + b"\n3,y\n"
    for block in ("5", "1000"):
        monkeypatch.setenv(BLOCK_SIZE_ENV, block)
        m = stage_run(lake, spec, {"bad.csv": data})
        with pytest.raises(DataError, match=rf"^s3://raw/in/bad.csv: invalid {encoding} at byte offset 12 \(line 3\)"):
            run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))


def test_parquet_columns_spark_cannot_tell_apart_or_read_fail_the_run_naming_them(spark, lake: Path) -> None:
    """Two names that differ only in case, and a TIME column the spec does not even read: Spark refuses both
    objects; the run fails naming the columns, not calling the object "not a Parquet file"."""
    import datetime as dt
    import io

    def parquet(table: pa.Table) -> bytes:
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return buf.getvalue()

    spec = spec_of({"source": {"uri": "s3://raw/in/", "format": "parquet"}, "columns": [{"name": "id", "type": "int"}]})
    store = LocalLake(lake)
    cases = {"case.parquet": (pa.table({"id": [1], "Id": [2]}), "columns 'id' and 'Id' differ only in case"),
             "time.parquet": (pa.table({"id": [1], "at": pa.array([dt.time(1, 2, 3)])}),
                              r"column\(s\) at \(Time\(.*\)\): Parquet types Spark cannot read")}
    for name, (table, message) in cases.items():
        m = stage_run(lake, spec, {name: parquet(table)})
        with pytest.raises(DataError, match=rf"^s3://raw/in/{name}: {message}"):
            run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=store)


def test_a_clean_retry_removes_the_quarantine_of_an_earlier_attempt(spark, lake: Path) -> None:
    spec = spec_of({"columns": [{"name": "a", "type": "int", "nullable": False}]})
    m = stage_run(lake, spec, {"1.csv": "a\n1\nx\n\n"})
    store = LocalLake(lake)
    first = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=store)
    quarantine = lake / "lake" / "t_quarantine" / "run_id=run-1"
    assert first.rows_rejected == 1 and list(quarantine.glob("*.parquet"))
    # The source is fixed and the same run id runs again (its manifest sees the new object: a changed object
    # under the old manifest fails the job): nothing is rejected, and no stale quarantine stays.
    m = stage_run(lake, spec, {"1.csv": "a\n1\n2\n"})
    again = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=store)
    assert (again.rows_in, again.rows_written, again.rows_rejected) == (2, 2, 0)
    assert not quarantine.exists() or not any(quarantine.rglob("*.parquet"))


def test_records_spanning_lines_across_many_ranges_keep_exact_line_numbers(spark, lake: Path, monkeypatch) -> None:
    """Every record spans three lines and the block is 16 bytes: most ranges start inside a quoted field,
    many hold no record start at all; plain and gzip objects give the same records and line numbers."""
    from glue_jobs.engine.readers import BLOCK_SIZE_ENV

    monkeypatch.setenv(BLOCK_SIZE_ENV, "16")
    rows = "".join(f'{i},"first {i}\nsecond, ""quoted""\r\nthird"\n' for i in range(40))
    spec = spec_of({"columns": [{"name": "id", "type": "int"}, {"name": "note", "type": "string"}]})
    m = stage_run(lake, spec, {"plain.csv": "id,note\n" + rows, "packed.csv.gz": "id,note\n" + rows})
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (80, 80, 0)
    table = ds.dataset(lake / m.paths.staging_data.removeprefix("s3://"), format="parquet").to_table().to_pylist()
    for name in ("s3://raw/in/plain.csv", "s3://raw/in/packed.csv.gz"):
        got = sorted((x["_record"], x["id"], x["note"]) for x in table if x["_source_file"] == name)
        assert got == [(2 + 3 * i, i, f'first {i}\nsecond, "quoted"\r\nthird') for i in range(40)]


def test_a_file_that_is_not_there_fails_the_run_naming_it(spark, lake: Path, monkeypatch) -> None:
    from glue_jobs.engine.readers import BLOCK_SIZE_ENV

    monkeypatch.setenv(BLOCK_SIZE_ENV, "4")
    spec = spec_of({"columns": [{"name": "a", "type": "int"}]})
    m = stage_run(lake, spec, {"gone.csv": "a\n1\n2\n"})
    (lake / "raw/in/gone.csv").unlink()
    with pytest.raises(DataError, match=r"s3://raw/in/gone.csv"):
        run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))


def _data_files(root: Path) -> dict[str, int]:
    """Parquet files per partition directory under ``root``."""
    out: dict[str, int] = {}
    for f in root.rglob("*.parquet"):
        out[f.parent.name] = out.get(f.parent.name, 0) + 1
    return out


_DAYS = spec_of({"columns": [{"name": "id", "type": "int"}, {"name": "day", "type": "date"}],
                 "target": {"database": "d", "table": "t", "location": "s3://lake/t/", "partition_by": ["day"]}})


def _day_files(objects: int, rows: int, days: int) -> dict[str, str]:
    """``objects`` CSV objects of ``rows`` rows (id ``k * 1000 + i``) whose days cycle through March 1 to ``days``."""
    return {f"{k}.csv": "id,day\n" + "".join(f"{k * 1000 + i},2024-03-0{1 + i % days}\n" for i in range(rows))
            for k in range(objects)}


def _run_days(spark, lake: Path, files: dict[str, str], run_id: str = "run-1"):
    """Stage and run ``files`` under ``_DAYS``: the result and the staged data folder."""
    m = stage_run(lake, _DAYS, files, run_id=run_id)
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    return r, lake / m.paths.staging_data.removeprefix("s3://")


def test_each_partition_is_written_by_few_tasks_and_a_coarse_one_is_split(spark, lake: Path, monkeypatch) -> None:
    """The partitioned write is rebalanced by the partition columns: rows of many read tasks (4 objects,
    each read in small blocks) land in one file per partition, not one per task and partition; and a
    partition holding more than a task should write (one month loaded whole) is still split."""
    import pyarrow.parquet as pq

    monkeypatch.setenv("LOCKGATE_GLUE_BLOCK_BYTES", "512")
    r, staged = _run_days(spark, lake, _day_files(4, 300, 3))
    assert r.rows_written == 1200
    assert _data_files(staged) == {"day=2024-03-01": 1, "day=2024-03-02": 1, "day=2024-03-03": 1}

    spark.conf.set("spark.sql.adaptive.advisoryPartitionSizeInBytes", "2k")
    try:
        r, staged = _run_days(spark, lake, _day_files(4, 300, 1), run_id="run-2")  # one month loaded whole
    finally:
        spark.conf.unset("spark.sql.adaptive.advisoryPartitionSizeInBytes")
    assert r.rows_written == 1200
    assert _data_files(staged)["day=2024-03-01"] > 1
    ids = sorted(i for f in staged.rglob("*.parquet") for i in pq.read_table(f).column("id").to_pylist())
    assert ids == sorted(k * 1000 + i for k in range(4) for i in range(300))


def _last_write_plan(spark) -> str:
    """The final physical plan of the session's last partitioned Parquet write (Spark's SQL status store)."""
    executions = spark._jsparkSession.sharedState().statusStore().executionsList()
    plans = [executions.apply(i).physicalPlanDescription() for i in range(executions.size())]
    return [p for p in plans if "InsertIntoHadoopFsRelationCommand" in p][-1].split("== Initial Plan ==")[0]


@pytest.mark.parametrize("open_files", [2, MAX_OPEN_FILES])
def test_a_task_meeting_more_partitions_than_it_keeps_files_open_still_writes_every_row_once(
        spark, lake: Path, monkeypatch, open_files: int) -> None:
    """A write task keeps a file open per partition up to ``MAX_OPEN_FILES`` and sorts the rest of its rows
    past that: 5 days interleaved in every object, under a limit of 2 (the sorted remainder) and under the
    run's own limit (all open at once, and no sort planned before the write)."""
    import glue_jobs.engine.session as session

    if open_files != MAX_OPEN_FILES:
        monkeypatch.setitem(session.ENGINE_CONF, "spark.sql.maxConcurrentOutputFileWriters", str(open_files))
    r, staged = _run_days(spark, lake, _day_files(3, 200, 5))
    assert r.rows_written == 600
    if open_files == MAX_OPEN_FILES:  # the run's own settings: Spark planned no sort before the write
        assert "Sort" not in _last_write_plan(spark)
    for d in range(5):
        ids = sorted(i for f in (staged / f"day=2024-03-0{1 + d}").glob("*.parquet")
                     for i in pq.read_table(f).column("id").to_pylist())
        assert ids == sorted(k * 1000 + i for k in range(3) for i in range(200) if i % 5 == d)


def test_numbers_and_timestamps_are_written_without_a_dictionary(spark, lake: Path) -> None:
    """Numbers and timestamps are mostly distinct in real loads: Parquet's writer would build a dictionary for
    the first megabyte of every column chunk and then fall back to plain encoding, writing it twice. Text,
    boolean and date columns keep theirs, as the Lambda engine's writer does. Every column here repeats a
    few values, so Spark's default would give each of them a dictionary."""
    spec = spec_of({"columns": [{"name": "code", "type": "string"}, {"name": "n", "type": "int"},
                                {"name": "x", "type": "double"}, {"name": "amount", "type": "decimal(12,2)"},
                                {"name": "flag", "type": "boolean"}, {"name": "d", "type": "date"},
                                {"name": "ts", "type": "timestamp"}]})
    body = "".join(f"c{i % 3},{i % 4},{i % 5}.5,{i % 2}.25,{'true' if i % 2 else 'false'},2024-03-0{1 + i % 3},"
                   f"2024-03-01 0{i % 3}:00:00\n" for i in range(2000))
    m = stage_run(lake, spec, {"a.csv": "code,n,x,amount,flag,d,ts\n" + body})
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert r.rows_written == 2000
    encoded = dictionary_columns(lake / m.paths.staging_data.removeprefix("s3://"))
    # (Parquet has no dictionary for booleans, in either engine's writer.)
    assert {c for c, dictionary in encoded.items() if dictionary} == {"code", "d", "_source_file", "_run_id"}
    assert {"n", "x", "amount", "flag", "ts", "_record", "_ingested_at"} <= set(encoded)


def test_rows_the_quick_check_leaves_are_decided_by_the_full_rules_once_beside_every_other_kind(spark, lake: Path) -> None:
    """The cached pass converts numbers only the cheap way; the rows it leaves are checked again with the
    full rules. One run mixes every kind of row: plain and space-padded (quick), valid only by the full
    rules (tab-padded numbers, NaN, -Infinity), failing, damaged, and an object lacking a column. Each row
    is counted once, with the full rules' values, and nothing is cached after the run."""
    spec = spec_of({"columns": [{"name": "n", "type": "int", "nullable": False}, {"name": "x", "type": "double"},
                                {"name": "d", "type": "date"}, {"name": "s", "type": "string"}]})
    files = {
        "a.csv": ("n,x,d,s\n"
                  "1,1.5,2024-03-01,plain\n"        # 2: quick
                  "\t2,NaN,2024-03-02,padded\n"     # 3: full rules only (tab-padded int, NaN)
                  "3,-Infinity, 2024-03-03 ,both\n"  # 4: full rules only (word; the padded date is quick)
                  "4,abc,2024-03-04,bad\n"          # 5: cast:x
                  ",2.5,2024-03-05,null\n"          # 6: not_null:n
                  "5,2.5\n"                         # 7: parse: field count
                  "6,,,\n"                          # 8: quick (NULL-like values)
                  " 8 , 2.5 ,2024-03-08 ,spaced\n"),  # 9: quick (space-padded)
        "b.csv": "n,x,d\n7,1.25,2024-03-07\n",       # lacks s: missing_column:s
    }
    m = stage_run(lake, spec, files)
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert (r.rows_in, r.rows_written, r.rows_rejected) == (9, 5, 4)
    rows = sorted(pq.read_table(lake / m.paths.staging_data.removeprefix("s3://")).to_pylist(), key=lambda x: x["_record"])
    assert [(x["_record"], x["n"], x["s"]) for x in rows] == [(2, 1, "plain"), (3, 2, "padded"), (4, 3, "both"),
                                                              (8, 6, None), (9, 8, "spaced")]
    assert rows[0]["x"] == 1.5 and rows[1]["x"] != rows[1]["x"] and rows[2]["x"] == float("-inf")
    assert rows[4]["x"] == 2.5
    assert [x["d"] for x in rows] == [date(2024, 3, 1), date(2024, 3, 2), date(2024, 3, 3), None, date(2024, 3, 8)]
    q = pq.read_table(lake / "lake" / "t_quarantine" / "run_id=run-1").to_pylist()
    assert sorted((x["_source_file"].rsplit("/", 1)[1], x["_record"], tuple(x["_errors"]), x["x"]) for x in q) == [
        ("a.csv", 5, ("cast:x",), "abc"), ("a.csv", 6, ("not_null:n",), "2.5"),
        ("a.csv", 7, ("parse:field count 2, expected 4",), "2.5"), ("b.csv", 2, ("missing_column:s",), "1.25")]
    assert spark._jsparkSession.sharedState().cacheManager().isEmpty()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_keys_that_spark_encodes_or_takes_for_a_glob_are_read_once_under_their_own_uri(spark, lake: Path,
                                                                                       fmt: str) -> None:
    """Spark writes a path URL-encoded (``%20``, ``%25``, ``%23``) and takes ``[]{}*?`` in a path it reads for a
    glob: ``x[1]`` was "not found", and ``x*`` read every object its pattern matched too."""
    import io

    names = ["day 01 [v2]+%#ü", "star*", "q?{a,b}"]
    if fmt == "parquet":
        def data(k: int) -> bytes:
            buf = io.BytesIO()
            pq.write_table(pa.table({"a": [k]}), buf)
            return buf.getvalue()
    else:
        def data(k: int) -> bytes:
            return b"a\n%d\n" % k
    spec = spec_of({"source": {"uri": "s3://raw/in/", "format": fmt}, "columns": [{"name": "a", "type": "bigint"}]})
    m = stage_run(lake, spec, {f"{n}.{fmt}": data(k) for k, n in enumerate(names)})
    put(lake, f"s3://raw/in/starX.{fmt}", data(99))  # matched by the pattern star*, not in the manifest
    r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    rows = pq.read_table(lake / m.paths.staging_data.removeprefix("s3://")).to_pylist()
    assert sorted((x["_source_file"], x["a"]) for x in rows) == sorted(
        (f"s3://raw/in/{n}.{fmt}", k) for k, n in enumerate(names))
    assert r.rows_in == len(names)


def test_a_parquet_object_whose_name_spark_cannot_open_fails_the_run_naming_it_and_the_way_out(spark,
                                                                                               lake: Path) -> None:
    import io

    buf = io.BytesIO()
    pq.write_table(pa.table({"a": [1]}), buf)
    spec = spec_of({"source": {"uri": "s3://raw/in/", "format": "parquet"}, "columns": [{"name": "a", "type": "bigint"}]})
    m = stage_run(lake, spec, {"ok.parquet": buf.getvalue(), "2024-03-01T10:00:00.parquet": buf.getvalue()})
    with pytest.raises(DataError, match=r"hold ':'.*--engine lambda") as failed:
        run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert failed.value.where == "s3://raw/in/2024-03-01T10:00:00.parquet"


def test_an_object_changed_after_plan_fails_the_job_naming_it(spark, lake: Path) -> None:
    """A producer appends rows to an object between plan and the job. Spark reads a text object up to the
    size plan saw, so without the check the appended rows would be lost without a word (the Lambda engine,
    which reads to the end, fails such a batch too: tests/engine/test_engine.py)."""
    spec = spec_of(ORDERS)
    m = stage_run(lake, spec, {"a.csv": CSV})
    path = lake / "raw" / "in" / "a.csv"
    path.write_bytes(path.read_bytes() + b"6,2,EUR,paid,2024-03-03 10:00:00,web\n")
    with pytest.raises(DataError, match="changed after the run was planned") as e:
        run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert "s3://raw/in/a.csv" in str(e.value)
    assert f"plan saw {m.objects[0].size} bytes, the read found {path.stat().st_size}" in str(e.value)
    assert not (lake / m.paths.glue_result.removeprefix("s3://")).exists()  # no result: nothing to commit


def test_an_object_rewritten_to_the_same_size_after_plan_fails_the_job(spark, lake: Path) -> None:
    """A corrected export of exactly the same size written over the object (anew and renamed into place,
    as the local lake and most tools write) after plan: its version is not the planned one."""
    spec = spec_of(ORDERS)
    m = stage_run(lake, spec, {"a.csv": CSV})
    fixed = CSV.replace("JPY", "EUR")
    assert fixed != CSV and len(fixed) == len(CSV)
    LocalLake(lake).write_bytes("s3://raw/in/a.csv", fixed.encode())
    with pytest.raises(DataError, match="changed after the run was planned: plan saw version") as e:
        run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result, storage=LocalLake(lake))
    assert "s3://raw/in/a.csv" in str(e.value)
