"""`lockgate validate | schema | list` through the real console entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT

ORDERS = (EXAMPLES / "orders.yaml").read_text()


def lockgate(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_validate_examples_exits_0() -> None:
    r = lockgate("validate")
    assert r.returncode == 0, r.stderr
    assert "4 spec(s) valid" in r.stdout


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("description:", "descripton:", "descripton"),
        ('filter: "status <> \'test\'"', 'filter: "DROP TABLE x"', "filter"),
        ("s3://acme-raw/", "s3://Bad_Bucket/", "source.uri"),
        ("timeout_s: 900", "timeout_s: 901", "routing.lambda.timeout_s"),
    ],
)
def test_validate_bad_spec_exits_2_naming_the_field(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert old in ORDERS
    bad = tmp_path / "bad.yaml"
    bad.write_text(ORDERS.replace(old, new, 1))
    r = lockgate("validate", str(bad))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"{bad}:") for line in lines)
    # FILE:LINE:COL: field: message, LINE:COL being where the field (or, when it is a value's problem, its key)
    # is written
    found = [re.match(rf"{re.escape(str(bad))}:(\d+):(\d+): {re.escape(field)}: ", line) for line in lines]
    match = next((m for m in found if m), None)
    assert match, lines
    written = bad.read_text().splitlines()[int(match.group(1)) - 1]
    assert written[int(match.group(2)) - 1:].startswith(field.rsplit(".", 1)[-1] + ":"), (match.group(0), written)


def test_validate_outside_a_project_says_how_to_fix(tmp_path: Path) -> None:
    r = lockgate("validate", cwd=tmp_path)
    assert r.returncode == 3  # ExitCode.CONFIG (docs/cli.md)
    assert "lockgate.yaml" in r.stderr and "--project" in r.stderr


def test_project_option_selects_another_project(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "orders.yaml").write_text(ORDERS)
    (tmp_path / "lockgate.yaml").write_text("imports: specs\n")
    r = lockgate("--project", str(tmp_path), "list", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert [row["name"] for row in rows] == ["orders"]
    assert rows[0]["target"] == "sales.orders" and rows[0]["schedule"].startswith("cron(0 3")


def test_schema_prints_json_schema() -> None:
    r = lockgate("schema")
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    assert schema["title"] == "Lockgate import spec"
    assert set(schema["required"]) == {"name", "source", "columns", "target"}
