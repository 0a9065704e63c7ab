"""A project outside this repository ships its own hook modules with both engines."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from orchestration.core.errors import ConfigError, LockgateError
from orchestration.core.spec import parse_spec
from orchestration.hook_sources import hook_files
from orchestration.packaging import build

SPEC = """name: readings
source: {{uri: "s3://acme-raw/readings/{{date}}/", format: csv}}
columns:
  - {{name: sensor, type: string}}
  - {{name: value, type: double}}
target: {{database: plant, table: readings, location: "s3://acme-lake/plant/readings/"}}
hooks: {{arrow: "{hook}"}}
"""


def _project(root: Path, hook: str) -> Path:
    root.mkdir(parents=True)
    (root / "lockgate.yaml").write_text("imports: imports\naws: {region: eu-central-1, prefix: lockgate}\n")
    (root / "imports").mkdir()
    (root / "imports" / "readings.yaml").write_text(SPEC.format(hook=hook))
    (root / "pipeline" / "hooks").mkdir(parents=True)
    (root / "pipeline" / "__init__.py").write_text("")
    (root / "pipeline" / "hooks" / "__init__.py").write_text("")
    (root / "pipeline" / "hooks" / "clean.py").write_text("def drop_test_sensors(table):\n    return table\n")
    (root / "pipeline" / "unused.py").write_text("SECRET = 'not a hook, not shipped'\n")
    return root


def _names(path: Path) -> set[str]:
    return set(zipfile.ZipFile(path).namelist())


def test_the_projects_hook_modules_are_in_the_lambda_code_and_the_glue_zip(tmp_path: Path) -> None:
    project = _project(tmp_path / "project", "pipeline.hooks.clean:drop_test_sensors")
    art = build(tmp_path / "out", layer=False, glue_wheels=False, project=project)
    wanted = {"pipeline/__init__.py", "pipeline/hooks/__init__.py", "pipeline/hooks/clean.py"}
    for name in ("code", "glue_zip"):
        files = _names(art[name].path)
        assert wanted <= files, (name, sorted(f for f in files if f.startswith("pipeline")))
        assert "pipeline/unused.py" not in files and not any(f.startswith("examples/") for f in files)


def test_a_hook_module_without_a_file_stops_packaging_naming_the_spec(tmp_path: Path) -> None:
    project = _project(tmp_path / "project", "pipeline.hooks.missing:fn")
    with pytest.raises(LockgateError) as err:
        build(tmp_path / "out", layer=False, glue_wheels=False, project=project)
    assert "pipeline.hooks.missing" in str(err.value) and "readings.yaml" in str(err.value)


def test_a_hook_installed_outside_the_project_is_not_shipped_silently(tmp_path: Path) -> None:
    """A module importable here (an installed package) but not under the project would be missing on AWS."""
    specs = {"readings": parse_spec(yaml.safe_load(SPEC.format(hook="json.decoder:JSONDecoder")))}
    with pytest.raises(ConfigError) as err:
        hook_files(tmp_path, specs)
    assert "json.decoder" in str(err.value) and err.value.where == "readings: hooks.arrow"
