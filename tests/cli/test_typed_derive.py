"""Typed derived columns through the CLI: `validate` refuses an uncertain type where it is written, and
`render` gives the Terraform table the same types both engines write (the issue's two repro cases)."""

from __future__ import annotations

import json
from pathlib import Path

TRIPS = """\
name: trips
source: {uri: "s3://raw/trips/{date}/", format: csv}
columns:
  - {name: distance, type: int}
  - {name: year, type: int}
  - {name: month, type: int}
  - {name: day, type: int}
  - {name: hour, type: int}
  - {name: minute, type: int}
derive:
  trip_date: "make_date(year, month, day)"
  pace: PACE
target: {database: rides, table: trips, location: "s3://lake/trips/", partition_by: [trip_date]}
"""
EXPR = '"round(distance / (hour * 60.0 + minute + 1), 1)"'


def _write(project: Path, pace: str) -> Path:
    path = project / "imports" / "trips.yaml"
    path.write_text(TRIPS.replace("PACE", pace))
    return path


def test_validate_refuses_an_uncertain_derived_type_at_its_line(cli, project: Path) -> None:
    path = _write(project, EXPR)
    r = cli("validate", str(path))
    assert r.code == 2
    line = TRIPS.splitlines().index("  pace: PACE") + 1
    assert any(f"trips.yaml:{line}:" in ln and "derive.pace: cannot infer the type of 'pace' for certain" in ln
               and "declare a type" in ln for ln in r.err_lines), r.err


def test_render_gives_the_table_the_declared_and_the_inferred_types(cli, project: Path, tmp_path: Path) -> None:
    _write(project, "{expr: " + EXPR + ", type: double}")
    assert cli("validate").code == 0
    r = cli("render", "--out", str(tmp_path / "out"))
    assert r.code == 0, r.err
    table = json.loads((tmp_path / "out" / "trips" / "terraform.json").read_text())["crawler"]["table_input"]
    columns = {c["Name"]: c["Type"] for c in table["StorageDescriptor"]["Columns"]}
    assert columns["pace"] == "double"
    assert table["PartitionKeys"] == [{"Name": "trip_date", "Type": "date"}]  # was string before the fix
