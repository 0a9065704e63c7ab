"""``make package``: Lambda code and layer within Lambda's limits, importable as Lambda imports them; Glue files
and the wheels the Glue job installs."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from orchestration.core.errors import ConfigError
from orchestration.packaging import (
    DEFAULT_RUNTIME,
    DIRECT_UPLOAD_LIMIT,
    GLUE_PACKAGES_NEEDED,
    LAMBDA_PACKAGE_BUDGET,
    LAMBDA_UNZIPPED_LIMIT,
    ROOT,
    RUNTIMES,
    Artifact,
    build,
    check_size,
    interpreter,
    run_in_package,
)

CACHE = ROOT / "build" / ".cache"  # shared with `make package`: a warm cache makes this suite take seconds


_BUILT: dict[str, tuple[Path, dict[str, Artifact]]] = {}


def built(runtime: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Artifact]]:
    if runtime not in _BUILT:
        out = tmp_path_factory.mktemp(f"package-{runtime}")
        try:
            # Only the deployed runtime's layer is zipped; the other is checked by importing from its tree.
            _BUILT[runtime] = (out, build(out, cache=CACHE, runtime=runtime, zip_layer=runtime == DEFAULT_RUNTIME))
        except ConfigError as e:
            pytest.fail(f"building the {runtime} Lambda package needs PyPI (pip install --platform ...): {e}")
    return _BUILT[runtime]


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Artifact]]:
    """The package for the runtime Terraform deploys."""
    return built(DEFAULT_RUNTIME, tmp_path_factory)


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def test_each_function_fits_lambdas_size_limits(package: tuple[Path, dict[str, Artifact]]) -> None:
    _, art = package
    assert art["code"].zipped < DIRECT_UPLOAD_LIMIT, "code.zip must stay uploadable directly (50 MB)"
    total = art["code"].unzipped + art["layer"].unzipped
    assert LAMBDA_PACKAGE_BUDGET <= 200 * 2**20 < LAMBDA_UNZIPPED_LIMIT
    assert total <= LAMBDA_PACKAGE_BUDGET, f"function + layer unzip to {total / 2**20:.1f} MB, over 200 MB"
    assert art["layer"].unzipped == sum(i.file_size for i in zipfile.ZipFile(art["layer"].path).infolist())


def test_a_function_over_the_budget_fails_the_build(package: tuple[Path, dict[str, Artifact]]) -> None:
    """What `make package` does when a dependency grows: exit 2 naming the sizes and the largest parts."""
    _, art = package
    check_size(art)  # the real package is within budget
    with pytest.raises(ConfigError) as e:
        check_size(art, budget=100 * 2**20)
    assert "over the 100 MB budget" in str(e.value) and "pyarrow" in str(e.value) and "_duckdb" in str(e.value)


def test_layer_leaves_out_the_pyarrow_parts_lambda_never_loads(package: tuple[Path, dict[str, Artifact]]) -> None:
    files = names(package[1]["layer"].path)
    dropped = [n for n in files if re.search(r"pyarrow/(_?flight|libarrow_flight|_substrait|_orc|_gcsfs|_hdfs|"
                                             r"_azurefs|_pyarrow_cpp_tests|libarrow_python\.so$)", n)]
    assert not dropped
    assert [n for n in files if re.fullmatch(r"python/pyarrow/libarrow_python\.so\.\d+", n)], "the SONAME copy stays"


def test_code_zip_holds_the_handlers_and_leaves_the_cli_and_local_runtime_out(
    package: tuple[Path, dict[str, Artifact]],
) -> None:
    files = set(names(package[1]["code"].path))
    for h in ("plan", "process_batch", "dedupe", "commit"):
        assert f"lambdas/handlers/{h}.py" in files
        assert f"lambdas/handlers/__pycache__/{h}.cpython-{RUNTIMES[DEFAULT_RUNTIME].python.replace('.', '')}.pyc" in files  # /var/task is read-only
    assert "orchestration/core/contracts.py" in files and "crawlers/catalog.py" in files
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
    assert "orchestration/core/contracts.py" in files and "glue_jobs/__init__.py" in files
    assert "examples/hooks/sessions.py" in files
    assert not [f for f in files if f.startswith(("lambdas/", "orchestration/local/")) or "duckdb" in f]


# Wheel tags Glue 5.0/5.1 (CPython 3.11, x86_64, Amazon Linux 2023 / glibc 2.34) installs, written out
# here rather than taken from orchestration.packaging so the check is independent of the code under test.
GLUE_PLATFORM = re.compile(r"^(any|manylinux2014_x86_64|manylinux_2_(1[7-9]|2[0-9]|3[0-4])_x86_64)$")


def _needed_distributions() -> dict[str, str]:
    """The Glue job's imports Glue lacks and everything they require, at the versions installed here."""
    from packaging.requirements import Requirement

    needed: dict[str, str] = {}
    todo = list(GLUE_PACKAGES_NEEDED)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key not in needed:
            needed[key] = importlib.metadata.version(name)
            todo += [r.name for r in map(Requirement, importlib.metadata.requires(name) or [])
                     if r.marker is None or r.marker.evaluate({"extra": ""})]
    return needed


def test_glue_wheels_cover_every_needed_distribution_at_the_tested_version(
    package: tuple[Path, dict[str, Artifact]],
) -> None:
    out, art = package
    wheels = sorted((out / "glue" / "wheels").glob("*.whl"))
    assert art["glue_wheels"].path == out / "glue" / "wheels" and wheels
    found = {}
    for w in wheels:
        dist, version, *_ = w.name.removesuffix(".whl").split("-")
        found[re.sub(r"[-_.]+", "-", dist).lower()] = version
    needed = _needed_distributions()
    assert {"pydantic", "pydantic-core", "sqlglot", "pyyaml"} <= set(needed)
    assert found == needed, f"wheels {found} != the Glue job's dependencies as installed here {needed}"


def test_glue_wheels_are_cpython_311_manylinux_x86_64_or_pure_python(
    package: tuple[Path, dict[str, Artifact]],
) -> None:
    for w in sorted((package[0] / "glue" / "wheels").glob("*.whl")):
        _, _, *tag_parts = w.name.removesuffix(".whl").split("-")
        python, abi, platform = tag_parts[-3:]
        tags = {(i, a, p) for i in python.split(".") for a in abi.split(".") for p in platform.split(".")}
        assert any(
            i in ("py3", "cp311") and a in ("none", "cp311", "abi3") and GLUE_PLATFORM.match(p) for i, a, p in tags
        ), f"{w.name} does not install on Glue 5 (CPython 3.11, manylinux x86_64, glibc 2.34)"


def test_glue_wheels_install_without_an_index_and_import(
    package: tuple[Path, dict[str, Artifact]], tmp_path: Path,
) -> None:
    """What Glue does with --additional-python-modules and --python-modules-installer-option --no-index:
    pip resolves every dependency from the given wheels alone; the result imports in an isolated 3.11."""
    wheels = [str(w) for w in sorted((package[0] / "glue" / "wheels").glob("*.whl"))]
    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-index",
         "--no-compile", "--target", str(target), "--platform", "manylinux2014_x86_64",
         "--python-version", "3.11", "--implementation", "cp", "--only-binary=:all:", *wheels],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    code = (f"import sys; sys.path[:0] = [{str(target)!r}]\n"
            "import pydantic, sqlglot, yaml, pydantic_core\n"
            "print(pydantic.VERSION, sqlglot.__version__, yaml.__version__)")
    run = subprocess.run([sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == [importlib.metadata.version(n) for n in ("pydantic", "sqlglot", "PyYAML")]


def test_zips_are_deterministic(tmp_path: Path) -> None:
    """Same sources, same bytes: Terraform's source_code_hash only changes when the code does."""
    first = build(tmp_path / "a", cache=CACHE, layer=False, glue_wheels=False)
    again = build(tmp_path / "b", cache=CACHE, layer=False, glue_wheels=False)
    assert again["code"].path.read_bytes() == first["code"].path.read_bytes()
    assert again["glue_zip"].path.read_bytes() == first["glue_zip"].path.read_bytes()


RUN_IN_LAMBDA = '''
import json, os
from orchestration.core.storage import get_storage
from lambdas.handlers import plan, process_batch, dedupe, commit
store = get_storage()
spec = {"name": "orders", "source": {"uri": "s3://raw/orders/", "format": "csv"},
        "columns": [{"name": "id", "type": "bigint", "nullable": False}, {"name": "amount", "type": "decimal(12,2)"},
                    {"name": "day", "type": "date"}],
        "derive": {"month": "date_format(day, 'yyyy-MM')"},
        "dedupe": {"keys": ["id"], "order_by": "amount DESC"}, "quality": {"max_reject_ratio": 0.5},
        "target": {"database": "sales", "table": "orders", "location": "s3://lake/orders/", "partition_by": ["day"]}}
store.write_json("s3://control/specs/orders.json", spec)
store.write_bytes("s3://raw/orders/a.csv", b"id,amount,day\\n1,2.50,2024-01-01\\n2,x,2024-01-01\\n")
store.write_bytes("s3://raw/orders/b.csv", b"id,amount,day\\n1,3.50,2024-01-01\\n3,1,2024-01-02\\n")
p = plan.handler({"import": "orders", "spec_uri": "s3://control/specs/orders.json",
                  "execution": {"name": "r1", "start_time": "2024-01-03T00:00:00Z"}, "input": {"engine": "lambda"}}, None)
for b in range(p["batches"]):
    process_batch.handler({"manifest_uri": p["manifest_uri"], "batch": b}, None)
for k in range(p["dedupe_buckets"]):
    dedupe.handler({"manifest_uri": p["manifest_uri"], "bucket": k}, None)
print(json.dumps(commit.handler({"manifest_uri": p["manifest_uri"]}, None)))
'''


@pytest.mark.parametrize("runtime", [DEFAULT_RUNTIME])
def test_the_package_runs_an_import_with_the_layers_own_pyarrow_and_duckdb(
    runtime: str, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
) -> None:
    """Run a real import through the four handlers with exactly what Lambda would load: the layer's own
    pyarrow and DuckDB (the newest with wheels for the runtime's glibc), no numpy, the runtime's boto3."""
    if interpreter(RUNTIMES[runtime]) is None:
        pytest.skip(f"no Python {RUNTIMES[runtime].python} interpreter on this machine")
    out, art = built(runtime, tmp_path_factory)
    assert art["code"].unzipped + art["layer"].unzipped < LAMBDA_UNZIPPED_LIMIT
    env = {"LOCKGATE_LAKE": str(tmp_path / "lake"), "LOCKGATE_CONTROL_URI": "s3://control/",
           "LOCKGATE_ROUTING": json.dumps({"throughput": {"max_objects_per_batch": 1}}),
           "POWERTOOLS_METRICS_NAMESPACE": "Lockgate", "AWS_REGION": "eu-central-1"}
    r = run_in_package(out / "lambda", CACHE, RUN_IN_LAMBDA, env=env, runtime=runtime)
    assert r.returncode == 0, r.stderr[-3000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert (result["rows_in"], result["rows_written"], result["rows_rejected"], result["rows_deduplicated"]) == (4, 2, 1, 1)
    assert result["partitions"] == 2
