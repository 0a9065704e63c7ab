"""DESIGN.md's dependency rules, enforced.

- Lambda code must not import pyspark; Glue code must not import DuckDB.
- The spec contract ships inside every Lambda package: no CLI, Rich, Spark or pandas on its path.
- Handlers import nothing heavy at module level: cold start is a feature.
- orchestration reaches the executors (lambdas, glue_jobs) only through resource names, never imports.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _offenders(folder: str, forbidden: set[str], skip: tuple[str, ...] = ()) -> list[str]:
    out = []
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"{folder}/ has no Python files"
    for f in files:
        rel = f.relative_to(ROOT).as_posix()
        if rel.startswith(skip):
            continue
        bad = _imports(f) & forbidden
        if bad:
            out.append(f"{rel}: {sorted(bad)}")
    return out


def test_lambda_code_does_not_import_spark() -> None:
    assert _offenders("lambdas", {"pyspark", "awsglue"}) == []


def test_glue_code_does_not_import_duckdb() -> None:
    assert _offenders("glue_jobs", {"duckdb"}) == []


def test_orchestration_never_imports_the_executors() -> None:
    assert _offenders("orchestration", {"lambdas", "glue_jobs"}) == []


def _modules_after_import(*modules: str) -> set[str]:
    code = "import sys, json\n" + "".join(f"import {m}\n" for m in modules) + "print(json.dumps(sorted(sys.modules)))"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return {m.split(".")[0] for m in json.loads(r.stdout)}


HEAVY_FOR_CONTRACT = {"typer", "rich", "click", "pyspark", "pandas", "awswrangler", "duckdb", "pyarrow", "numpy"}


def test_spec_contract_stays_light() -> None:
    loaded = _modules_after_import("orchestration.core.spec", "orchestration.core.contracts", "orchestration.core.errors")
    assert loaded & HEAVY_FOR_CONTRACT == set()


HANDLERS = ["plan", "process_batch", "dedupe", "commit", "failure"]


@pytest.mark.parametrize("handler", HANDLERS)
def test_handler_module_import_is_light(handler: str) -> None:
    path = ROOT / "lambdas" / "handlers" / f"{handler}.py"
    assert path.is_file(), f"{path} is missing"
    loaded = _modules_after_import(f"lambdas.handlers.{handler}")
    assert loaded & {"pyspark", "pandas", "awswrangler", "duckdb", "pyarrow", "numpy", "typer", "rich"} == set()
