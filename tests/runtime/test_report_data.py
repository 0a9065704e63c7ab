"""What the run report counts from the run's own files: rows per partition, by ``_run_id``."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.local.report_data import rows_by_partition


def _write(path: Path, run_ids: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"x": list(range(len(run_ids))), "_run_id": run_ids}), path)


def test_rows_per_partition_count_only_this_runs_rows_in_every_file_of_each_partition(tmp_path: Path) -> None:
    table = tmp_path / "lake" / "t"
    _write(table / "day=2024-03-01" / "a.parquet", ["r2"] * 3)
    _write(table / "day=2024-03-01" / "b.parquet", ["r1"] * 4 + ["r2"])  # an appended partition: r1's rows stay
    _write(table / "day=2024-03-02" / "a.parquet", ["r2"] * 2)
    _write(table / "day=2024-03-03" / "hour=01" / "a.parquet", ["r2"] * 5)  # nested under the partition
    _write(table / "day=2024-03-04" / "a.parquet", ["r1"] * 6)  # files, but none of this run
    (table / "day=2024-03-05").mkdir()  # no files: left out
    _write(table / "day=2024-03-06" / ".hidden.parquet", ["r2"] * 7)  # writers' temporary files do not count

    partitions = [f"day=2024-03-0{d}" for d in range(1, 7)]
    assert rows_by_partition(tmp_path / "lake", "s3://t/", partitions, "r2") == {
        "day=2024-03-01": 4, "day=2024-03-02": 2, "day=2024-03-03": 5, "day=2024-03-04": 0}
    assert rows_by_partition(tmp_path / "lake", "s3://t", [], "r1") == {"(unpartitioned)": 10}
    assert rows_by_partition(tmp_path / "lake", "s3://t/", ["day=2024-03-05"], "r2") == {}
