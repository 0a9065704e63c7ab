"""The fault matrix of issue 15: kill `lockgate run --local` (SIGINT, SIGKILL) at state boundaries and inside
commit, fail every Task through mock-config, run two at once; then re-run: the table equals a clean run.

The kill points are observed from the outside (the files each step writes), so a kill lands at that point or
a few milliseconds after it; the invariant under test must hold wherever it lands.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from orchestration.local.records import list_runs
from tests.runtime.conftest import ROOT
from tests.runtime.sample import write_orders
from tests.runtime.test_run_local import WINDOW, lockgate

CONTROL = "lockgate-control/runs/orders"
TABLE = "acme-lake/sales/orders"


def table_ids(lake: Path) -> list[int]:
    root = lake / TABLE
    files = [p for p in root.rglob("*.parquet") if not any(part.startswith(("_", ".")) for part in p.relative_to(root).parts)]
    if not files:
        return []
    return sorted(ds.dataset(files, format="parquet").to_table(columns=["order_id"]).column(0).to_pylist())


def _run_dirs(lake: Path) -> list[Path]:
    base = lake / CONTROL
    return sorted(base.iterdir()) if base.is_dir() else []


def _newest(lake: Path, name: str, before: set[Path]) -> bool:
    return any((d / name).exists() for d in _run_dirs(lake) if d not in before)


def _phase(lake: Path, before: set[Path], phase: str) -> bool:
    for d in _run_dirs(lake):
        intent = d / "commit-intent.json"
        if d not in before and intent.exists():
            try:
                return json.loads(intent.read_text())["phase"] in phase.split("|")
            except ValueError:
                return False
    return False


POINTS: dict[str, Callable[[Path, set[Path]], bool]] = {
    "planned": lambda lake, b: _newest(lake, "manifest.json", b),
    "batch-written": lambda lake, b: any(d not in b and (d / "results").is_dir() and any((d / "results").iterdir())
                                         for d in _run_dirs(lake)),
    "commit-intent": lambda lake, b: _newest(lake, "commit-intent.json", b),
    "commit-deleting": lambda lake, b: _phase(lake, b, "deleting|cleaning"),
    "committed": lambda lake, b: _newest(lake, "commit.json", b),
}
_SEEN: dict[Path, float] = {}


def _glue_running(lake: Path, before: set[Path]) -> bool:
    """Three seconds after Plan on the Glue route: the job's Spark driver is up and working."""
    if not POINTS["planned"](lake, before):
        return False
    return time.monotonic() - _SEEN.setdefault(lake, time.monotonic()) > 3.0


POINTS["glue-running"] = _glue_running

MATRIX = [("planned", signal.SIGINT), ("batch-written", signal.SIGKILL), ("commit-intent", signal.SIGINT),
          ("commit-intent", signal.SIGKILL), ("commit-deleting", signal.SIGKILL), ("committed", signal.SIGINT)]
"""Every boundary once, both signals inside commit (a full cross product costs a minute for little more)."""


def _cli(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "orchestration.cli", "--project", str(project), *args],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _lake_processes(lake: Path) -> list[int]:
    """Processes (of this user) running with this lake: none may outlive a killed CLI."""
    needle = f"LOCKGATE_LAKE={lake}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if needle in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _exe(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/exe").resolve().name
    except OSError:
        return ""


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def _not_the_jvms(pids: list[int]) -> list[int]:
    """The live processes among ``pids`` that are neither Spark's JVM nor its children (its Python workers
    go when it goes); a process that has exited (gone or a zombie) is not left over."""
    jvms = {p for p in pids if _exe(p) == "java"}
    out = []
    for p in pids:
        stat = _stat(p)
        if p in jvms or stat is None or stat[0] == "Z" or stat[1] in jvms:
            continue
        out.append(p)
    return out


def kill_at(project: Path, point: str, sig: int, engine: str = "lambda") -> str:
    """Start a run, send ``sig`` once ``point`` is observed; returns how the run ended."""
    lake = project / "lake"
    before = set(_run_dirs(lake))
    proc = _cli(project, "run", "orders", "--local", "--window", WINDOW, "--engine", engine, "--json")
    deadline = time.monotonic() + 300
    while proc.poll() is None and not POINTS[point](lake, before) and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is not None:
        return "finished"
    proc.send_signal(sig)
    proc.communicate(timeout=120)
    time.sleep(0.3)  # a detached invocation would still be writing now
    left = _lake_processes(lake)
    # Spark's JVM is the child of the job's Python driver, which dies with the CLI; the JVM (and its Python
    # workers with it) follows once it reads the end of its stdin, a few hundred ms later. Everything else
    # must already be gone.
    assert _not_the_jvms(left) == [], f"processes outlived the CLI after signal {sig} at {point}"
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = _lake_processes(lake)
    assert left == [], f"Spark's JVM outlived the CLI by 5 s after signal {sig} at {point}"
    return "killed"


def assert_clean(lake: Path, expected: list[int]) -> None:
    assert table_ids(lake) == expected
    leftovers = [p for p in (lake / TABLE).rglob("*") if p.name.startswith(".lockgate-tmp-")]
    assert leftovers == [], leftovers


def test_killing_a_run_anywhere_then_rerunning_equals_a_clean_run(project: Path) -> None:
    lake = project / "lake"
    sample = write_orders(lake)
    ended = [kill_at(project, point, sig) for point, sig in MATRIX]
    assert ended.count("killed") >= len(MATRIX) - 1, ended

    runs = list_runs(lake, "orders")
    assert runs and all(r["status"] in ("INTERRUPTED", "SUCCEEDED") for r in runs), [r["status"] for r in runs]
    assert sum(r["status"] == "INTERRUPTED" for r in runs) == ended.count("killed")

    rc, run = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json")
    assert rc == 0, run.get("cause")
    ids = table_ids(lake)
    assert len(ids) == sample.written == len(set(ids))  # nothing lost, nothing doubled
    assert_clean(lake, ids)
    # Every interrupted commit was finished or never began: no intent is left without its commit record.
    for d in _run_dirs(lake):
        assert not (d / "commit-intent.json").exists() or (d / "commit.json").exists(), d.name


MOCK_ERRORS = {
    "Plan": "Sandbox.Timedout", "ProcessBatch": "Runtime.OutOfMemory", "Commit": "Lambda.Unknown",
    "StartCrawler": "Glue.EntityNotFoundException",
}


def test_a_failure_or_timeout_at_every_task_state_leaves_a_table_a_rerun_makes_clean(project: Path) -> None:
    from orchestration.config import Project
    from orchestration.core.spec.window import parse_window
    from orchestration.local.runner import RunRequest, run_local

    lake = project / "lake"
    sample = write_orders(lake)
    loaded = Project.load(project)  # in-process: the runner the CLI calls, without a Python start-up per run
    first = run_local(loaded, RunRequest("orders", parse_window(WINDOW), "lambda"))
    assert first["status"] == "SUCCEEDED", first.get("cause")
    baseline = table_ids(lake)
    assert len(baseline) == sample.written
    states = json.loads((lake / "_runs" / first["run_id"] / "states.json").read_text())["states"]
    tasks = [s["name"] for s in states if s["type"] == "Task" and s["status"] != "not_run"
             and not s["name"].startswith(("Notify", "Describe"))]  # every Task this route runs
    assert {"Plan", "ProcessBatch", "Commit"} <= set(tasks)
    failures = [(t, MOCK_ERRORS.get(t, "States.Timeout"), "lambda") for t in tasks]
    failures += [("RunGlueJob", "States.TaskFailed", "glue"), ("RunGlueJob", "States.Timeout", "glue")]  # no Spark
    cases = {f"{error}@{state}": {state: f"{error}@{state}"} for state, error, _ in failures}
    responses = {f"{error}@{state}": {"0-9": {"Throw": {"Error": error, "Cause": f"injected {error} in {state}"}}}
                 for state, error, _ in failures}
    mocks = project / "faults.json"
    mocks.write_text(json.dumps({"StateMachines": {"lockgate-orders": {"TestCases": cases}}, "MockedResponses": responses}))
    for state, error, engine in failures:
        case = f"{error}@{state}"
        run = run_local(loaded, RunRequest("orders", parse_window(WINDOW), engine, mock_config=mocks, test_case=case))
        assert run["status"] == "FAILED" and any(f["state"] == state for f in run["failures"]), (case, run["status"])
        assert table_ids(lake) == baseline, case  # nothing half published, nothing doubled
    assert run_local(loaded, RunRequest("orders", parse_window(WINDOW), "lambda"))["status"] == "SUCCEEDED"
    ids = table_ids(lake)
    assert len(ids) == sample.written == len(set(ids))


def test_two_runs_of_one_import_at_once_never_publish_over_each_other(project: Path) -> None:
    from lambdas.commit import lease_for
    from orchestration.core.storage import LocalLake

    lake = project / "lake"
    sample = write_orders(lake)
    # Hold the import's lease until both runs reach Commit, so their commits really contend for it.
    holder = lease_for(LocalLake(lake), "s3://lockgate-control/", "orders", "test-holder")
    assert holder.acquire(0) is None
    procs = [_cli(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json") for _ in range(2)]
    deadline = time.monotonic() + 120
    while sum((d / "results").is_dir() and any((d / "results").iterdir()) for d in _run_dirs(lake)) < 2:
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.05)
    time.sleep(1.0)  # both are in Commit now, waiting for the lease
    assert not any((d / "commit-intent.json").exists() for d in _run_dirs(lake))
    holder.release(clean=True)
    outs = [p.communicate(timeout=300) for p in procs]
    statuses = [json.loads(o).get("status", o[-3000:]) for o, _ in outs]
    assert statuses == ["SUCCEEDED", "SUCCEEDED"], [e[-2000:] for _, e in outs]
    ids = table_ids(lake)
    assert len(ids) == sample.written == len(set(ids))


@pytest.mark.spark
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killing_the_glue_route_then_rerunning_equals_a_clean_run(project: Path, sig: int) -> None:
    lake = project / "lake"
    sample = write_orders(lake)
    # While the Glue job runs (Spark starts right after Plan); one Spark run per signal keeps this case cheap,
    # and the rerun takes the Lambda route: both engines publish the same table (tests/parity). kill_at checks
    # that no job process (spark-submit, its Python driver, the JVM) outlives the CLI.
    assert kill_at(project, "glue-running", sig, engine="glue") == "killed"
    assert [r["status"] for r in list_runs(lake, "orders")] == ["INTERRUPTED"]
    rc, run = lockgate(project, "run", "orders", "--local", "--window", WINDOW, "--engine", "lambda", "--json")
    assert rc == 0, run.get("cause")
    ids = table_ids(lake)
    assert len(ids) == sample.written == len(set(ids))
    assert_clean(lake, ids)


def test_an_empty_window_of_an_import_with_min_rows_fails_and_notifies(project: Path) -> None:
    from orchestration.config import Project
    from orchestration.core.spec.window import parse_window
    from orchestration.local.runner import RunRequest, run_local

    lake = project / "lake"
    run = run_local(Project.load(project), RunRequest("orders", parse_window(WINDOW), "lambda"))  # no export that day
    assert run["status"] == "FAILED" and run["failed_state"] == "Plan" and run["error"] == "Lockgate.QualityError"
    assert "allow_empty" in run["cause"]
    outbox = sorted((lake / "_outbox" / "lockgate-failures").glob("*.json"))
    assert outbox and json.loads(json.loads(outbox[-1].read_text())["Message"])["error"] == "Lockgate.QualityError"
