"""``lockgate render`` writes what docs/contracts.md promises Terraform; ``lockgate graph`` draws it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from orchestration.cli.app import app
from orchestration.compiler import compile_definition
from orchestration.compiler.graph import to_dot, to_mermaid
from orchestration.compiler.render import static_prefix
from tests.compiler.test_definition import ROOT, SPECS

CONTRACT_KEYS = {"import", "state_machine_name", "placeholders", "spec_key", "source", "target", "lambda", "glue",
                 "crawler", "schedule", "notifications", "integrations"}


def test_render_writes_the_contract_shapes(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["--project", str(ROOT), "render", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    names = json.loads((tmp_path / "imports.json").read_text())
    assert names == ["events", "orders", "payments", "sessions"]
    for name in names:
        d = tmp_path / name
        definition = json.loads((d / "definition.asl.json").read_text())
        assert definition == compile_definition(SPECS[name])
        assert json.loads((d / "spec.json").read_text()) == SPECS[name].canonical()
        tf = json.loads((d / "terraform.json").read_text())
        assert set(tf) >= CONTRACT_KEYS
        assert tf["state_machine_name"] == f"lockgate-{name}" and tf["spec_key"] == f"specs/{name}.json"
        text = (d / "definition.asl.json").read_text()
        assert all("${" + p + "}" in text for p in tf["placeholders"])
        assert set(tf["target"]) == {"database", "table", "location", "bucket", "prefix", "quarantine"}
        assert set(tf["lambda"]) == {"memory_mb", "timeout_s", "max_concurrency"}
        assert set(tf["glue"]) == {"version", "worker_type", "workers", "timeout_minutes"}  # flex is per run
        assert "arn:aws:states:::glue:startJobRun.sync" in tf["integrations"]
    orders = json.loads((tmp_path / "orders" / "terraform.json").read_text())
    assert orders["source"] == {"uri": "s3://acme-raw/shop/orders/", "bucket": "acme-raw", "prefix": "shop/orders/",
                                "template": "s3://acme-raw/shop/orders/{date}/"}
    assert orders["schedule"] == {"expression": "cron(0 3 * * ? *)", "timezone": "Europe/Berlin",
                                  "window": "previous_day", "input": {"import": "orders", "mode": "scheduled"}}
    assert orders["crawler"]["name"] == "lockgate-orders" and orders["crawler"]["database"] == "sales"
    assert orders["integrations"] == sorted(orders["integrations"])
    assert "arn:aws:states:::s3:getObject" in orders["integrations"]
    sessions = json.loads((tmp_path / "sessions" / "terraform.json").read_text())
    assert sessions["schedule"] is None and "arn:aws:states:::s3:getObject" not in sessions["integrations"]
    assert "download" not in orders and not any(k.startswith("download") for k in orders["functions"])
    # an https:// import: Plan reads the landing layout, and the download functions may read exactly its secret
    payments = json.loads((tmp_path / "payments" / "terraform.json").read_text())
    assert payments["source"] == {"uri": "s3://acme-raw/partner/payments/", "bucket": "acme-raw",
                                  "prefix": "partner/payments/", "template": "s3://acme-raw/partner/payments/{date}/"}
    assert payments["download"] == {"uri": "https://localhost:48443/exports/payments/{date}/",
                                    "landing": "s3://acme-raw/partner/payments/",
                                    "secret": "lockgate/partner-payments", "parameter": None}
    assert {"download_list", "download_file", "download_finish"} <= set(payments["functions"])
    assert payments["functions"]["download_file"]["handler"] == "lambdas.handlers.download_file.handler"


def test_static_prefix_stops_before_the_first_placeholder() -> None:
    assert static_prefix("s3://raw/a/{year}/{month}/") == "s3://raw/a/"
    assert static_prefix("s3://raw/a/day={date}/") == "s3://raw/a/"
    assert static_prefix("s3://raw/a/b.csv") == "s3://raw/a/b.csv"


def test_graph_png_renders(tmp_path: Path) -> None:
    out = tmp_path / "orders.png"
    res = CliRunner().invoke(app, ["--project", str(ROOT), "graph", "orders", "--format", "png", "--out", str(out)])
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000


def test_graph_mermaid_and_outcome_colours() -> None:
    definition = compile_definition(SPECS["orders"])
    res = CliRunner().invoke(app, ["--project", str(ROOT), "graph", "orders"])
    assert res.exit_code == 0 and res.output.startswith("flowchart TD")
    for name in definition["States"]:
        assert f'"{name}"' in res.output
    assert "Route -->|route = glue| RunGlueJob" in res.output
    coloured = to_mermaid(definition, {"Plan": "succeeded", "Commit": "failed", "Nope": "failed"})
    assert "style Plan fill:#b7e4c7" in coloured and "style Commit fill:#f4a6a6" in coloured
    assert "Nope" not in coloured
    assert '"Commit" [shape=box, fillcolor="#f4a6a6"' in to_dot(definition, {"Commit": "failed"})


def test_graph_run_colours_states_by_the_recorded_outcome(tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "imports", project / "imports")
    (project / "lockgate.yaml").write_text("imports: imports\nlocal: {lake: lake}\n")
    run = project / "lake" / "_runs" / "run-7"
    run.mkdir(parents=True)
    (run / "summary.json").write_text(json.dumps({"run_id": "run-7", "import": "orders"}))
    (run / "states.json").write_text(json.dumps({"states": [
        {"name": "Plan", "status": "succeeded"}, {"name": "RunGlueJob", "status": "failed"}]}))
    res = CliRunner().invoke(app, ["--project", str(project), "graph", "orders", "--run", "run-7"])
    assert res.exit_code == 0, res.output
    assert "style Plan fill:#b7e4c7" in res.output and "style RunGlueJob fill:#f4a6a6" in res.output
    missing = CliRunner().invoke(app, ["--project", str(project), "graph", "orders", "--run", "nope"])
    assert missing.exit_code != 0
