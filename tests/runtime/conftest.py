"""Fixtures for the local-services and `lockgate run --local` suites."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.core.storage import LocalLake
from orchestration.local.services import LambdaService, LocalFunction, LocalResolver, S3Service, SnsService

ROOT = Path(__file__).resolve().parents[2]
H = "tests.runtime.handlers"


@pytest.fixture()
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    root.mkdir()
    return root


def functions(**handlers: tuple[str, int, float]) -> dict[str, LocalFunction]:
    """name -> (handler attribute in tests.runtime.handlers, memory MB, timeout s)."""
    return {name: LocalFunction(name, f"{H}.{attr}", mem, timeout) for name, (attr, mem, timeout) in handlers.items()}


@pytest.fixture()
def make_resolver(lake: Path):
    def make(fns: dict[str, LocalFunction], **kw) -> LocalResolver:
        lambdas = LambdaService(fns, cwd=ROOT, base_env={"LOCKGATE_LAKE": str(lake),
                                                        "LOCKGATE_CONTROL_URI": "s3://lockgate-control/"},
                                log_dir=lake / "_logs")
        return LocalResolver(lambdas=lambdas, s3=S3Service(LocalLake(lake)), sns=SnsService(lake), **kw)
    return make


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project over the example imports with its own lake (``lake/``); a module may bring its own."""
    (tmp_path / "lockgate.yaml").write_text(
        f"imports: {ROOT / 'examples' / 'imports'}\nlocal: {{lake: lake}}\n"
        "aws: {region: eu-central-1, prefix: lockgate, control_uri: s3://lockgate-control/}\n")
    (tmp_path / "lake").mkdir()
    return tmp_path
