"""`lockgate render --terraform DIR`: a Terraform root module for a project outside this repository
(the emulator apply of such a project is in test_apply.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.core.errors import ConfigError
from orchestration.terraform_root import TFVARS, terraform_source
from tests.terraform import tfhelpers as h
from tests.terraform.outside_project import make_project


def test_render_writes_a_root_module_wired_to_the_projects_render_and_package(tmp_path: Path) -> None:
    project = make_project(tmp_path / "plant")
    proc = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), "render",
                           "--out", str(project / "build" / "render"), "--terraform", str(project / "infra"), "--json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    infra = project / "infra"
    assert json.loads(proc.stdout)["terraform"] == str(infra)
    for module in (h.MODULES).iterdir():
        assert {p.name for p in (infra / "modules" / module.name).iterdir()} == {p.name for p in module.iterdir()}
    main = (infra / "main.tf").read_text()
    assert '"./modules/lambda"' in main and "../../modules" not in main
    tfvars = json.loads((infra / TFVARS).read_text())
    assert (infra / tfvars["render_dir"]).resolve() == (project / "build" / "render").resolve()
    assert (infra / tfvars["render_dir"] / "readings" / "terraform.json").is_file()
    assert (infra / tfvars["package_dir"]).resolve() == (project / "build" / "package").resolve()
    # The user's own settings file is theirs: a second render keeps it.
    (infra / "terraform.tfvars").write_text('name = "plant"\n')
    again = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), "render",
                            "--out", str(project / "build" / "render"), "--terraform", str(infra)],
                           cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and (infra / "terraform.tfvars").read_text() == 'name = "plant"\n'


def test_an_installed_package_finds_the_terraform_under_its_data_prefix(tmp_path: Path) -> None:
    shared = tmp_path / "prefix" / "share" / "lockgate" / "terraform"
    shutil.copytree(h.TERRAFORM / "modules", shared / "modules")
    shutil.copytree(h.ENV_EXAMPLE, shared / "environments" / "example")
    assert terraform_source((tmp_path / "no-checkout", shared)) == shared
    with pytest.raises(ConfigError, match="reinstall lockgate"):
        terraform_source((tmp_path / "no-checkout", tmp_path / "nothing"))


def test_the_wheel_carries_the_terraform_it_needs() -> None:
    """pyproject's data-files list every module and the environment (what an installed package uses)."""
    import tomllib

    data = tomllib.loads((h.REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["data-files"]
    listed = {Path(k).relative_to("share/lockgate/terraform").as_posix() for k in data}
    expected = {f"modules/{m.name}" for m in h.MODULES.iterdir() if m.is_dir()} | {"environments/example"}
    assert listed == expected
