"""Module conventions (terraform-aws-modules style) and `terraform fmt`."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.terraform import tfhelpers as h

MODULE_NAMES = ("storage", "lambda", "glue", "state_machine", "scheduler", "notifications", "athena")
REQUIRED_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md")
CONFIGS = [h.MODULES / m for m in MODULE_NAMES] + [h.ENV_EXAMPLE]


@pytest.mark.parametrize("module", MODULE_NAMES)
def test_module_has_the_standard_files_and_a_main_resource_named_this(module: str) -> None:
    d = h.MODULES / module
    missing = [f for f in REQUIRED_FILES if not (d / f).is_file()]
    assert not missing, f"terraform/modules/{module} lacks {missing}"
    resources = h.load_hcl(d / "main.tf").get("resource", [])
    names = {name for block in resources for body in block.values() for name in body}
    assert "this" in names, (
        f"terraform/modules/{module}/main.tf has no resource named `this` (found {sorted(names)})"
    )


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_versions_pin_terraform_and_the_aws_provider(config) -> None:
    tf = h.load_hcl(config / "versions.tf")["terraform"][0]
    assert tf["required_version"] == ">= 1.5", f"{config}/versions.tf: required_version must be '>= 1.5'"
    aws = tf["required_providers"][0]["aws"]
    assert aws["source"] == "hashicorp/aws"
    assert re.fullmatch(r"~> 5\.\d+", aws["version"]), (
        f"{config}/versions.tf: aws provider must be pinned '~> 5.x', got {aws['version']!r}"
    )


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_every_variable_is_typed_described_and_validated(config) -> None:
    problems = []
    for block in h.load_hcl(config / "variables.tf").get("variable", []):
        for name, body in block.items():
            type_ = str(body.get("type", ""))
            if not type_:
                problems.append(f"{name}: no type")
            if re.search(r"\bany\b", type_):
                problems.append(f"{name}: type uses `any`")
            if not str(body.get("description", "")).strip():
                problems.append(f"{name}: no description")
            if not body.get("validation"):
                problems.append(f"{name}: no validation block")
    assert not problems, f"{config}/variables.tf: " + "; ".join(problems)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda p: p.name)
def test_every_output_is_described(config) -> None:
    outputs = h.load_hcl(config / "outputs.tf").get("output", [])
    assert outputs, f"{config}/outputs.tf declares no outputs"
    undescribed = [
        n for block in outputs for n, body in block.items() if not str(body.get("description", "")).strip()
    ]
    assert not undescribed, f"{config}/outputs.tf: outputs without a description: {undescribed}"


def test_terraform_fmt_check(terraform_bin: str) -> None:
    proc = subprocess.run(
        [terraform_bin, "fmt", "-check", "-recursive", "-diff", str(h.TERRAFORM)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, (
        f"terraform fmt -check failed; run `terraform fmt -recursive terraform/`:\n{proc.stdout[-3000:]}{proc.stderr[-1000:]}"
    )
