"""The README's diagram is the generated one, and its commands exist."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import ROOT


def test_readme_diagram_is_what_lockgate_graph_draws() -> None:
    readme = (ROOT / "README.md").read_text()
    m = re.search(r"generated: lockgate graph orders --format mermaid.*?```mermaid\n(.*?)```", readme, re.S)
    assert m, "README lost its generated diagram block"
    r = subprocess.run([sys.executable, "-m", "orchestration.cli", "graph", "orders", "--format", "mermaid"],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert m.group(1).strip() == r.stdout.strip(), "README diagram is stale: lockgate graph orders --format mermaid"


def test_readme_starts_with_the_two_commands() -> None:
    head = (ROOT / "README.md").read_text()[:400]
    assert "make demo" in head and "make test" in head
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("make ")]
    assert ci == ["make test", "make test-deploy"], ci  # the README's test command, then the emulator apply
    assert re.search(r"^test-deploy:", makefile, re.M)
