"""The real ``lockgate`` entry point (tests/cli/conftest.py) and the corpus account as an export folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.assess.export import write_export
from tests.assess.account import responses
from tests.cli.conftest import cli  # noqa: F401 - the fixture, shared


@pytest.fixture
def export_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The corpus account written in the export layout; the working directory has no project."""
    folder = tmp_path / "export"
    write_export(folder, responses())
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOCKGATE_PROJECT", raising=False)
    return folder
