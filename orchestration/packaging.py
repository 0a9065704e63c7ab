"""``make package``: the Lambda code and layer zips and the Glue job files Terraform deploys (ADR 0004).

    python -m orchestration.packaging --out build/package

    OUT/lambda/code.zip     lambdas, crawlers and the parts of orchestration they import (CODE_INCLUDES),
                            and the project's hook modules
    OUT/lambda/layer.zip    python/: pyarrow, duckdb, sqlglot, pydantic, PyYAML, powertools, tzdata, paramiko, isal
                            (manylinux2014_x86_64 wheels for CPython 3.11; boto3 comes with the runtime)
    OUT/glue/job.py         the Glue entry script (glue_jobs/job.py)
    OUT/glue/lockgate.zip   glue_jobs, orchestration's core (GLUE_INCLUDES), the project's hook modules
                            (--project, default this repository) for --extra-py-files (no DuckDB)
    OUT/glue/wheels/*.whl   pydantic, sqlglot, PyYAML, isal and their dependencies at the versions installed here,
                            as CPython 3.11 manylinux2014_x86_64 (or pure-Python) wheels: Glue installs them
                            from S3 (--additional-python-modules) without reaching PyPI

The layer leaves out the pyarrow parts Lambda never loads (Flight, Substrait's Python module, ORC, the
GCS/HDFS/Azure filesystems, C++ tests, the unversioned copies of shared libraries) and strips the symbol
tables from the shared libraries that carry them (binutils' ``strip``). A function (code plus layer) that
unzips to more than ``LAMBDA_PACKAGE_BUDGET`` fails the build (``make package`` exits 2).

Both Lambda trees ship bytecode compiled with ``unchecked-hash`` pycs: /var/task and /opt are read-only,
so without them every cold start compiles pydantic, sqlglot and Powertools again. Zips are
deterministic (sorted entries, fixed timestamps) so an unchanged build keeps Terraform's source hash.
The installed layer tree and the downloaded Glue wheels are cached by their requirement sets under
``--cache`` (a warm cache builds offline); pip's own cache is reused.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from orchestration.core.errors import ConfigError

__all__ = ["LAYER_PACKAGES", "LAYER_DROP", "LAMBDA_PACKAGE_BUDGET", "check_size", "Artifact", "Runtime", "RUNTIMES",
           "DEFAULT_RUNTIME", "build", "layer_requirements",
           "main", "RUNTIME_PROVIDED", "run_in_package", "handler_import_times", "interpreter", "GLUE_PACKAGES_NEEDED",
           "GLUE_RUNTIME", "glue_requirements", "locked_versions", "build_glue_wheels", "wheel_problems",
           "CODE_INCLUDES", "GLUE_INCLUDES"]

ROOT = Path(__file__).resolve().parents[1]
LAYER_PACKAGES = ("pyarrow", "duckdb", "sqlglot", "pydantic", "PyYAML", "aws-lambda-powertools", "tzdata", "paramiko",
                  "isal")
"""What the Lambda functions need beyond the runtime (pinned to the versions installed here)."""
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
"""Import names the Python Lambda runtimes already have."""
FORBIDDEN_IN_LAYER = ("pandas", "numpy", "pyspark", "awswrangler", "boto3", "botocore")


@dataclass(frozen=True)
class Runtime:
    """A Lambda Python runtime and the wheels that load on its operating system."""

    name: str
    python: str
    platform: str
    """The newest wheel platform its glibc loads; older manylinux tags are accepted too."""
    os: str

    @property
    def pip_args(self) -> tuple[str, ...]:
        older = ("manylinux2014_x86_64", "manylinux_2_17_x86_64")
        platforms = [self.platform, *(p for p in older if p != self.platform)]
        return (*(a for p in platforms for a in ("--platform", p)), "--implementation", "cp",
                "--python-version", self.python, "--only-binary=:all:")


RUNTIMES = {
    "python3.11": Runtime("python3.11", "3.11", "manylinux2014_x86_64", "Amazon Linux 2, glibc 2.26"),
    "python3.12": Runtime("python3.12", "3.12", "manylinux_2_28_x86_64", "Amazon Linux 2023, glibc 2.34"),
}
DEFAULT_RUNTIME = "python3.12"
"""What terraform/modules/lambda deploys (ADR 0004): the layer carries the pyarrow and DuckDB the tests run."""
CODE_INCLUDES = (
    "lambdas/", "crawlers/", "orchestration/__init__.py", "orchestration/core/", "orchestration/planning.py",
    "orchestration/router/", "orchestration/failures.py", "orchestration/machine_names.py",
    "orchestration/metering/",
)
"""What the Lambda functions run: the handlers and the crawler code commit registers partitions with, the
shared core, and the control plane modules the plan and failure handlers call (tests/test_architecture.py
checks that everything they import is listed here)."""
GLUE_INCLUDES = ("glue_jobs/", "orchestration/__init__.py", "orchestration/core/")
"""What the Glue job runs: its engine and the shared core."""
GLUE_PACKAGES_NEEDED = ("pydantic", "sqlglot", "PyYAML", "isal")
"""What lockgate.zip imports at run time that Glue 5.x does not provide (or not at our versions): the spec
models, the SQL checks, the spec loader and ISA-L's gzip. Spark, pyarrow and boto3 come with Glue."""
GLUE_RUNTIME = Runtime("glue5", "3.11", "manylinux2014_x86_64", "Glue 5.0/5.1: Amazon Linux 2023, glibc 2.34")
_STRIP_DIRS = {"__pycache__", "tests", "test", "include", "src"}
_STRIP_SUFFIXES = (".pyi", ".pxd", ".pyx", ".pxi", ".h", ".hpp", ".cc", ".cpp", ".c")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
"""AWS's limit on a function's code and layers, unzipped."""
LAMBDA_PACKAGE_BUDGET = 200 * 1024 * 1024
"""Lockgate's own ceiling for a function: 50 MB under AWS's limit, room for a customer's hook modules or an
extra layer. ``build`` fails above it."""
LAYER_DROP = (
    "pyarrow/flight.py", "pyarrow/_flight.*", "pyarrow/libarrow_flight.so*", "pyarrow/libarrow_python_flight.so*",
    "pyarrow/substrait.py", "pyarrow/_substrait.*", "pyarrow/orc.py", "pyarrow/_orc.*", "pyarrow/_dataset_orc.*",
    "pyarrow/_gcsfs.*", "pyarrow/_hdfs.*", "pyarrow/_azurefs.*", "pyarrow/_pyarrow_cpp_tests.*",
    "pyarrow/libarrow_python.so", "pyarrow/libarrow_python.so.*.*", "pyarrow/libarrow_python_parquet_encryption.so",
    "pyarrow/libarrow_python_parquet_encryption.so.*.*",
)
"""Layer files no Lockgate function loads: pyarrow imports each module optionally (``pyarrow.fs``,
``pyarrow.dataset``) or only on request, and the shared libraries are loaded by their SONAME
(``libarrow_python.so.2500``), so the linker-name and full-version copies pip writes are dead weight."""
_LAYER_RECIPE = 2
"""Bumped when the layer tree's post-processing changes, so cached trees are rebuilt."""
DIRECT_UPLOAD_LIMIT = 50 * 1024 * 1024


@dataclass(frozen=True)
class Artifact:
    path: Path
    zipped: int
    unzipped: int


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions() -> dict[str, str]:
    """``{distribution: version}`` from uv.lock: the exact versions `make setup` installs and the tests ran."""
    lock = ROOT / "uv.lock"
    if not lock.is_file() and not (ROOT / "pyproject.toml").is_file():
        # An installed package (a project outside this repository) has no lock beside it: the versions
        # installed with it are the ones it was resolved and runs with.
        import importlib.metadata

        return {_canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    if not lock.is_file():
        raise ConfigError(f"{lock} is missing, so the tested versions are unknown; run `make upgrade` to create it",
                          where="make package")
    return {_canonical(p["name"]): p["version"] for p in tomllib.loads(lock.read_text())["package"] if "version" in p}


def layer_requirements(runtime: str = DEFAULT_RUNTIME) -> list[str]:
    """Every layer package for ``runtime``. For the deployed runtime: ``name==version`` from uv.lock, exactly what
    the tests ran. For an older runtime, whose operating system may not load those wheels (ADR 0004): the
    range pyproject.toml declares, so pip picks the newest release with a wheel for it."""
    if runtime == DEFAULT_RUNTIME:
        locked = locked_versions()
        return [f"{n}=={locked[_canonical(n)]}" for n in LAYER_PACKAGES]
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    by_name = {_canonical(re.split(r"[<>=!~ \[;]", d, maxsplit=1)[0]): d for d in declared}
    return [by_name.get(_canonical(n), n) for n in LAYER_PACKAGES]


def installed_versions(tree: Path) -> dict[str, str]:
    """``{distribution: version}`` of what pip put into a layer tree."""
    out = {}
    for d in tree.glob("*.dist-info"):
        name, _, version = d.name.removesuffix(".dist-info").rpartition("-")
        out[_canonical(name)] = version
    return out


def version_drift(tree: Path) -> dict[str, tuple[str, str]]:
    """Layer packages whose version differs from this environment's: ``{name: (layer, here)}``."""
    drift = {}
    for name, version in installed_versions(tree).items():
        try:
            here = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        if here != version:
            drift[name] = (version, here)
    return drift


def _tree_size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _zip_tree(src: Path, dest: Path, arc_prefix: str = "") -> Artifact:
    """Zip ``src`` deterministically (sorted names, fixed times, deflate)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    files = sorted(p for p in src.rglob("*") if p.is_file())
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for f in files:
            info = zipfile.ZipInfo(arc_prefix + f.relative_to(src).as_posix(), _ZIP_TIME)
            info.external_attr = (0o755 if os.access(f, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(f, "rb") as fh:
                zf.writestr(info, fh.read(), compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    tmp.replace(dest)
    return Artifact(dest, dest.stat().st_size, _tree_size(src))


def _copy_packages(dest: Path, includes: tuple[str, ...]) -> None:
    """Copy the files of ``includes`` (folders ending in ``/``, or single files) from the repository."""
    for item in includes:
        src = ROOT / item
        if not src.exists():
            raise ConfigError(f"{item} is listed for packaging but does not exist", where="orchestration/packaging.py")
        for f in sorted(src.rglob("*")) if src.is_dir() else [src]:
            rel = f.relative_to(ROOT).as_posix()
            if not f.is_file() or "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(f, target)


def interpreter(runtime: Runtime) -> str | None:
    """A local CPython of the runtime's version (this one, on PATH, or under pyenv), or None."""
    if f"{sys.version_info[0]}.{sys.version_info[1]}" == runtime.python:
        return sys.executable
    found = shutil.which(f"python{runtime.python}")
    candidates = ([found] if found else []) + sorted(
        glob.glob(os.path.expanduser(f"~/.pyenv/versions/{runtime.python}.*/bin/python{runtime.python}")))
    for c in candidates:
        r = subprocess.run([c, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True,
                           text=True)
        if r.returncode == 0 and r.stdout.strip() == runtime.python:
            return c
    return None


def _compile(tree: Path, ddir: str, runtime: Runtime) -> None:
    """Bytecode for the runtime's CPython that never checks source timestamps (zip extraction changes them),
    naming files by where Lambda unpacks them (``ddir``) so tracebacks are right and builds reproducible."""
    exe = interpreter(runtime)
    if exe is None:
        print(f"note: not precompiling {tree.name}: no Python {runtime.python} here; cold starts will compile",
              file=sys.stderr)
        return
    subprocess.run([exe, "-m", "compileall", "-q", "-j", "1", "--invalidation-mode", "unchecked-hash",
                    "-d", ddir, str(tree)], check=True, capture_output=True)


def _strip(tree: Path) -> None:
    """Remove what never runs in Lambda: tests, headers, Cython sources, stubs, pip's pycs."""
    for d in sorted((p for p in tree.rglob("*") if p.is_dir() and p.name in _STRIP_DIRS), key=lambda p: -len(p.parts)):
        # Only strip these inside a package (``pyarrow/include``), never a top-level package named so.
        if d.exists() and d.parent != tree:
            shutil.rmtree(d)
    for f in list(tree.rglob("*")):
        if f.is_file() and f.name.endswith(_STRIP_SUFFIXES):
            f.unlink()


def _slim(tree: Path) -> None:
    """Drop ``LAYER_DROP`` and strip symbol tables from shared libraries (when binutils' ``strip`` exists)."""
    for pattern in LAYER_DROP:
        for f in tree.glob(pattern):
            f.unlink()
    strip = shutil.which("strip")
    if strip is None:
        print("note: no `strip` here (binutils): the layer keeps its symbol tables and is ~30 MB larger",
              file=sys.stderr)
        return
    libs = sorted(f for f in tree.rglob("*.so*") if f.is_file() and not f.is_symlink() and _is_elf(f))
    for f in libs:
        subprocess.run([strip, "--strip-unneeded", str(f)], check=True, capture_output=True)


def _is_elf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"\x7fELF"


def check_size(artifacts: dict[str, Artifact], budget: int = LAMBDA_PACKAGE_BUDGET) -> None:
    """ConfigError when a function (the code zip plus the layer, both unzipped) is over ``budget``."""
    if "layer" not in artifacts:
        return
    total = artifacts["code"].unzipped + artifacts["layer"].unzipped
    if total <= budget:
        return
    tree = artifacts["layer"].path.parent / "layer" / "python"
    biggest = sorted(((_tree_size(p) if p.is_dir() else p.stat().st_size), p.name) for p in tree.iterdir())[-5:]
    top = ", ".join(f"{name} {size / 2**20:.0f} MB" for size, name in reversed(biggest))
    raise ConfigError(
        f"each Lambda function unzips to {total / 2**20:.1f} MB (code {artifacts['code'].unzipped / 2**20:.1f} MB + "
        f"layer {artifacts['layer'].unzipped / 2**20:.1f} MB), over the {budget / 2**20:.0f} MB budget "
        f"(AWS's limit is {LAMBDA_UNZIPPED_LIMIT / 2**20:.0f} MB). Largest in the layer: {top}. Drop what Lambda "
        "never loads (orchestration/packaging.py LAYER_DROP), move a dependency to an extra, or install binutils "
        "so `strip` can run", where="make package: lambda/layer.zip")


def _pip(args: list[str], requirements: list[str], runtime: Runtime, what: str, where: str) -> None:
    """Run ``pip <args>`` for ``runtime``'s platform; ConfigError with pip's own words when it fails."""
    cmd = [sys.executable, "-m", "pip", *args, "--quiet", "--disable-pip-version-check", *runtime.pip_args,
           *requirements]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise ConfigError(
            f"pip could not {what} for {runtime.platform} / CPython {runtime.python} "
            f"({' '.join(requirements)}): {r.stderr.strip()[-1500:]}. Check network access to PyPI (or set "
            "PIP_INDEX_URL to a mirror) and that each package has a wheel for that platform",
            where=where,
        )


def _pip_install(requirements: list[str], target: Path, runtime: Runtime) -> None:
    _pip(["install", "--no-compile", "--target", str(target)], requirements, runtime,
         "install the Lambda layer packages", "make package: lambda/layer.zip")


def _sibling(tree: Path, suffix: str) -> Path:
    """``layer-python3.11-KEY`` -> ``layer-python3.11-KEY.zip`` (``with_suffix`` would eat ``.11-KEY``)."""
    return tree.parent / (tree.name + suffix)


def _cache_slot(cache: Path, kind: str, reqs: list[str], runtime: Runtime) -> tuple[Path, Path]:
    """``(root, marker)`` of the cached build of ``reqs`` for ``runtime``: reuse it when the marker exists;
    otherwise earlier requirement sets and half-built slots of this kind are removed first."""
    key = hashlib.sha256(json.dumps([reqs, runtime.pip_args, _LAYER_RECIPE]).encode()).hexdigest()[:16]
    root = cache / f"{kind}-{runtime.name}-{key}"
    done = _sibling(root, ".complete")
    if not done.is_file():
        for stale in cache.glob(f"{kind}-{runtime.name}-*"):
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
    return root, done


def build_layer_tree(cache: Path, runtime: Runtime) -> Path:
    """The installed, stripped and precompiled ``python/`` tree, reused while the requirements match."""
    reqs = layer_requirements(runtime.name)
    root, done = _cache_slot(cache, "layer", reqs, runtime)
    if done.is_file():
        return root
    python = root / "python"
    _pip_install(reqs, python, runtime)
    for name in ("bin",):
        shutil.rmtree(python / name, ignore_errors=True)
    _strip(python)
    _slim(python)
    present = {p.name.split("-")[0].lower() for p in python.iterdir()}
    forbidden = sorted(present & set(FORBIDDEN_IN_LAYER))
    if forbidden:
        raise ConfigError(f"the layer would contain {', '.join(forbidden)}, which a layer package pulled in; "
                          "pin that package to a version without the dependency", where="lambda/layer.zip")
    _compile(python, "/opt/python", runtime)
    done.write_text("\n".join(reqs) + "\n")
    return root


def _requirement_closure(names: tuple[str, ...]) -> dict[str, str]:
    """``{distribution: installed version}`` for ``names`` and everything they require here (extras and
    markers evaluated for this interpreter, which is the project's CPython 3.11 like Glue 5's)."""
    from packaging.requirements import Requirement

    found: dict[str, str] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = _canonical(name)
        if key in found:
            continue
        try:
            found[key] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError as e:
            raise ConfigError(f"{name} is not installed here, so its version for the Glue wheels is unknown; "
                              "run `make setup`", where="make package: glue/wheels") from e
        for line in importlib.metadata.requires(name) or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return found


def glue_requirements() -> list[str]:
    """``name==version`` for the Glue job's dependencies and theirs: exactly what uv.lock pins and the tests run
    here (the closure comes from the installed metadata, so it follows this interpreter's markers)."""
    closure = _requirement_closure(GLUE_PACKAGES_NEEDED)
    locked = locked_versions()
    stale = sorted(f"{n} {v} (lock: {locked.get(n, 'absent')})" for n, v in closure.items() if locked.get(n) != v)
    if stale:
        raise ConfigError(f"the environment differs from uv.lock: {', '.join(stale)}; run `make setup`",
                          where="make package: glue/wheels")
    return [f"{n}=={v}" for n, v in sorted(closure.items())]


def wheel_problems(wheels: list[Path], python: str = GLUE_RUNTIME.python) -> list[str]:
    """Wheels that would not install on Glue 5 (CPython ``python``, x86_64, glibc 2.34): wrong interpreter,
    ABI or platform, or not a wheel at all."""
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    cp = "cp" + python.replace(".", "")
    problems = []
    for w in wheels:
        try:
            _, _, _, tags = parse_wheel_filename(w.name)
        except InvalidWheelFilename:
            problems.append(f"{w.name}: not a wheel file name")
            continue
        ok = any(
            t.interpreter in ("py3", f"py{cp[2:]}", cp)
            and t.abi in ("none", cp, "abi3")
            and (t.platform == "any" or re.fullmatch(r"manylinux(2014|_2_(1[7-9]|2[0-9]|3[0-4]))_x86_64", t.platform))
            for t in tags
        )
        if not ok:
            problems.append(f"{w.name}: no tag for CPython {python} on manylinux x86_64 (glibc <= 2.34)")
    return problems


def _pip_download(requirements: list[str], dest: Path, runtime: Runtime) -> None:
    _pip(["download", "--no-deps", "--dest", str(dest)], requirements, runtime,
         "download the Glue job's wheels", "make package: glue/wheels")


def build_glue_wheels(cache: Path, runtime: Runtime = GLUE_RUNTIME) -> Path:
    """The downloaded wheels of :func:`glue_requirements`, reused while the requirement set matches.

    Every requirement is pinned (the closure is computed here), so pip runs with ``--no-deps``: the set
    is exactly what the tests run, and what Glue's pip installs with ``--no-index``."""
    reqs = glue_requirements()
    root, done = _cache_slot(cache, "glue-wheels", reqs, runtime)
    if done.is_file():
        return root
    root.mkdir(parents=True)
    _pip_download(reqs, root, runtime)
    wheels = sorted(root.glob("*.whl"))
    problems = wheel_problems(wheels, runtime.python)
    got = {_canonical(w.name.split("-")[0]) for w in wheels}
    missing = sorted({_canonical(r.split("==")[0]) for r in reqs} - got)
    if problems or missing:
        raise ConfigError("; ".join(problems + [f"no wheel for {m}" for m in missing]), where="glue/wheels")
    done.write_text("\n".join(reqs) + "\n")
    return root


def _copy_hooks(dest: Path, project: Path) -> None:
    """The project's hook modules (``orchestration.hook_sources``) at their import paths under ``dest``."""
    from .config import Project
    from .hook_sources import hook_files

    loaded = Project.load(project)
    for rel in hook_files(loaded.root, loaded.specs()):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(loaded.root / rel, target)


def build(out: Path, *, cache: Path | None = None, layer: bool = True, runtime: str = DEFAULT_RUNTIME,
          zip_layer: bool = True, glue_wheels: bool = True, project: Path | None = None) -> dict[str, Artifact]:
    """Build every artifact under ``out``; returns them by name (``code``, ``layer``, ``glue_job``, ``glue_zip``,
    ``glue_wheels``).

    ``zip_layer=False`` links the installed layer tree as ``lambda/layer`` without zipping it (its zipped
    size is then reported as 0): enough to import from, and 30 s faster. ``project`` (default: this
    repository) is the project whose hook modules both engines ship."""
    cache = cache or ROOT / "build" / ".cache"
    rt = RUNTIMES[runtime]
    artifacts: dict[str, Artifact] = {}
    lam = out / "lambda"
    code = lam / "code"
    if code.exists():
        shutil.rmtree(code)
    _copy_packages(code, CODE_INCLUDES)
    _copy_hooks(code, project or ROOT)
    _compile(code, "/var/task", rt)
    artifacts["code"] = _zip_tree(code, lam / "code.zip")
    if layer:
        tree = build_layer_tree(cache, rt)
        cached_zip = _sibling(tree, ".zip")
        if zip_layer and not cached_zip.is_file():
            _zip_tree(tree, cached_zip)
        if zip_layer:
            shutil.copyfile(cached_zip, lam / "layer.zip")
        zipped = cached_zip.stat().st_size if zip_layer else 0
        artifacts["layer"] = Artifact(lam / "layer.zip", zipped, _tree_size(tree))
        link = lam / "layer"
        if link.is_symlink() or link.exists():
            link.unlink() if link.is_symlink() else shutil.rmtree(link)
        link.symlink_to(tree.resolve(), target_is_directory=True)
        check_size(artifacts)

    glue = out / "glue"
    glue.mkdir(parents=True, exist_ok=True)
    job = ROOT / "glue_jobs" / "job.py"
    if job.is_file():
        shutil.copy2(job, glue / "job.py")
        artifacts["glue_job"] = Artifact(glue / "job.py", job.stat().st_size, job.stat().st_size)
    else:
        print("warning: glue_jobs/job.py does not exist yet; glue/job.py not written", file=sys.stderr)
    tree = out / "glue" / "lockgate"
    if tree.exists():
        shutil.rmtree(tree)
    _copy_packages(tree, GLUE_INCLUDES)
    _copy_hooks(tree, project or ROOT)
    artifacts["glue_zip"] = _zip_tree(tree, glue / "lockgate.zip")
    shutil.rmtree(tree)
    if glue_wheels:
        wheels = glue / "wheels"
        if wheels.exists():
            shutil.rmtree(wheels)
        wheels.mkdir()
        for w in sorted(build_glue_wheels(cache).glob("*.whl")):
            shutil.copyfile(w, wheels / w.name)
        size = _tree_size(wheels)
        artifacts["glue_wheels"] = Artifact(wheels, size, size)
    return artifacts


def runtime_stand_in(cache: Path) -> Path:
    """A directory with only what the Python Lambda runtime adds (boto3 and its dependencies), linked
    from this environment, so the package can be imported as Lambda would import it."""
    import importlib.util

    root = cache / "runtime-python"
    root.mkdir(parents=True, exist_ok=True)
    for name in RUNTIME_PROVIDED:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        src = Path(spec.origin).parent if spec.submodule_search_locations else Path(spec.origin)
        link = root / src.name
        if not link.exists():
            link.symlink_to(src, target_is_directory=src.is_dir())
    return root


def run_in_package(lambda_dir: Path, cache: Path, code: str, env: dict[str, str] | None = None,
                   runtime: str = DEFAULT_RUNTIME) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in an isolated interpreter of the runtime's version (no site-packages) whose path is the
    unpacked function code, its layer and the runtime's boto3: what ``/var/task`` + ``/opt/python`` + the
    runtime give a function."""
    exe = interpreter(RUNTIMES[runtime])
    if exe is None:
        raise ConfigError(f"no Python {RUNTIMES[runtime].python} interpreter here to run the {runtime} package",
                          where=str(lambda_dir))
    paths = [str(lambda_dir / "code"), str(lambda_dir / "layer" / "python"), str(runtime_stand_in(cache))]
    prelude = f"import sys; sys.path[:0] = {paths!r}\n"
    return subprocess.run([exe, "-I", "-S", "-c", prelude + code], capture_output=True, text=True,
                          timeout=180, env={**(env or {}), "PYTHONDONTWRITEBYTECODE": "1"})


def handler_import_times(lambda_dir: Path, cache: Path, runtime: str = DEFAULT_RUNTIME) -> dict[str, float]:
    """Milliseconds to import each handler module in a fresh interpreter from the built package."""
    out: dict[str, float] = {}
    for name in ("plan", "process_batch", "dedupe", "commit", "failure"):
        r = run_in_package(lambda_dir, cache, runtime=runtime, code=(
            "import time; t = time.perf_counter(); import lambdas.handlers." + name +
            "; print((time.perf_counter() - t) * 1000)"))
        if r.returncode != 0:
            raise ConfigError(f"importing lambdas.handlers.{name} from the package failed: {r.stderr[-800:]}",
                              where=str(lambda_dir))
        out[name] = float(r.stdout.strip().splitlines()[-1])
    return out


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:7.1f} MB"


def report(artifacts: dict[str, Artifact]) -> list[str]:
    lines = [f"{name:9} {_mb(a.zipped)} zipped  {_mb(a.unzipped)} unzipped  {a.path}" for name, a in artifacts.items()]
    if "layer" in artifacts:
        total = artifacts["code"].unzipped + artifacts["layer"].unzipped
        lines.append(f"function  {_mb(total)} unzipped with its layer (budget {_mb(LAMBDA_PACKAGE_BUDGET)}, "
                     f"AWS limit {_mb(LAMBDA_UNZIPPED_LIMIT)})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.packaging", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "package", help="output directory")
    parser.add_argument("--cache", type=Path, default=None, help="installed-layer cache (default build/.cache)")
    parser.add_argument("--no-layer", action="store_true", help="skip the dependency layer (code and Glue only)")
    parser.add_argument("--import-times", action="store_true", help="measure each handler's cold import")
    parser.add_argument("--project", type=Path, default=None,
                        help="project whose hook modules to ship (default: this repository)")
    parser.add_argument("--runtime", choices=sorted(RUNTIMES), default=DEFAULT_RUNTIME,
                        help="Lambda runtime the layer is built for (must match Terraform's)")
    args = parser.parse_args(argv)
    rt = RUNTIMES[args.runtime]
    try:
        artifacts = build(args.out, cache=args.cache, layer=not args.no_layer, runtime=args.runtime,
                          project=args.project)
    except ConfigError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print("\n".join(report(artifacts)))
    if "layer" in artifacts:
        for name, (layer_v, here) in sorted(version_drift(args.out / "lambda" / "layer" / "python").items()):
            print(f"note: layer has {name} {layer_v}, this environment {here} (newest with a {rt.platform} wheel)")
    if args.import_times and "layer" in artifacts:
        cache = args.cache or ROOT / "build" / ".cache"
        for name, ms in handler_import_times(args.out / "lambda", cache, args.runtime).items():
            print(f"import lambdas.handlers.{name}: {ms:6.0f} ms (cold, from the package)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
