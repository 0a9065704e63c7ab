"""Hooks run with the environment the Lambda function or Glue job would have, never the CLI's: a secret
in the shell (a token, the developer's AWS keys) does not reach them, and boto3 inside them finds no
credentials (issue #19: hooks ran with the CLI's whole environment)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestration.local.services import GlueService, LocalGlueJob
from orchestration.local.services.lambda_ import LambdaService, LocalFunction

ROOT = Path(__file__).resolve().parents[2]
BASE = {"LOCKGATE_LAKE": "/tmp/lake", "LOCKGATE_CONTROL_URI": "s3://lockgate-control/", "AWS_REGION": "eu-west-1"}
SECRETS = {"GITHUB_TOKEN": "ghp_secret", "AWS_ACCESS_KEY_ID": "AKIASECRET", "AWS_SECRET_ACCESS_KEY": "secret",
           "AWS_SESSION_TOKEN": "secret-token", "AWS_PROFILE": "admin", "DATABASE_PASSWORD": "hunter2"}


@pytest.fixture()
def shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in SECRETS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("LOCKGATE_ROWS_PER_CHUNK", "1000")  # Lockgate's own knobs do pass


def _assert_minimal(seen: dict[str, Any]) -> dict[str, str]:
    env: dict[str, str] = seen["environ"]
    assert not set(SECRETS) & set(env), sorted(set(SECRETS) & set(env))
    assert not any("secret" in v.lower() or v == "hunter2" for v in env.values())
    assert seen["credentials"] is False
    assert env["LOCKGATE_LAKE"] == "/tmp/lake" and env["LOCKGATE_ROWS_PER_CHUNK"] == "1000"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    return env


def test_a_lambda_hook_sees_only_the_functions_environment(shell: None, tmp_path: Path) -> None:
    name = "lockgate-orders-process-batch"
    service = LambdaService({name: LocalFunction(name, "tests.security.hook_probe.environment", 512, 60,
                                                 {"POWERTOOLS_SERVICE_NAME": "lockgate-orders"})},
                            base_env=BASE, cwd=ROOT)
    seen, _ = service.invoke(name, {})
    env = _assert_minimal(seen)
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name and env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["POWERTOOLS_SERVICE_NAME"] == "lockgate-orders" and env["LAMBDA_TASK_ROOT"] == str(ROOT)
    assert "HOME" not in env  # Lambda sets none


def test_a_glue_hook_sees_only_the_jobs_environment(shell: None, tmp_path: Path) -> None:
    job = LocalGlueJob("lockgate-orders", str(ROOT / "tests" / "security" / "hook_probe.py"), 5)
    glue = GlueService({"lockgate-orders": job}, base_env=BASE, cwd=ROOT, log_dir=tmp_path)
    run = glue.start_job_run_sync({"JobName": "lockgate-orders"})
    seen = json.loads(Path(run["LogPath"]).read_text().splitlines()[0])
    env = _assert_minimal(seen)
    assert str(ROOT) in env["PYTHONPATH"].split(":")
