"""How read tasks become Spark partitions (``readers.partition_tasks``): many small objects share a few
partitions, a block-sized task or a stream has its own, order is kept and no shared partition exceeds a
block."""

from __future__ import annotations

import itertools

import pytest

from glue_jobs.engine.readers import partition_tasks

BLOCK = 64 << 20


def _task(i: int, size: int, mode: str = "piece", codec: str = "gzip") -> tuple[object, ...]:
    if mode == "stream":
        return (f"s3://raw/o{i}.csv.gz", mode, 0, 0, 0, codec, None, i)
    return (f"s3://raw/o{i}.csv", mode, 0, size, 0, "none", None, i)


def _weight(t: tuple[object, ...], stored: dict[str, int]) -> int:
    """A range's bytes; a compressed stream's stored size times 8, the inflation the packing assumes."""
    if t[1] == "stream":
        return stored[str(t[0])] * 8
    return int(str(t[3])) - int(str(t[2]))


def _check(tasks: list[tuple[object, ...]], groups: list[list[tuple[object, ...]]],
           stored: dict[str, int] | None = None) -> None:
    assert list(itertools.chain.from_iterable(groups)) == tasks  # every task once, in order
    for group in groups:
        if len(group) > 1:
            assert all(_weight(t, stored or {}) * 4 < BLOCK for t in group)
            assert sum(_weight(t, stored or {}) for t in group) <= BLOCK


def test_many_small_objects_share_a_few_partitions() -> None:
    tasks = [_task(i, 2600) for i in range(336)]
    groups = partition_tasks(tasks, BLOCK, 8)
    _check(tasks, groups)
    assert len(groups) == 8


@pytest.mark.parametrize("spread", [1, 2, 8])
def test_large_tasks_and_streams_stand_alone_and_small_runs_stay_under_a_block(spread: int) -> None:
    sizes = [BLOCK, 5000, 5000, 0, 20 << 20, 300, *([3 << 20] * 40), BLOCK // 4, 10]
    tasks = [_task(i, n, "stream" if n == 0 else "piece") for i, n in enumerate(sizes)]
    groups = partition_tasks(tasks, BLOCK, spread)
    _check(tasks, groups)
    alone = [g[0][7] for g in groups if len(g) == 1]
    assert {0, 3, 4, len(sizes) - 2} <= set(alone)  # a block, a stream, 20 MB, a quarter block
    # the forty 3 MB tasks (120 MB) cannot share one block-sized partition
    assert sum(1 for g in groups if any(6 <= int(t[7]) < 46 for t in g)) >= 2


def test_small_compressed_objects_share_partitions_by_their_stored_size() -> None:
    """A week of 5-minute gzip objects (the demo's backfill): 2.6 KB each, taken to inflate 8x, share a few
    partitions; a compressed object of 1 MB or more (a quarter block inflated) stands alone."""
    tasks = [_task(i, 0, "stream") for i in range(336)]
    stored = {str(t[0]): 2600 for t in tasks}
    groups = partition_tasks(tasks, BLOCK, 8, stored)
    _check(tasks, groups, stored)
    assert len(groups) == 8

    mixed = [_task(0, 0, "stream"), _task(1, 0, "stream"), _task(2, 0, "stream", "zstd"), _task(3, 0, "stream"),
             _task(4, 0, "stream", "bz2"), _task(5, 0, "stream"), _task(6, 0, "stream")]
    stored = {str(t[0]): 2600 for t in mixed} | {str(mixed[3][0]): BLOCK // 32}
    groups = partition_tasks(mixed, BLOCK, 1, stored)
    _check(mixed, groups, stored)
    assert [[int(str(t[7])) for t in g] for g in groups] == [[0, 1, 2], [3], [4, 5, 6]]
    # a stream of unknown stored size stands alone
    assert partition_tasks(mixed[:2], BLOCK, 1) == [[mixed[0]], [mixed[1]]]


def test_no_tasks_is_one_empty_partition() -> None:
    assert partition_tasks([], BLOCK, 8) == [[]]
