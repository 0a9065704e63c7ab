"""Run the real ``lockgate`` entry point: in-process through ``orchestration.cli.main`` (what the console
script calls), or as the installed console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLES

LOCKGATE = Path(sys.executable).parent / "lockgate"
ORDERS = (EXAMPLES / "orders.yaml").read_text()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return self.err.strip().splitlines()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """``cli(*args)``: ``orchestration.cli.main(args)``; returns exit code, stdout and stderr."""
    from orchestration.cli import main

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        else:  # main always exits
            raise AssertionError("main() returned without sys.exit")
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def console_script(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """The installed ``lockgate`` console script, as a user's shell runs it."""
    assert LOCKGATE.is_file(), f"{LOCKGATE} is not installed; run make setup"
    done = subprocess.run([str(LOCKGATE), *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with the example ``orders`` import; the working directory is the project."""
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports" / "orders.yaml").write_text(ORDERS)
    (tmp_path / "lockgate.yaml").write_text("imports: imports\nlocal: {lake: lake}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOCKGATE_PROJECT", raising=False)
    return tmp_path
