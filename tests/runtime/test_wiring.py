"""One source for the deployment wiring (orchestration.wiring): `lockgate render` writes it, Terraform
applies it (tests/terraform: the plan and the emulator apply compare against the render), and the local
runner runs with it. A routing setting tuned in lockgate.yaml reaches the plan function both ways."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from orchestration import wiring
from orchestration.compiler.render import render_project
from orchestration.config import Project
from orchestration.router.config import RoutingConfig
from tests.runtime.sample import write_orders

ROOT = Path(__file__).resolve().parents[2]
TUNED = "routing: {throughput: {max_objects_per_batch: 1}}\n"


def test_render_writes_each_deployed_functions_wiring_for_every_example_import(tmp_path: Path) -> None:
    project = Project.load(ROOT)
    specs = project.specs()
    render_project(specs, project.config, tmp_path)
    for name, spec in specs.items():
        rendered = json.loads((tmp_path / name / "terraform.json").read_text())
        wired = {kind: f.as_json() for kind, f in wiring.functions(spec, project.config).items()}
        invoked = {p.removesuffix("_function_arn") for p in rendered["placeholders"] if p.endswith("_function_arn")}
        deployed = invoked | {"record"}  # EventBridge starts record when an execution ends
        assert set(rendered["functions"]) == deployed, name
        assert rendered["functions"] == {k: wired[k] for k in deployed}, name
        memory = json.loads(rendered["functions"]["record"]["environment"]["LOCKGATE_FUNCTION_MEMORY"])
        assert memory == {k: f["memory_mb"] for k, f in wired.items()}, name
        assert rendered["glue"] == wiring.glue_job(spec)


def test_a_tuned_routing_block_reaches_the_plan_function_locally_and_in_the_render(project: Path) -> None:
    (project / "lockgate.yaml").write_text((project / "lockgate.yaml").read_text() + TUNED)
    loaded = Project.load(project)
    env = wiring.functions(loaded.spec("orders"), loaded.config)["plan"].environment
    assert RoutingConfig.model_validate_json(env["LOCKGATE_ROUTING"]).throughput.max_objects_per_batch == 1
    assert env["LOCKGATE_MAX_WINDOW_DAYS"] == str(loaded.config.limits.max_window_days)

    lake = project / "lake"
    write_orders(lake)
    folder = lake / "acme-raw" / "shop" / "orders" / "2024-03-01"
    shutil.copy(folder / "orders-part-000.csv.gz", folder / "orders-part-001.csv.gz")
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), "run", "orders",
                           "--local", "--window", "2024-03-01", "--engine", "lambda", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    run = json.loads(proc.stdout)
    assert run["status"] == "SUCCEEDED", proc.stderr[-2000:]
    # One object per batch, as tuned (the default packs both into one): two ProcessBatch invocations.
    states = json.loads((Path(run["records"]) / "states.json").read_text())["states"]
    calls = {s["name"]: len(s.get("calls") or []) for s in states}
    assert calls["ProcessBatch"] == 2, calls
