"""How read tasks become Spark partitions (``readers.partition_tasks``): many small objects share a few
partitions, a block-sized task or a stream has its own, order is kept and no shared partition exceeds a
block."""

from __future__ import annotations

import itertools

import pytest

from glue_jobs.engine.readers import partition_tasks

BLOCK = 64 << 20


def _task(i: int, size: int, mode: str = "piece") -> tuple[object, ...]:
    return (f"s3://raw/o{i}.csv", mode, 0, size, 0, "gzip" if mode == "stream" else "none", None, i)


def _check(tasks: list[tuple[object, ...]], groups: list[list[tuple[object, ...]]]) -> None:
    assert list(itertools.chain.from_iterable(groups)) == tasks  # every task once, in order
    for group in groups:
        if len(group) > 1:
            assert all(t[1] != "stream" and (int(t[3]) - int(t[2])) * 4 < BLOCK for t in group)
            assert sum(int(t[3]) - int(t[2]) for t in group) <= BLOCK


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


def test_no_tasks_is_one_empty_partition() -> None:
    assert partition_tasks([], BLOCK, 8) == [[]]
