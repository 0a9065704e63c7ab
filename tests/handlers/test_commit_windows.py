"""Commit replaces exactly the rows its window owns (issue 15), on the local lake and on S3 through moto.

Each test starts from a failure the issue reports: month partitions loaded daily, a late row in an
earlier partition, overwrite_partitions over partitions shared by windows, a table under another import's
location, a second run committing at the same time, a commit killed half way.
"""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lambdas.commit import commit_run, lease_for
from lambdas.commit.intent import CommitIntent, intent_uri
from lambdas.commit.ownership import marker_uri
from lambdas.handlers import commit as commit_handler
from orchestration.core.errors import PublishError, TransientError
from orchestration.core.spec.uris import join_uri
from orchestration.core.storage import Storage

from .runs import CONTROL, LOCATION, make_spec, stage_run
from .test_commit import _CrashAfter

M1 = "day=2024-01"  # a month partition (the column is named day in the helper's spec)


def rows(store: Storage) -> list[tuple[int, str]]:
    """``(id, _source_file)`` of every row the table holds, sorted."""
    out: list[tuple[int, str]] = []
    for o in store.list(LOCATION):
        rel = o.uri[len(LOCATION):]
        if rel.startswith("_") or "/_" in rel:
            continue
        t = pq.read_table(io.BytesIO(store.read_bytes(o.uri)))
        out += zip(t.column("id").to_pylist(), t.column("_source_file").to_pylist(), strict=True)
    return sorted(out)


def day_source(day: str) -> str:
    return f"s3://acme-raw/orders/{day}/x.csv"


def test_daily_runs_into_a_month_partition_keep_the_other_days(store: Storage) -> None:
    spec = make_spec()
    for i, day in enumerate(("2024-01-01", "2024-01-02", "2024-01-03")):
        commit_run(stage_run(store, spec, f"run-{i}", {M1: 2}, window=day), store)
    before = rows(store)
    assert {s for _, s in before} == {day_source(d) for d in ("2024-01-01", "2024-01-02", "2024-01-03")}
    assert len(before) == 6

    again = commit_run(stage_run(store, spec, "run-again", {M1: 2}, window="2024-01-02"), store)
    assert rows(store) == before  # the same rows, now from the rerun's file for Jan 2
    assert (again.rows_replaced, again.files_rewritten) == (2, 0)


def test_a_late_row_lands_in_an_earlier_partition_without_replacing_it(store: Storage) -> None:
    spec = make_spec()
    commit_run(stage_run(store, spec, "run-d1", {"day=2024-01-01": 3}, window="2024-01-01"), store)
    # Jan 2's file holds a late Jan 1 row: the run writes into Jan 1's partition too.
    commit_run(stage_run(store, spec, "run-d2", {"day=2024-01-01": 1, "day=2024-01-02": 2}, window="2024-01-02"), store)
    assert len(rows(store)) == 6
    # Re-running Jan 1 replaces Jan 1's rows, keeps the late row of Jan 2 in the same partition.
    result = commit_run(stage_run(store, spec, "run-d1b", {"day=2024-01-01": 3}, window="2024-01-01"), store)
    assert result.rows_replaced == 3
    got = rows(store)
    assert len(got) == 6 and sum(1 for _, s in got if s == day_source("2024-01-02")) == 3
    # Re-running Jan 2 without the late row removes it from Jan 1's partition.
    commit_run(stage_run(store, spec, "run-d2b", {"day=2024-01-02": 2}, window="2024-01-02"), store)
    assert len(rows(store)) == 5


def test_a_file_mixing_windows_is_rewritten_without_the_rerun_window_rows(store: Storage) -> None:
    spec = make_spec()
    manifest = stage_run(store, spec, "run-wide", {M1: 4}, window="2024-01-01")
    # One staged file holding rows of two days, as a two-day backfill writes it.
    staged = manifest.paths.staging_data + f"{M1}/batch-00000-0.parquet"
    t = pq.read_table(io.BytesIO(store.read_bytes(staged)))
    mixed = t.set_column(t.schema.get_field_index("_source_file"), "_source_file",
                         pa.array([day_source("2024-01-01")] * 2 + [day_source("2024-01-02")] * 2))
    buf = io.BytesIO()
    pq.write_table(mixed, buf)
    store.write_bytes(staged, buf.getvalue())
    wide = manifest.model_copy(update={"window": {"start": "2024-01-01T00:00:00+00:00", "end": "2024-01-03T00:00:00+00:00"}})
    store.write_json(wide.paths.manifest, wide.model_dump(mode="json", by_alias=True))
    commit_run(wide, store)

    result = commit_run(stage_run(store, spec, "run-d2", {M1: 1}, window="2024-01-02"), store)
    assert (result.rows_replaced, result.files_rewritten) == (2, 1)
    assert [s for _, s in rows(store)].count(day_source("2024-01-01")) == 2
    assert [s for _, s in rows(store)].count(day_source("2024-01-02")) == 1


def test_overwrite_partitions_refuses_a_partition_that_holds_another_window(store: Storage) -> None:
    spec = make_spec(mode="overwrite_partitions")
    commit_run(stage_run(store, spec, "run-d1", {M1: 2}, window="2024-01-01"), store)
    before = rows(store)
    manifest = stage_run(store, spec, "run-d2", {M1: 1}, window="2024-01-02")
    with pytest.raises(PublishError, match=r"partition 'day=2024-01'.*2 rows of another window.*replace_window"):
        commit_run(manifest, store)
    assert rows(store) == before
    assert not store.exists(intent_uri(manifest))


def test_commit_refuses_a_location_another_import_owns(store: Storage) -> None:
    store.write_json(marker_uri(LOCATION), {"import": "shipments"})
    with pytest.raises(PublishError, match=r"import 'shipments' owns"):
        commit_run(stage_run(store, make_spec(), "run-a", {"day=2024-01-01": 1}), store)
    store.delete(marker_uri(LOCATION))
    # A table of another import under this location, and this location under another import's table.
    store.write_json(marker_uri(LOCATION + "returns/"), {"import": "returns"})
    with pytest.raises(PublishError, match=r"contains s3://acme-lake/sales/orders/returns/, which import 'returns'"):
        commit_run(stage_run(store, make_spec(), "run-b", {"day=2024-01-01": 1}), store)
    store.delete(marker_uri(LOCATION + "returns/"))
    store.write_json(marker_uri("s3://acme-lake/sales/"), {"import": "sales"})
    with pytest.raises(PublishError, match=r"lies inside s3://acme-lake/sales/, which import 'sales'"):
        commit_run(stage_run(store, make_spec(), "run-c", {"day=2024-01-01": 1}), store)
    store.delete(marker_uri("s3://acme-lake/sales/"))
    commit_run(stage_run(store, make_spec(), "run-d", {"day=2024-01-01": 1}), store)
    assert store.read_json(marker_uri(LOCATION)) == {"import": "orders"}  # claimed at first publish


def test_a_second_run_waits_for_the_lease_and_fails_clearly(store: Storage) -> None:
    holder = lease_for(store, CONTROL, "orders", "run-holder")
    assert holder.acquire(0) is None
    manifest = stage_run(store, make_spec(), "run-b", {"day=2024-01-01": 1})
    with pytest.raises(TransientError, match=r"run run-holder of import orders is committing"):
        commit_run(manifest, store, wait_s=0.2)
    assert rows(store) == []
    holder.release(clean=True)
    assert commit_run(manifest, store, wait_s=0).rows_written == 1


def test_an_expired_s3_lease_is_taken_over(s3_store: Storage) -> None:
    from orchestration.core import aws

    crashed = {"import": "orders", "run_id": "run-crashed", "state": "held", "pending": None,
               "expires_at": "2000-01-01T00:00:00+00:00"}
    aws.client("s3").put_object(Bucket="lockgate-control", Key="leases/orders.json", Body=json.dumps(crashed).encode())
    result = commit_run(stage_run(s3_store, make_spec(), "run-b", {"day=2024-01-01": 1}), s3_store, wait_s=0)
    assert result.rows_written == 1
    record = s3_store.read_json(join_uri(CONTROL, "leases", "orders.json"))
    assert (record["run_id"], record["state"], record["pending"]) == ("run-b", "released", None)


def test_the_next_run_finishes_an_interrupted_commit_first(store: Storage) -> None:
    spec = make_spec()
    crashed = stage_run(store, spec, "run-a", {"day=2024-01-01": 2, "day=2024-01-02": 2}, files_per_partition=2)
    with pytest.raises(RuntimeError, match="simulated crash"):
        commit_run(crashed, _CrashAfter(store, 1, "copy"), wait_s=0)  # type: ignore[arg-type]
    assert CommitIntent.model_validate(store.read_json(intent_uri(crashed))).phase == "copying"

    later = commit_run(stage_run(store, spec, "run-b", {"day=2024-01-03": 1}, window="2024-01-03"), store, wait_s=0)
    assert later.rows_written == 1
    assert store.exists(crashed.paths.commit)  # finished before run-b planned
    assert len(rows(store)) == 9
    assert store.list(crashed.paths.staging) == []


def test_the_commit_result_of_a_four_year_daily_backfill_stays_small(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from orchestration.core.storage import LocalLake

    monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path))
    monkeypatch.setenv("LOCKGATE_CONTROL_URI", CONTROL)
    store = LocalLake(tmp_path)
    days = [f"day=d{i:04d}" for i in range(1500)]
    manifest = stage_run(store, make_spec(), "run-4y", dict.fromkeys(days, 1))
    out = commit_handler.handler({"manifest_uri": manifest.paths.manifest}, None)
    assert out["partitions"] == 1500 and out["partitions_added"] == 1500
    assert len(json.dumps(out).encode()) < 2048  # the state limit is 256 KB; counts, not lists
    assert len(store.read_json(out["partitions_uri"])["partitions"]) == 1500


def test_commit_refuses_a_table_over_its_own_source(store: Storage) -> None:
    spec = make_spec(source="s3://acme-lake/sales/{date}/")  # the table location lies under the source's prefix
    with pytest.raises(PublishError, match=r"overlaps the import's own source"):
        commit_run(stage_run(store, spec, "run-a", {"day=2024-01-01": 1}), store)
    assert rows(store) == []
