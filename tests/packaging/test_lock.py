"""The lock is what gets installed: `make setup` syncs uv.lock exactly, and the Lambda layer and the Glue
wheels take their versions from it, so a green run today is green again on a new machine."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

import pytest

from orchestration import packaging
from orchestration.core.errors import ConfigError
from orchestration.packaging import (
    DEFAULT_RUNTIME,
    LAYER_PACKAGES,
    ROOT,
    glue_requirements,
    layer_requirements,
)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    return packaging.locked_versions()


def test_every_declared_dependency_is_locked_to_one_version() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *(d for ds in project["optional-dependencies"].values() for d in ds)]
    names = {_canonical(re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0]) for d in declared}
    locked = _locked()
    assert names, "pyproject.toml declares no dependencies"
    assert sorted(names - locked.keys()) == []


def test_the_environment_is_exactly_the_lock() -> None:
    locked = _locked()
    installed = {_canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    differs = {n: (v, locked[n]) for n, v in installed.items() if n in locked and v != locked[n]}
    assert differs == {}, f"installed (version, locked version) differ; run `make setup`: {differs}"
    # Most of the lock applies on this platform: a lock that installs almost nothing would pass the check above.
    assert len(locked.keys() & installed.keys()) >= 0.8 * len(locked)


def test_the_lambda_layer_and_the_glue_wheels_pin_the_locked_versions() -> None:
    locked = _locked()
    layer = layer_requirements(DEFAULT_RUNTIME)
    assert [r.split("==")[0] for r in layer] == list(LAYER_PACKAGES)
    assert all(r.split("==")[1] == locked[_canonical(r.split("==")[0])] for r in layer), layer
    glue = glue_requirements()
    assert {"pydantic", "sqlglot", "pyyaml"} <= {r.split("==")[0] for r in glue}
    assert all(locked[r.split("==")[0]] == r.split("==")[1] for r in glue), glue


def test_make_setup_installs_from_the_lock_and_never_resolves() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"\$\(UV\) sync --frozen", makefile), "make setup must install uv.lock as it is (--frozen)"
    assert "pip install -e" not in makefile and "pip install -q -e" not in makefile
    assert re.search(r"^UV_VERSION := \d+\.\d+\.\d+$", makefile, re.M), "uv itself is pinned"


def test_an_installed_package_takes_the_versions_installed_with_it(tmp_path, monkeypatch) -> None:
    """Outside this repository there is no uv.lock beside the code: packaging uses what is installed."""
    import importlib.metadata

    from orchestration import packaging

    monkeypatch.setattr(packaging, "ROOT", tmp_path)
    versions = packaging.locked_versions()
    assert versions["pyarrow"] == importlib.metadata.version("pyarrow")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # a checkout without its lock
    with pytest.raises(ConfigError, match="uv.lock is missing"):
        packaging.locked_versions()
