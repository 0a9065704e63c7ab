"""A zip on the path is read again by ``importlib.invalidate_caches()`` only when it changed
(``glue_jobs.zipcache``): PySpark's worker invalidates before every task."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

_CODE = """
import importlib, json, os, sys, time, zipfile, zipimport
archive = sys.argv[1]
sys.path.insert(0, archive)
import pkg.sub.mod  # importers for the zip and its package paths, as pyspark.zip gets
reads = []
original = zipimport._read_directory
zipimport._read_directory = lambda path: reads.append(path) or original(path)
if sys.argv[2] == "install":
    from glue_jobs import zipcache
    zipcache.install()
for _ in range(5):
    importlib.invalidate_caches()
unchanged = len(reads)
with zipfile.ZipFile(archive, "a") as z:  # the zip changes: a new module must become importable
    z.writestr("pkg/sub/added.py", "VALUE = 42\\n")
os.utime(archive, ns=(time.time_ns(), time.time_ns() + 10**9))
importlib.invalidate_caches()
import pkg.sub.added
print(json.dumps({"unchanged": unchanged, "after_change": len(reads) - unchanged, "value": pkg.sub.added.VALUE}))
"""


def _zip(folder: Path) -> Path:
    folder.mkdir()
    archive = folder / "lib.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for name in ("pkg/__init__.py", "pkg/sub/__init__.py", "pkg/sub/mod.py"):
            z.writestr(name, "")
        for i in range(300):
            z.writestr(f"pkg/sub/m{i}.py", "")
    return archive


def _run(archive: Path, mode: str) -> dict[str, int]:
    out = subprocess.run([sys.executable, "-c", _CODE, str(archive), mode], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_unchanged_zip_is_not_read_again_and_a_changed_one_is(tmp_path: Path) -> None:
    if not (3, 10) <= sys.version_info < (3, 12):  # pragma: no cover - the cost exists on 3.10 and 3.11 only
        assert _run(_zip(tmp_path / "a"), "install")["value"] == 42
        return
    plain = _run(_zip(tmp_path / "plain"), "plain")
    assert plain["unchanged"] >= 5 * 3  # Python 3.11: every importer of the zip reads it again, every time
    installed = _run(_zip(tmp_path / "installed"), "install")
    assert installed["unchanged"] <= 3  # at most once per importer, to learn the zip's stamp
    assert installed["after_change"] >= 1 and installed["value"] == 42


@pytest.mark.spark
def test_a_local_sessions_python_workers_have_it_before_any_task_of_ours(spark) -> None:  # noqa: ANN001
    """The local session's workers are forked from ``glue_jobs.pydaemon``, so a task that runs only a lambda
    (as PySpark's own row conversion does) has the cheap invalidation whatever it imported before."""
    def probe(_: object) -> tuple[bool, str]:
        import sys
        import zipimport

        main = getattr(sys.modules["__main__"], "__spec__", None)
        return (bool(getattr(zipimport.zipimporter.invalidate_caches, "_lockgate", False)),
                getattr(main, "name", ""))

    expected = (3, 10) <= sys.version_info < (3, 12)
    got = set(spark.sparkContext.parallelize(range(4), 4).map(probe).collect())
    assert got == {(expected, "glue_jobs.pydaemon")}


def test_the_daemons_preload_starts_no_thread() -> None:
    """The daemon forks its workers, so what it imports first must leave it with one thread."""
    code = ("import os, glue_jobs.pydaemon as d; d.preload(); import sys; "
            "print(len(os.listdir('/proc/self/task')), all(m in sys.modules for m in d.PRELOAD))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["1", "True"]


@pytest.mark.spark
def test_a_local_sessions_python_workers_are_forked_with_the_engine_imported(spark) -> None:  # noqa: ANN001
    """The workers' parent (the daemon) has the engine's modules loaded: pydantic's compiled core, which
    only the spec models import, is mapped into it, so no worker imports them per task."""
    def probe(_: object) -> bool:
        import os

        with open(f"/proc/{os.getppid()}/maps") as maps:
            return "pydantic_core" in maps.read()

    assert set(spark.sparkContext.parallelize(range(4), 4).map(probe).collect()) == {True}
