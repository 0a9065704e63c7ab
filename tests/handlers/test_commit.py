"""Commit: accounting, quality, the three publish modes, idempotency and crash recovery, on both backends."""

from __future__ import annotations

import pytest

from lambdas.commit import commit_run
from lambdas.commit.intent import CommitIntent, intent_uri
from orchestration.core.contracts import CommitResult, Manifest
from orchestration.core.errors import AccountingError, QualityError
from orchestration.core.storage import Storage

from .runs import LOCATION, listing, make_spec, partitions_of, stage_run

D1, D2, D3 = "day=2024-01-01", "day=2024-01-02", "day=2024-01-03"


def commit(store: Storage, manifest: Manifest) -> CommitResult:
    return commit_run(manifest, store)


def tables(store: Storage) -> list[str]:
    """Table files and other visible names, without Lockgate's ``_lockgate/`` markers."""
    return [u for u in listing(store) if not u.startswith("_lockgate/")]


@pytest.mark.parametrize("mode", ["replace_window", "overwrite_partitions"])
def test_a_rerun_replaces_its_window_rows_in_every_partition_they_landed_in(store: Storage, mode: str) -> None:
    spec = make_spec(mode=mode)
    first_manifest = stage_run(store, spec, "run-a", {D1: 2, D2: 3})
    first = commit(store, first_manifest)
    assert (first.partitions, first.partitions_added) == (2, 2)
    assert partitions_of(store, first_manifest) == [D1, D2]
    other = commit(store, stage_run(store, spec, "run-o", {D3: 1}, window="2024-01-03"))
    old_d3 = store.read_bytes(LOCATION + f"{D3}/part-run-o-batch-00000-0.parquet")

    second_manifest = stage_run(store, spec, "run-b", {D2: 4})  # the same window again, now without D1 rows
    result = commit(store, second_manifest)

    assert listing(store) == [
        "_lockgate/ledger.json", "_lockgate/owner.json",
        f"{D2}/part-run-b-batch-00000-0.parquet",
        f"{D3}/part-run-o-batch-00000-0.parquet",
    ]
    assert store.read_bytes(LOCATION + f"{D3}/part-run-o-batch-00000-0.parquet") == old_d3  # another window
    assert (other.rows_replaced, result.rows_replaced) == (0, 5)
    assert (result.partitions, result.partitions_added) == (1, 0)
    assert partitions_of(store, second_manifest) == [D2]
    assert result.outputs == [LOCATION]
    assert (result.rows_in, result.rows_written) == (4, 4)
    assert store.list(second_manifest.paths.staging) == []
    assert store.exists(second_manifest.paths.commit)


def test_append_adds_files_next_to_existing_ones(store: Storage) -> None:
    spec = make_spec(mode="append")
    commit(store, stage_run(store, spec, "run-a", {D1: 2}))
    result = commit(store, stage_run(store, spec, "run-b", {D1: 3}))
    assert tables(store) == [f"{D1}/part-run-a-batch-00000-0.parquet", f"{D1}/part-run-b-batch-00000-0.parquet"]
    assert result.partitions_added == 0


def test_overwrite_replaces_the_whole_table_but_not_hidden_files(store: Storage) -> None:
    spec = make_spec(mode="overwrite")
    commit(store, stage_run(store, spec, "run-a", {D1: 2, D2: 2}))
    store.write_bytes(LOCATION + "_SUCCESS", b"")
    commit(store, stage_run(store, spec, "run-b", {D3: 1}))
    assert tables(store) == ["_SUCCESS", f"{D3}/part-run-b-batch-00000-0.parquet"]


def test_unpartitioned_replace_window_replaces_only_the_window(store: Storage) -> None:
    spec = make_spec(partition_by=())
    commit(store, stage_run(store, spec, "run-a", {"": 2}))
    commit(store, stage_run(store, spec, "run-o", {"": 1}, window="2024-01-02"))
    result = commit(store, stage_run(store, spec, "run-b", {"": 3}))
    assert tables(store) == ["part-run-b-batch-00000-0.parquet", "part-run-o-batch-00000-0.parquet"]
    assert result.partitions == 0 and result.outputs == [LOCATION] and result.rows_replaced == 2


def test_second_commit_changes_nothing_and_returns_the_same_result(store: Storage) -> None:
    spec = make_spec()
    manifest = stage_run(store, spec, "run-a", {D1: 2, D2: 1})
    first = commit(store, manifest)
    before = {u: store.read_bytes(LOCATION + u) for u in listing(store)}
    again = commit(store, manifest)
    assert again == first
    assert {u: store.read_bytes(LOCATION + u) for u in listing(store)} == before


class _CrashAfter:
    """Storage whose ``copy`` (or ``delete``) raises after ``n`` successful calls: a Lambda dying mid-publish."""

    def __init__(self, inner: Storage, n: int, op: str = "copy") -> None:
        self._inner, self._left, self._op = inner, n, op

    def __getattr__(self, name: str):  # noqa: ANN204
        attr = getattr(self._inner, name)
        if name != self._op:
            return attr

        def crashing(*args: str) -> None:
            if self._left == 0:
                raise RuntimeError(f"simulated crash in {name}")
            self._left -= 1
            attr(*args)

        return crashing


@pytest.mark.parametrize(("op", "n", "phase"), [("copy", 2, "copying"), ("delete", 1, "deleting")])
def test_commit_resumes_after_a_crash_and_ends_in_the_same_state(
    store: Storage, op: str, n: int, phase: str
) -> None:
    spec = make_spec()
    commit(store, stage_run(store, spec, "run-a", {D1: 1, D2: 1}))
    manifest = stage_run(store, spec, "run-b", {D1: 2, D2: 2, D3: 2}, files_per_partition=2)

    with pytest.raises(RuntimeError, match="simulated crash"):
        commit_run(manifest, _CrashAfter(store, n, op))  # type: ignore[arg-type]
    assert not store.exists(manifest.paths.commit)
    assert CommitIntent.model_validate(store.read_json(intent_uri(manifest))).phase == phase

    result = commit(store, manifest)
    expected = [f"{d}/part-run-b-batch-0000{i}-{f}.parquet" for i, d in enumerate((D1, D2, D3)) for f in (0, 1)]
    assert tables(store) == expected
    assert result.partitions_added == 1  # decided before the crash, not recomputed against a half-done target
    assert result.rows_written == 12
    assert store.list(manifest.paths.staging) == []


def test_accounting_failure_publishes_nothing(store: Storage) -> None:
    manifest = stage_run(store, make_spec(), "run-a", {D1: 2}, lost=3)
    with pytest.raises(AccountingError, match=r"rows_in 5 != rows_written 2 .*3 rows are unaccounted"):
        commit(store, manifest)
    assert listing(store) == []
    assert not store.exists(intent_uri(manifest)) and not store.exists(manifest.paths.commit)


def test_missing_batch_result_is_an_accounting_error(store: Storage) -> None:
    manifest = stage_run(store, make_spec(), "run-a", {D1: 2, D2: 2})
    store.delete(manifest.paths.batch_result(1))
    with pytest.raises(AccountingError, match="batch-00001.json"):
        commit(store, manifest)
    assert listing(store) == []


def test_quality_failure_publishes_nothing_and_points_at_the_quarantine(store: Storage) -> None:
    spec = make_spec(max_reject_ratio=0.1, min_rows=10)
    manifest = stage_run(store, spec, "run-a", {D1: 8}, rejected=2)
    with pytest.raises(QualityError) as info:
        commit(store, manifest)
    msg = str(info.value)
    assert "2 of 10 rows rejected (20.00%) exceeds quality.max_reject_ratio 10.00%" in msg
    assert "8 rows written is below quality.min_rows 10" in msg
    assert "s3://acme-lake/sales/orders_quarantine/run_id=run-a/" in msg
    assert listing(store) == []
    assert store.list(manifest.paths.staging_data)  # kept so people can inspect what would have been published


def test_filtered_and_rejected_rows_are_reported(store: Storage) -> None:
    manifest = stage_run(store, make_spec(), "run-a", {D1: 20}, rejected=1, filtered=4)
    result = commit(store, manifest)
    assert (result.rows_in, result.rows_rejected, result.rows_filtered) == (25, 1, 4)
    assert result.quarantine_uri == "s3://acme-lake/sales/orders_quarantine/run_id=run-a/"


def test_orphan_staged_files_from_a_retried_attempt_are_not_published(store: Storage) -> None:
    manifest = stage_run(store, make_spec(), "run-a", {D1: 2})
    store.write_bytes(manifest.paths.staging_data + f"{D1}/batch-00000-attempt1.parquet", b"half written")
    commit(store, manifest)
    assert tables(store) == [f"{D1}/part-run-a-batch-00000-0.parquet"]


@pytest.mark.parametrize(("run", "crawl"), [("always", True), ("never", False), ("on_schema_change", True)])
def test_crawl_needed_follows_crawler_run_for_a_new_table(store: Storage, run: str, crawl: bool) -> None:
    result = commit(store, stage_run(store, make_spec(crawler=run), "run-a", {D1: 2}))
    assert result.schema_changed is True  # nothing existed before
    assert result.crawl_needed is crawl


def test_schema_change_is_detected_against_existing_files(store: Storage) -> None:
    commit(store, stage_run(store, make_spec(crawler="on_schema_change"), "run-a", {D1: 2}))
    same = commit(store, stage_run(store, make_spec(crawler="on_schema_change"), "run-b", {D2: 2}))
    assert (same.schema_changed, same.crawl_needed) == (False, True)  # no catalog table yet: crawl to create it
    wider = make_spec(crawler="on_schema_change", extra_column=True)
    changed = commit(store, stage_run(store, wider, "run-c", {D3: 2}, extra_column=True))
    assert (changed.schema_changed, changed.crawl_needed) == (True, True)


def test_a_glue_run_is_committed_from_its_single_result(store: Storage) -> None:
    manifest = stage_run(store, make_spec(), "run-g", {D1: 2, D2: 3}, rejected=1, route="glue")
    result = commit(store, manifest)
    assert result.engine == "glue"
    assert (result.rows_in, result.rows_written, result.rows_rejected) == (6, 5, 1)
    assert tables(store) == [f"{D1}/part-run-g-batch-00000-0.parquet", f"{D2}/part-run-g-batch-00001-0.parquet"]
