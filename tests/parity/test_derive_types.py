"""Derived columns come out with one type on both engines, the type the catalog table declares.

The issue's cases: ``round(distance / (hour * 60.0 + minute + 1), 1)`` was ``double`` on Lambda and
``decimal(13,1)`` on Glue; ``make_date(year, month, day)`` was ``date`` in the files and ``string`` in
the rendered table; ``hour(at)`` is ``BIGINT`` in DuckDB and ``INT`` in Spark.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from crawlers.table import table_input_from_spec
from orchestration.core.types import arrow_to_glue
from tests.glue.spark import spec_of
from tests.parity.harness import Outcome, assert_same, run_glue, run_lambda

pytestmark = pytest.mark.spark

PACE = "round(distance / (hour * 60.0 + minute + 1), 1)"
SPEC = {
    "columns": [{"name": "distance", "type": "int"}, {"name": "year", "type": "int"},
                {"name": "month", "type": "int"}, {"name": "day", "type": "int"}, {"name": "hour", "type": "int"},
                {"name": "minute", "type": "int"}, {"name": "at", "type": "timestamp"}],
    "derive": {
        "pace": {"expr": PACE, "type": "decimal(10,1)"},
        "pace_d": {"expr": PACE, "type": "double"},
        "trip_date": "make_date(year, month, day)",
        "at_hour": "hour(at)",
        "parts": "transform(array(hour, minute), x -> x * 2)",
        "slow": "pace > 2",
        "too_big": {"expr": "distance * 1000.5", "type": "decimal(5,1)"},  # does not fit: NULL on both
    },
    "target": {"database": "d", "table": "t", "location": "s3://lake/t/", "partition_by": ["trip_date"]},
}
DATA = ("distance,year,month,day,hour,minute,at\n"
        "120,2024,3,1,0,0,2024-03-01 10:00:00\n"
        "3000,2024,3,2,1,30,2024-03-02 23:59:59\n"
        "7,2024,2,30,0,5,2024-03-03 01:00:00\n"  # no such day: make_date is NULL on both engines
        "99999,2024,3,4,0,0,\n")


def _written_types(root: Path, engine: str) -> dict[str, str]:
    files = sorted((root / f"{engine}-lake").rglob("*.parquet"))
    files = [f for f in files if "_quarantine" not in f.as_posix() and "/staging/" in f.as_posix()]
    assert files, f"{engine} wrote no output"
    schema = pq.read_schema(files[0])
    return {f.name: arrow_to_glue(f.type) for f in schema}


def test_derived_columns_have_the_catalog_type_on_both_engines(spark, tmp_path: Path) -> None:
    spec = spec_of(SPEC)
    lam: Outcome = run_lambda(tmp_path, spec, {"trips.csv": DATA})
    glue: Outcome = run_glue(spark, tmp_path, spec, {"trips.csv": DATA})
    assert lam.result.rows_written == 4
    assert_same(lam, glue)
    names = [n for n, _ in lam.columns]
    too_big = sorted(str(row[names.index("too_big")]) for _, row in lam.rows)
    assert too_big == ["7003.5", "None", "None", "None"]  # 7 * 1000.5 fits decimal(5,1); the others overflow
    table = table_input_from_spec(spec)
    catalog = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert table["PartitionKeys"] == [{"Name": "trip_date", "Type": "date"}]
    for engine in ("lambda", "glue"):
        written = _written_types(tmp_path, engine)
        assert written == catalog, f"{engine} wrote {written}, the catalog says {catalog}"
    assert catalog["pace"] == "decimal(10,1)" and catalog["pace_d"] == "double"
    assert catalog["at_hour"] == "int" and catalog["parts"] == "array<int>" and catalog["slow"] == "boolean"
    assert catalog["too_big"] == "decimal(5,1)"
