"""Fixtures for the offline Terraform checks.

The render directory comes from the real compiler (`lockgate render`) when it works, and from the
committed stand-in under fixtures/render otherwise; which one is used is printed and recorded as a
warning so the fallback is visible in every test run. The real render covers the repo's examples
plus the imports under fixtures/project (shapes the examples do not have, e.g. a crawler with a
catalog target), rendered by the same compiler and merged into one directory.

One offline `terraform plan` of the example environment (session-scoped) serves test_plan.py and
test_consistency.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import warnings
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.terraform import planning as pl
from tests.terraform import tfhelpers as h

FIXTURE_PROJECT = Path(__file__).resolve().parent / "fixtures" / "project"


def _render(lockgate: Path, project: Path, out: Path) -> str | None:
    """Run `lockgate --project PROJECT render --out OUT`; None when it worked, else why not."""
    try:
        proc = subprocess.run(
            [str(lockgate), "--project", str(project), "render", "--out", str(out)],
            cwd=h.REPO,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return f"`lockgate render` of {project} timed out after 120 s"
    if proc.returncode == 0 and (out / "imports.json").exists():
        return None
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    return f"`lockgate render` of {project} exited {proc.returncode}: {tail[0][:200]}"


@pytest.fixture(scope="session")
def render_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`lockgate render --out <tmp>` output, or the committed fixture when the command is missing or fails."""
    lockgate = h.REPO / ".venv" / "bin" / "lockgate"
    reason = f"{lockgate} does not exist"
    if os.environ.get("LOCKGATE_TF_TESTS_RENDER") == "fixture":
        reason = "LOCKGATE_TF_TESTS_RENDER=fixture asks for it"
    elif lockgate.exists():
        out = tmp_path_factory.mktemp("render")
        extra = tmp_path_factory.mktemp("render-fixture-project")
        reason = _render(lockgate, h.REPO, out) or _render(lockgate, FIXTURE_PROJECT, extra)
        if reason is None:
            names = h.import_names(json.loads((out / "imports.json").read_text()))
            added = h.import_names(json.loads((extra / "imports.json").read_text()))
            assert not set(names) & set(added), f"fixtures/project reuses import names: {set(names) & set(added)}"
            for name in added:
                shutil.copytree(extra / name, out / name)
            (out / "imports.json").write_text(json.dumps(sorted(names + added), indent=2) + "\n")
            print(f"\n[terraform tests] render output: `lockgate render` of the repo and {FIXTURE_PROJECT} in {out}")
            return out
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
    yield h.TfWorkspace(root=root / "terraform", binary=terraform_bin, env=h.offline_env())


# ---------------------------------------------------------------------------------------------
# One offline plan of the example environment plus the state machine harness
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def initialised(tf_workspace: h.TfWorkspace) -> h.TfWorkspace:
    env_dir = tf_workspace.root / "environments" / "example"
    # The state machine harness lives in the same root so one plan covers both.
    (env_dir / "zz_test_harness.tf").write_text(
        pl.HARNESS % {"topic": pl.TOPIC, "runs_topic": pl.RUNS_TOPIC, "control": pl.CONTROL, "key": pl.KEY}
    )
    ok, how = tf_workspace.init(env_dir)
    if not ok:
        pytest.skip(f"cannot install the hashicorp/aws provider offline, so validate/plan are skipped: {how}")
    print(f"\n[terraform tests] init: {how}")
    return tf_workspace


@pytest.fixture(scope="session")
def sfn_stub_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), pl.ValidateDefinitionStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def sts_port() -> Iterator[int]:
    moto_server = pytest.importorskip("moto.server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield port
    finally:
        server.stop()


@pytest.fixture(scope="session")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for `make package` output: only the file names and types matter for a plan."""
    return pl.stand_in_package(tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="session")
def planned(
    initialised: h.TfWorkspace,
    sts_port: int,
    sfn_stub_port: int,
    render_dir: Path,
    package_dir: Path,
    imports: dict[str, h.RenderedImport],
) -> dict[str, dict[str, Any]]:
    """One plan of the example environment plus the state machine harness (one provider start-up)."""
    cwd = initialised.root / "environments" / "example"
    machines = {
        n: {
            "name": i.terraform["state_machine_name"],
            "definition_template": str(i.dir / "definition.asl.json"),
            "spec_key": i.terraform["spec_key"],
            "glue_job_name": f"lockgate-{n}" if "glue_job_name" in i.placeholders() else None,
            "crawler_name": f"lockgate-{n}" if "crawler_name" in i.placeholders() else None,
        }
        for n, i in imports.items()
    }
    # Every function of every import is offered; only the ones the ASL names may be granted.
    arns = {n: {fn: pl.ARN_FN.format(imp=n, fn=fn) for fn in h.FUNCTIONS} for n in imports}
    (cwd / "zz_test.auto.tfvars.json").write_text(
        json.dumps({"test_machines": machines, "test_lambda_function_arns": arns})
    )
    args = [f"-var=render_dir={render_dir}", f"-var=package_dir={package_dir}"]
    return pl.resources(pl.plan(initialised, cwd, (sts_port, sfn_stub_port), args))


@pytest.fixture(scope="session")
def env_plan(planned: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a: v for a, v in planned.items() if not a.startswith("module.test_")}


@pytest.fixture(scope="session")
def lambda_plan(planned: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The harness's Lambda modules (literal key and control bucket, so the role policies are known),
    addressed like the environment's (module.lambda[...])."""
    prefix = "module.test_lambda"
    return {"module.lambda" + a[len(prefix) :]: v for a, v in planned.items() if a.startswith(prefix)}


@pytest.fixture(scope="session")
def glue_plan(planned: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The harness's Glue module (literal key and control bucket, so its IAM policies are known),
    addressed like the environment's (module.glue...)."""
    prefix = "module.test_glue."
    return {"module.glue." + a[len(prefix) :]: v for a, v in planned.items() if a.startswith(prefix)}
