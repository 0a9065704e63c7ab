"""The commit counts a file's rows per ``_source_file`` from its footer where the statistics settle it,
and reads the column only for the row groups they do not (mixed sources, nulls, no statistics)."""

from __future__ import annotations

import io
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lambdas.commit import replace
from orchestration.core.storage import Storage

A = "s3://acme-raw/orders/2024-01-01/a.csv"
B = "s3://acme-raw/orders/2024-01-02/b.csv"
LONG = "s3://acme-raw/" + "x" * 5000 + ".csv"  # past the size writers keep statistics for


def _groups() -> list[list[str | None]]:
    return [[A] * 5, [A, B, A, B], [B] * 3, [A, None, A], [LONG] * 4, [A] * 2]


def _write(store: Storage, uri: str, groups: list[list[str | None]], *, statistics: bool) -> None:
    schema = pa.schema([("id", pa.int64()), ("_source_file", pa.string())])
    sink = io.BytesIO()
    with pq.ParquetWriter(sink, schema, write_statistics=statistics) as writer:
        n = 0
        for values in groups:
            writer.write_table(pa.table({"id": range(n, n + len(values)), "_source_file": values}, schema=schema))
            n += len(values)
    store.write_bytes(uri, sink.getvalue())


def _expected(groups: list[list[str | None]]) -> dict[str, int]:
    return {str(v): n for v, n in Counter(v for g in groups for v in g).items()}


@pytest.mark.parametrize("statistics", [True, False])
def test_counts_per_source_match_the_column_whatever_the_statistics(store: Storage, statistics: bool) -> None:
    uri = "s3://acme-lake/orders/day=2024-01/part-0.parquet"
    groups = _groups()
    _write(store, uri, groups, statistics=statistics)
    assert pq.ParquetFile(io.BytesIO(store.read_bytes(uri))).metadata.num_row_groups == len(groups)
    rows, counts = replace._source_counts(store, uri)
    assert rows == sum(len(g) for g in groups)
    assert counts == _expected(groups)
    assert counts["None"] == 1 and counts[A] == 5 + 2 + 2 + 2


def test_row_groups_of_one_source_are_counted_without_reading_the_column(store: Storage,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    uri = "s3://acme-lake/orders/day=2024-01/part-1.parquet"
    groups = _groups()
    _write(store, uri, groups, statistics=True)
    read: list[list[int]] = []
    original = pq.ParquetFile.read_row_groups

    def spy(self: pq.ParquetFile, row_groups: list[int], *args: object, **kwargs: object) -> pa.Table:
        read.append(list(row_groups))
        return original(self, row_groups, *args, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", spy)
    rows, counts = replace._source_counts(store, uri)
    assert counts == _expected(groups)
    assert len(read) == 1
    # The mixed group and the one with a null are read; the long value's group is read only when the writer
    # kept no statistics for it. Groups 0, 2 and 5 (one short value each) never are.
    assert {1, 3} <= set(read[0]) <= {1, 3, 4}


def test_a_file_without_the_column_has_no_counts(store: Storage) -> None:
    uri = "s3://acme-lake/orders/day=2024-01/part-2.parquet"
    sink = io.BytesIO()
    pq.write_table(pa.table({"id": [1, 2, 3]}), sink)
    store.write_bytes(uri, sink.getvalue())
    assert replace._source_counts(store, uri) == (3, None)
