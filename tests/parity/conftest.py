"""Spark for the parity suite (the same session as tests/glue): one local session per test process, and a local lake per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.glue.spark import spark_session, stop_spark_session


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    yield spark_session()
    stop_spark_session()


@pytest.fixture()
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "lake"
    root.mkdir()
    monkeypatch.setenv("LOCKGATE_LAKE", str(root))
    return root
