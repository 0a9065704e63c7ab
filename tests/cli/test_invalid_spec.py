"""An invalid spec blocks only its own import: commands on other imports work, `list` and `validate`
name the broken file and what is wrong with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import ORDERS

BROKEN = ORDERS.replace("name: orders", "name: refunds").replace("timeout_s: 900", "timeout_s: 901")
NOT_YAML = "name: returns\nsource: [unclosed\n"


@pytest.fixture
def broken(project: Path) -> Path:
    (project / "imports" / "refunds.yaml").write_text(BROKEN)
    (project / "imports" / "returns.yaml").write_text(NOT_YAML)
    return project


def test_other_imports_still_work(cli, broken: Path) -> None:
    plan = cli("plan", "orders", "--local", "--window", "2024-03-01", "--json")
    assert plan.code == 0, plan.err
    assert plan.json()["import"] == "orders"
    graph = cli("graph", "orders")
    assert graph.code == 0 and graph.out.startswith("flowchart TD")
    put = cli("lake", "put", "orders", str(_gz(broken)), "--window", "2024-03-01", "--json")
    assert put.code == 0, put.err
    run = cli("run", "orders", "--local", "--window", "2024-03-01", "--json")
    assert run.code == 0, run.out + run.err
    assert run.json()["status"] == "SUCCEEDED" and run.json()["rows_written"] == 1


def _line_of(file: Path, text: str) -> int:
    return next(i for i, line in enumerate(file.read_text().splitlines(), 1) if text in line)


def _col_of(file: Path, text: str) -> int:
    return next(line.index(text) + 1 for line in file.read_text().splitlines() if text in line)


def _gz(root: Path) -> Path:
    import gzip

    f = root / "o.csv.gz"
    f.write_bytes(gzip.compress(b"OrderID,customer_id,amount,currency,status,ordered_at\n"
                                b"1,2,3.50,EUR,paid,2024-03-01 10:00:00\n"))
    return f


def test_the_broken_import_itself_says_why(cli, broken: Path) -> None:
    r = cli("plan", "refunds", "--local", "--window", "2024-03-01")
    assert r.code == 2 and "Traceback" not in r.err
    line = _line_of(broken / "imports" / "refunds.yaml", "timeout_s: 901")
    col = _col_of(broken / "imports" / "refunds.yaml", "timeout_s: 901")
    assert r.err_lines[0] == (f"error: {broken / 'imports' / 'refunds.yaml'}:{line}:{col}: routing.lambda.timeout_s: 901 is "
                              "out of range; it must be at most 900")
    yaml = cli("run", "returns", "--local", "--window", "2024-03-01", "--json")
    body = yaml.json()
    assert yaml.code == 2 and body["error"] == "Lockgate.SpecError"
    assert "returns.yaml: line 3: invalid YAML" in body["message"]


def test_list_shows_every_import_and_names_the_broken_files(cli, broken: Path) -> None:
    r = cli("list")
    assert r.code == 0
    assert "orders" in r.out and "refunds" in r.out and "invalid" in r.out
    line = _line_of(broken / "imports" / "refunds.yaml", "timeout_s: 901")
    col = _col_of(broken / "imports" / "refunds.yaml", "timeout_s: 901")
    assert f"invalid spec: {broken / 'imports' / 'refunds.yaml'}:{line}:{col}: routing.lambda.timeout_s: 901 is out of range; " \
           "it must be at most 900" in r.err_lines, r.err
    rows = {row["name"]: row for row in cli("list", "--json").json()}
    assert set(rows) == {"orders", "refunds", "returns"}
    assert rows["orders"]["valid"] and rows["orders"]["problems"] == []
    assert rows["orders"]["file"].endswith("imports/orders.yaml")
    assert not rows["refunds"]["valid"] and rows["refunds"]["file"].endswith("refunds.yaml")
    assert rows["returns"]["problems"] == [f"{broken / 'imports' / 'returns.yaml'}: line 3: invalid YAML: expected ',' "
                                           "or ']', but got '<stream end>'"]


def test_validate_reports_each_broken_file_and_exits_2(cli, broken: Path) -> None:
    r = cli("validate")
    assert r.code == 2 and r.out == ""
    assert len(r.err_lines) == 2
    line = _line_of(broken / "imports" / "refunds.yaml", "timeout_s: 901")
    col = _col_of(broken / "imports" / "refunds.yaml", "timeout_s: 901")
    assert any(f"refunds.yaml:{line}:{col}: routing.lambda.timeout_s: 901 is out of range" in ln for ln in r.err_lines)
    assert any("returns.yaml: line 3: invalid YAML" in line for line in r.err_lines)
    body = cli("validate", "--json")
    assert body.code == 2
    doc = body.json()
    assert doc["valid"] is False and len(doc["files"]) == 3
    assert sorted(Path(f).name for f in doc["invalid_files"]) == ["refunds.yaml", "returns.yaml"]
    refunds = next(p for p in doc["problems"] if p["file"].endswith("refunds.yaml"))
    assert refunds == {"file": str(broken / "imports" / "refunds.yaml"),
                       "line": _line_of(broken / "imports" / "refunds.yaml", "timeout_s: 901"), "column": col,
                       "field": "routing.lambda.timeout_s", "message": "901 is out of range; it must be at most 900"}
    ok = cli("validate", str(broken / "imports" / "orders.yaml"), "--json")
    assert ok.code == 0 and ok.json() == {"valid": True, "files": [str(broken / "imports" / "orders.yaml")],
                                          "invalid_files": [], "problems": []}


def test_a_name_declared_twice_blocks_both_files(cli, project: Path) -> None:
    (project / "imports" / "copy.yaml").write_text(ORDERS)
    r = cli("plan", "orders", "--local", "--window", "2024-03-01")
    assert r.code == 2, r
    imports = project / "imports"
    assert r.err_lines[0] == (f"error: {imports / 'orders.yaml'}: name: import 'orders' is already declared in "
                              f"{imports / 'copy.yaml'}; rename one of them")
    rows = cli("list", "--json").json()
    assert [(row["name"], row["valid"]) for row in rows] == [("orders", False), ("orders", False)]


def test_render_needs_every_spec_valid(cli, broken: Path) -> None:
    r = cli("render", "--out", str(broken / "out"))
    assert r.code == 2, r
    assert "refunds.yaml" in r.err_lines[0] or "returns.yaml" in r.err_lines[0]
    assert not (broken / "out").exists()
