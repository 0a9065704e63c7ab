"""Fixtures for the offline Terraform checks.

The render directory comes from the real compiler (`lockgate render`) when it works, and from the
committed stand-in under fixtures/render otherwise; which one is used is printed and recorded as a
warning so the fallback is visible in every test run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.terraform import tfhelpers as h


@pytest.fixture(scope="session")
def render_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`lockgate render --out <tmp>` output, or the committed fixture when the command is missing or fails."""
    lockgate = h.REPO / ".venv" / "bin" / "lockgate"
    reason = f"{lockgate} does not exist"
    if os.environ.get("LOCKGATE_TF_TESTS_RENDER") == "fixture":
        reason = "LOCKGATE_TF_TESTS_RENDER=fixture asks for it"
    elif lockgate.exists():
        out = tmp_path_factory.mktemp("render")
        try:
            proc = subprocess.run(
                [str(lockgate), "render", "--out", str(out)],
                cwd=h.REPO,
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            reason = "`lockgate render` timed out after 120 s"
        else:
            if proc.returncode == 0 and (out / "imports.json").exists():
                print(f"\n[terraform tests] render output: `lockgate render --out {out}`")
                return out
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
            reason = f"`lockgate render` exited {proc.returncode}: {tail[0][:200]}"
    message = (
        f"[terraform tests] FALLBACK to the committed render fixture {h.FIXTURE_RENDER} because {reason}"
    )
    print("\n" + message)
    warnings.warn(message, stacklevel=1)
    return h.FIXTURE_RENDER


@pytest.fixture(scope="session")
def imports(render_dir: Path) -> dict[str, h.RenderedImport]:
    names = h.import_names(json.loads((render_dir / "imports.json").read_text()))
    assert names, f"{render_dir}/imports.json lists no imports"
    return {n: h.RenderedImport.load(render_dir, n) for n in names}


@pytest.fixture(scope="session")
def terraform_bin() -> str:
    binary = shutil.which("terraform") or (
        "/usr/local/bin/terraform" if Path("/usr/local/bin/terraform").exists() else None
    )
    if binary is None:
        pytest.skip(
            "terraform CLI not found on PATH or at /usr/local/bin/terraform; install Terraform >= 1.5 to run this check"
        )
    return binary


@pytest.fixture(scope="session")
def tf_workspace(tmp_path_factory: pytest.TempPathFactory, terraform_bin: str) -> Iterator[h.TfWorkspace]:
    """A copy of terraform/ in a temp dir, initialised offline; nothing is written into the repo."""
    root = tmp_path_factory.mktemp("tf")
    shutil.copytree(
        h.REPO / "terraform",
        root / "terraform",
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", ".terraform.lock.hcl"),
    )
    env = dict(os.environ)
    if not Path(env.get("TF_CLI_CONFIG_FILE", "/nonexistent")).exists():
        env.pop("TF_CLI_CONFIG_FILE", None)  # a dangling CLI config only produces warnings
    env.update(
        TF_IN_AUTOMATION="1",
        TF_INPUT="0",
        CHECKPOINT_DISABLE="1",
    )
    yield h.TfWorkspace(root=root / "terraform", binary=terraform_bin, env=env)
