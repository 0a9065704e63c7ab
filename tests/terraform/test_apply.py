"""`terraform apply` of the example environment against an AWS emulator (moto's server over real HTTP).

Every resource is created on the first apply, a second plan shows no changes, and what was deployed
equals what `lockgate render` produced: the state machine definitions (placeholders filled with the
deployed names), each function's sizing and runtime environment, and the state machine roles (exactly
what each definition calls). Emulator gaps are worked around in tests/terraform/emulator.py only.

Marked ``deploy``: it applies 150 resources (about a minute), so `make test` leaves it out and CI runs it
as its own step (`make test-deploy`, called by .ci/run); the offline plan tests in `make test` cover the
same modules.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.terraform import emulator
from tests.terraform import tfhelpers as h
from tests.terraform.outside_project import BUCKETS, make_project
from tests.terraform.planning import KEY, REGION, stand_in_package
from tests.terraform.test_plan import _expected_grants, _granted

pytestmark = pytest.mark.deploy


class Deployed:
    def __init__(self, ws: h.TfWorkspace, cwd: Path, args: list[str], endpoints: dict[str, str]) -> None:
        self.ws, self.cwd, self.args, self.endpoints = ws, cwd, args, endpoints

    def client(self, service: str) -> Any:
        endpoint = self.endpoints["sfn" if service == "stepfunctions" else service]
        return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                            aws_access_key_id="test", aws_secret_access_key="test")

    def outputs(self) -> dict[str, Any]:
        proc = self.ws.run(["output", "-json"], self.cwd, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return {k: v["value"] for k, v in json.loads(proc.stdout).items()}

    def state(self) -> dict[str, dict[str, Any]]:
        proc = self.ws.run(["show", "-json"], self.cwd, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out: dict[str, dict[str, Any]] = {}

        def walk(module: dict[str, Any]) -> None:
            for r in module.get("resources", []):
                out[r["address"]] = r["values"]
            for child in module.get("child_modules", []):
                walk(child)

        walk(json.loads(proc.stdout)["values"]["root_module"])
        return out


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, terraform_bin: str, render_dir: Path,
             package_dir: Path) -> Iterator[Deployed]:
    root = tmp_path_factory.mktemp("apply")
    shutil.copytree(h.TERRAFORM, root / "terraform",
                    ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"))
    cwd = root / "terraform" / "environments" / "example"
    ws = h.TfWorkspace(root=root / "terraform", binary=terraform_bin, env=h.offline_env())
    ok, how = ws.init(cwd)
    if not ok:  # as the plan tests do (tests/terraform/conftest.py): no provider here, no apply
        pytest.skip(f"cannot install the hashicorp/aws provider offline, so the emulator apply is skipped: {how}")
    args = ["-input=false", f"-var=render_dir={render_dir}", f"-var=package_dir={package_dir}"]
    with emulator.emulator() as endpoints:
        (cwd / "zz_emulator_override.tf").write_text(emulator.provider_override(endpoints, REGION))
        first = ws.run(["apply", "-auto-approve", *args], cwd, timeout=900)
        assert first.returncode == 0, f"the first apply failed:\n{h.last_error(first)}\n{first.stdout[-3000:]}"
        assert "Apply complete!" in h.strip_ansi(first.stdout)
        yield Deployed(ws, cwd, args, endpoints)


def test_a_second_plan_after_the_first_apply_shows_no_changes(deployed: Deployed) -> None:
    proc = deployed.ws.run(["plan", "-detailed-exitcode", *deployed.args], deployed.cwd, timeout=600)
    assert proc.returncode == 0, f"exit {proc.returncode}: changes after the first apply:\n{h.strip_ansi(proc.stdout)[-4000:]}"


def _filled(imp: h.RenderedImport, outputs: dict[str, Any]) -> dict[str, Any]:
    """The rendered definition with every placeholder filled from the deployed environment's outputs."""
    values = {f"{fn}_function_arn": arn for fn, arn in outputs["function_arns"][imp.name].items()} | {
        "glue_job_name": outputs["glue_job_names"].get(imp.name, ""),
        "crawler_name": outputs["crawler_names"].get(imp.name, ""),
        "sns_topic_arn": outputs["notification_topic_arn"],
        "success_topic_arn": outputs["run_notification_topic_arn"] or "",
        "control_bucket": outputs["buckets"]["control"],
        "spec_key": imp.terraform["spec_key"],
    }
    text = (imp.dir / "definition.asl.json").read_text()
    for name in imp.placeholders():
        assert values.get(name), f"{imp.name}: the environment has no value for placeholder {name}"
        text = text.replace("${" + name + "}", values[name])
    return dict(json.loads(text))


def test_deployed_state_machines_are_the_rendered_definitions(deployed: Deployed,
                                                              imports: dict[str, h.RenderedImport]) -> None:
    outputs = deployed.outputs()
    sfn = deployed.client("stepfunctions")
    assert set(outputs["state_machine_arns"]) == set(imports)
    for name, imp in imports.items():
        machine = sfn.describe_state_machine(stateMachineArn=outputs["state_machine_arns"][name])
        assert json.loads(machine["definition"]) == _filled(imp, outputs), f"{name}: deployed definition differs"
        assert machine["name"] == imp.terraform["state_machine_name"]


def test_deployed_functions_have_the_rendered_sizing_and_runtime_environment(
        deployed: Deployed, imports: dict[str, h.RenderedImport]) -> None:
    outputs = deployed.outputs()
    lam = deployed.client("lambda")
    for name, imp in imports.items():
        functions = outputs["function_arns"][name]
        assert set(functions) == set(imp.functions()), name
        for fn, arn in functions.items():
            config = lam.get_function_configuration(FunctionName=arn)
            env = config["Environment"]["Variables"]
            wired = imp.terraform["functions"][fn]
            assert {k: env.get(k) for k in wired["environment"]} == wired["environment"], f"{name}/{fn}: environment"
            assert env["LOCKGATE_IMPORT"] == name and env["LOCKGATE_CONTROL_URI"] == imp.terraform["control_uri"]
            assert config["Architectures"] == ["x86_64"] and config["Handler"] == wired["handler"]
            assert (config["MemorySize"], config["Timeout"], config["EphemeralStorage"]["Size"]) == (
                wired["memory_mb"], wired["timeout_s"], wired["ephemeral_storage_mb"]), f"{name}/{fn}: sizing"


def test_the_runs_table_and_the_rules_that_record_each_run_are_deployed(
        deployed: Deployed, imports: dict[str, h.RenderedImport]) -> None:
    from orchestration.metering.table import COLUMNS

    outputs = deployed.outputs()
    database, table = outputs["runs_table"].split(".")
    found = deployed.client("glue").get_table(DatabaseName=database, Name=table)["Table"]
    assert [(c["Name"], c["Type"]) for c in found["StorageDescriptor"]["Columns"]] == [(n, t) for n, t, _ in COLUMNS]
    assert found["StorageDescriptor"]["Location"].endswith("/run_summaries/")
    events = deployed.client("events")
    for name in imports:
        rule = f"lockgate-{name}-run-finished"
        pattern = json.loads(events.describe_rule(Name=rule)["EventPattern"])
        assert pattern["detail"]["stateMachineArn"] == [outputs["state_machine_arns"][name]], name
        [target] = events.list_targets_by_rule(Rule=rule)["Targets"]
        assert target["Arn"] == outputs["function_arns"][name]["record"], name


def test_deployed_state_machine_roles_allow_exactly_what_the_definitions_call(
        deployed: Deployed, imports: dict[str, h.RenderedImport]) -> None:
    state = deployed.state()
    key = state["module.storage.aws_kms_key.this"]["arn"]
    iam = deployed.client("iam")
    outputs = deployed.outputs()
    for name, imp in imports.items():
        role = state[f'module.state_machine["{name}"].aws_iam_role.this']["name"]
        policy = iam.get_role_policy(RoleName=role, PolicyName="integrations")["PolicyDocument"]
        granted = _granted(json.dumps(policy))
        expected = {(a, key if r == KEY else r) for a, r in _expected_grants(imp, _filled(imp, outputs))}
        assert granted == expected, (f"{name}: granted but not needed {sorted(granted - expected)}; "
                                     f"needed but not granted {sorted(expected - granted)}")


def test_a_project_outside_this_repository_deploys_from_its_rendered_root_module(
        tmp_path: Path, terraform_bin: str) -> None:
    """`lockgate render --terraform infra` in the user's own folder, their terraform.tfvars, the package
    folder they build: the first apply creates everything, a second plan shows no changes."""
    project = make_project(tmp_path / "plant")
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), "render",
                           "--out", str(project / "build" / "render"), "--terraform", str(project / "infra")],
                          cwd=project, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    stand_in_package(project / "build" / "package")
    infra = project / "infra"
    (infra / "terraform.tfvars.json").write_text(json.dumps({"name": "plant", "buckets": BUCKETS}))
    ws = h.TfWorkspace(root=infra, binary=terraform_bin, env=h.offline_env())
    ok, how = ws.init(infra)
    if not ok:  # as the plan tests do (tests/terraform/conftest.py): no provider here, no apply
        pytest.skip(f"cannot install the hashicorp/aws provider offline, so the emulator apply is skipped: {how}")
    with emulator.emulator() as endpoints:
        (infra / "zz_emulator_override.tf").write_text(emulator.provider_override(endpoints, REGION))
        first = ws.run(["apply", "-auto-approve", "-input=false"], infra, timeout=900)
        assert first.returncode == 0, f"the first apply failed:\n{h.last_error(first)}\n{first.stdout[-3000:]}"
        again = ws.run(["plan", "-detailed-exitcode", "-input=false"], infra, timeout=600)
        assert again.returncode == 0, h.strip_ansi(again.stdout)[-3000:]
        deployed = Deployed(ws, infra, [], endpoints)
        outputs = deployed.outputs()
        assert outputs["imports"] == ["readings"]
        machine = deployed.client("stepfunctions").describe_state_machine(
            stateMachineArn=outputs["state_machine_arns"]["readings"])
        assert machine["name"] == "plant-readings"
        config = deployed.client("lambda").get_function_configuration(
            FunctionName=outputs["function_arns"]["readings"]["process_batch"])
        assert config["Environment"]["Variables"]["LOCKGATE_CONTROL_URI"] == "s3://plant-control/"
