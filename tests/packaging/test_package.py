"""``make package``: Lambda code and layer within Lambda's limits, importable as Lambda imports them; Glue files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from orchestration.errors import ConfigError
from orchestration.packaging import (
    DIRECT_UPLOAD_LIMIT,
    LAMBDA_UNZIPPED_LIMIT,
    ROOT,
    Artifact,
    build,
    run_in_package,
)

CACHE = ROOT / "build" / ".cache"  # shared with `make package`: a warm cache makes this suite take seconds


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Artifact]]:
    out = tmp_path_factory.mktemp("package")
    try:
        return out, build(out, cache=CACHE)
    except ConfigError as e:
        pytest.fail(f"building the Lambda package needs PyPI (pip install --platform ...): {e}")


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def test_each_function_fits_lambdas_size_limits(package: tuple[Path, dict[str, Artifact]]) -> None:
    _, art = package
    assert art["code"].zipped < DIRECT_UPLOAD_LIMIT, "code.zip must stay uploadable directly (50 MB)"
    total = art["code"].unzipped + art["layer"].unzipped
    assert total < LAMBDA_UNZIPPED_LIMIT, f"function + layer unzip to {total / 2**20:.1f} MB, over 250 MB"
    assert art["layer"].unzipped == sum(i.file_size for i in zipfile.ZipFile(art["layer"].path).infolist())


def test_code_zip_holds_the_handlers_and_leaves_the_cli_and_local_runtime_out(
    package: tuple[Path, dict[str, Artifact]],
) -> None:
    files = set(names(package[1]["code"].path))
    for h in ("plan", "process_batch", "dedupe", "commit"):
        assert f"lambdas/handlers/{h}.py" in files
        assert f"lambdas/handlers/__pycache__/{h}.cpython-311.pyc" in files  # /var/task is read-only
    assert "orchestration/contracts.py" in files and "crawlers/catalog.py" in files
    assert not [f for f in files if f.startswith(("orchestration/cli/", "orchestration/local/", "glue_jobs/"))]


def test_layer_holds_the_engine_dependencies_and_nothing_the_runtime_or_glue_brings(
    package: tuple[Path, dict[str, Artifact]],
) -> None:
    top = {n.split("/")[1] for n in names(package[1]["layer"].path) if n.startswith("python/") and n.count("/") > 1}
    assert {"pyarrow", "duckdb", "sqlglot", "pydantic", "yaml", "aws_lambda_powertools", "tzdata"} <= top
    assert top & {"pandas", "numpy", "pyspark", "awswrangler", "boto3", "botocore"} == set()
    assert not [n for n in names(package[1]["layer"].path) if "/tests/" in n or n.endswith((".pyi", ".pxd"))]


def test_handlers_import_from_the_package_alone(package: tuple[Path, dict[str, Artifact]]) -> None:
    out, _ = package
    code = (
        "import json, sys\n"
        "import lambdas.handlers.plan, lambdas.handlers.process_batch, lambdas.handlers.dedupe\n"
        "import lambdas.handlers.commit, lambdas.commit.intent, pyarrow, duckdb\n"
        "print(json.dumps({'pyarrow': pyarrow.__file__, 'duckdb': duckdb.__file__,"
        " 'heavy': sorted({'pandas', 'numpy', 'pyspark'} & set(sys.modules))}))"
    )
    r = run_in_package(out / "lambda", CACHE, code)
    assert r.returncode == 0, r.stderr[-2000:]
    found = json.loads(r.stdout.strip().splitlines()[-1])
    layer = str((out / "lambda" / "layer").resolve())
    assert str(Path(found["pyarrow"]).resolve()).startswith(layer)
    assert str(Path(found["duckdb"]).resolve()).startswith(layer)
    assert found["heavy"] == []


def test_glue_files(package: tuple[Path, dict[str, Artifact]]) -> None:
    out, art = package
    assert (out / "glue" / "job.py").read_bytes() == (ROOT / "glue_jobs" / "job.py").read_bytes()
    files = names(art["glue_zip"].path)
    assert "orchestration/contracts.py" in files and "glue_jobs/__init__.py" in files
    assert "examples/hooks/sessions.py" in files
    assert not [f for f in files if f.startswith(("lambdas/", "orchestration/local/")) or "duckdb" in f]


def test_zips_are_deterministic(tmp_path: Path) -> None:
    """Same sources, same bytes: Terraform's source_code_hash only changes when the code does."""
    first = build(tmp_path / "a", cache=CACHE, layer=False)
    again = build(tmp_path / "b", cache=CACHE, layer=False)
    assert again["code"].path.read_bytes() == first["code"].path.read_bytes()
    assert again["glue_zip"].path.read_bytes() == first["glue_zip"].path.read_bytes()
