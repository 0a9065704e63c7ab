"""Fixtures shared by every suite: project paths and a real moto server over HTTP."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "imports"

# Never let a test reach a real AWS account.
os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")
os.environ.setdefault("AWS_REGION", "eu-central-1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1 (real HTTP for boto3, awswrangler and pyarrow); its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _moto_asl_scope_reset() -> Iterator[None]:
    """moto's state machine parser keeps its QueryLanguage scopes in a class-level list and leaves a JSONata
    scope behind when a definition fails inside one (the ASL conformance cases send such definitions to moto
    on purpose). Every later JSONPath definition in the process, ours on the moto server included, then
    inherited JSONata and was refused ("Unsupported declaration in QueryLanguage=JSONPath block:
    Parameters"), depending on which tests an xdist worker had run before. Cleared around every test."""
    import sys

    def clear() -> None:
        module = sys.modules.get("moto.stepfunctions.parser.asl.parse.preprocessor")
        if module is not None:
            module.Preprocessor._query_language_per_scope.clear()

    clear()
    yield
    clear()


@pytest.fixture()
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point every AWS client at the moto server for one test; resets moto's state afterwards."""
    import requests

    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    yield moto_endpoint
    requests.post(f"{moto_endpoint}/moto-api/reset", timeout=10)


@pytest.fixture()
def project_root() -> Path:
    return ROOT
