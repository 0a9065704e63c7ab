"""mypy over the library code (STYLE.md: types everywhere, mypy on library code)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def test_mypy_is_clean_on_library_code() -> None:
    r = subprocess.run([sys.executable, "-m", "mypy", "orchestration", "lambdas", "crawlers", "glue_jobs"], cwd=ROOT,
                       capture_output=True, text=True, timeout=400)
    assert r.returncode == 0, r.stdout[-4000:]
