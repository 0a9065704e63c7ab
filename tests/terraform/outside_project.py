"""A Lockgate project that lives outside this repository: its own lockgate.yaml, one import with an
arrow hook of its own, and nothing else (used by test_render_terraform.py and the emulator apply)."""

from __future__ import annotations

from pathlib import Path

SPEC = """name: readings
source: {uri: "s3://plant-raw/readings/{date}/", format: csv}
columns:
  - {name: sensor, type: string}
  - {name: value, type: double}
  - {name: read_at, type: timestamp}
target: {database: plant, table: readings, location: "s3://plant-lake/readings/", partition_by: [read_date]}
derive: {read_date: "to_date(read_at)"}
hooks: {arrow: "pipeline.hooks.clean:keep_table"}
"""
BUCKETS = {"raw": "plant-raw", "lake": "plant-lake", "control": "plant-control", "logs": "plant-access-logs"}


def make_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "lockgate.yaml").write_text(
        "imports: imports\naws: {region: eu-central-1, prefix: plant, control_uri: s3://plant-control/}\n")
    (root / "imports").mkdir()
    (root / "imports" / "readings.yaml").write_text(SPEC)
    (root / "pipeline" / "hooks").mkdir(parents=True)
    (root / "pipeline" / "__init__.py").write_text("")
    (root / "pipeline" / "hooks" / "__init__.py").write_text("")
    (root / "pipeline" / "hooks" / "clean.py").write_text("def keep_table(table):\n    return table\n")
    return root
