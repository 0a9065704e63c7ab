"""Glue jobs: ``glue:startJobRun.sync`` runs the job's script in a local Python process (PySpark in
local mode) with Glue-style ``--KEY value`` arguments, and answers with GetJobRun's ``JobRun``.

Job run states are Glue's: RUNNING while the process lives, then SUCCEEDED, FAILED or TIMEOUT. Like
the real ``.sync`` integration, a run that does not succeed fails the Task with ``States.TaskFailed``
and the JobRun (with its ``ErrorMessage``) as JSON in the cause; API errors are ``Glue.<Code>``.

Failing fast: the job runs in its own process group (its JVM and Python workers with it), which is
killed whole when the run times out (the spec's Glue timeout), when the job's driver exits, or when the
caller is interrupted. The job process also gets ``PR_SET_PDEATHSIG`` (Linux): if the ``lockgate``
process that started it dies, even by SIGKILL, the kernel kills the job, and its JVM exits when its
driver's pipe closes. The local session makes the JVM exit on ``OutOfMemoryError``
(``-XX:+ExitOnOutOfMemoryError``), so an out-of-memory job fails within seconds instead of hanging.

Environment: the job's, not the CLI's (``environment.glue_environment``): no credentials or other shell
variables reach the job or the spec's hooks.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.core.errors import ConfigError

from ..errors import TASK_FAILED, TaskFailure
from ._child import parent_death_hook
from .environment import glue_environment

__all__ = ["LocalGlueJob", "GlueService", "error_message"]


@dataclass(frozen=True, slots=True)
class LocalGlueJob:
    name: str
    script: str
    """Path of the job's entry script (``glue_jobs/job.py``)."""
    timeout_minutes: int = 120
    worker_type: str = "G.1X"
    workers: int = 10
    version: str = "5.0"
    default_arguments: Mapping[str, str] | None = None


_FATAL_MARKERS = ("OutOfMemoryError", "Python worker exited unexpectedly", "Java gateway process exited")


def error_message(log: str, returncode: int | None = None) -> str:
    """What Glue shows as ErrorMessage: the root cause in the driver's output (out of memory, a crashed
    Python worker), else the last exception line; a process killed by a signal says which."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for marker in _FATAL_MARKERS:
        hits = [line for line in lines if marker in line]
        if hits:
            return hits[0][:2000]
    if returncode is not None and returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        last = f"; last output: {lines[-1][:1500]}" if lines else ""
        return f"the job's driver process was killed by {name}{last}"
    for k in range(len(lines) - 1, -1, -1):
        line = lines[k]
        head = line.split(":", 1)[0]
        if head and " " not in head and (head.endswith(("Error", "Exception")) or "." in head):
            if head.endswith("Py4JJavaError") and k + 1 < len(lines) and lines[k + 1].startswith(": "):
                line += " " + lines[k + 1]  # the Java exception that caused it
            return line[:2000]
    return (lines[-1] if lines else "the job exited without output")[:2000]


def _now() -> datetime:
    return datetime.now(UTC)


class GlueService:
    """Runs jobs from an explicit table; the driver log of each run is kept in ``log_dir``."""

    def __init__(self, jobs: Mapping[str, LocalGlueJob], *, base_env: Mapping[str, str] | None = None,
                 cwd: str | os.PathLike[str] | None = None, log_dir: str | os.PathLike[str] | None = None,
                 python: str = sys.executable, minute_s: float = 60.0) -> None:
        self.jobs = dict(jobs)
        self.base_env = dict(base_env or {})
        self.cwd = Path(cwd) if cwd else Path.cwd()
        self.log_dir = Path(log_dir) if log_dir else None
        self.python = python
        self.minute_s = minute_s
        """Seconds per minute of ``Timeout`` (tests shorten it; Glue's timeout is in minutes)."""
        self.runs: list[dict[str, Any]] = []

    def job(self, name: str) -> LocalGlueJob:
        if name not in self.jobs:
            raise TaskFailure("Glue.EntityNotFoundException",
                              f"Job {name} not found (Service: Glue, Status Code: 400, Error Code: "
                              f"EntityNotFoundException, Request ID: {uuid.uuid4()})")
        return self.jobs[name]

    def start_job_run_sync(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        """Run the job to completion; the JobRun on success, else ``TaskFailure(States.TaskFailed)``."""
        name = str(parameters.get("JobName", ""))
        job = self.job(name)
        arguments = {**(job.default_arguments or {}), **{str(k): str(v) for k, v in (parameters.get("Arguments") or {}).items()}}
        run_id = "jr_" + uuid.uuid4().hex + uuid.uuid4().hex[:32]
        timeout = int(parameters.get("Timeout") or job.timeout_minutes)
        argv = [self.python, job.script, "--JOB_NAME", name, "--JOB_RUN_ID", run_id]
        for key, value in arguments.items():
            argv += [key if key.startswith("--") else f"--{key}", value]
        started = _now()
        run: dict[str, Any] = {
            "Id": run_id, "Attempt": 0, "JobName": name, "JobMode": "SCRIPT", "StartedOn": started.isoformat(),
            "JobRunState": "RUNNING", "Arguments": arguments, "PredecessorRuns": [], "Timeout": timeout,
            "WorkerType": parameters.get("WorkerType", job.worker_type),
            "NumberOfWorkers": int(parameters.get("NumberOfWorkers", job.workers)),
            "ExecutionClass": str(parameters.get("ExecutionClass", "STANDARD")),
            "GlueVersion": job.version, "LogGroupName": "/aws-glue/jobs",
        }
        if not Path(job.script).is_file() and not (self.cwd / job.script).is_file():
            raise ConfigError(f"the Glue script {job.script} of job {name} does not exist", where="local Glue service")
        log_path = (self.log_dir / f"glue-{name}-{run_id[:12]}.log") if self.log_dir else None
        state, log, code = self._run(argv, timeout * self.minute_s, log_path)
        finished = _now()
        run.update(JobRunState=state, CompletedOn=finished.isoformat(), LastModifiedOn=finished.isoformat(),
                   ExecutionTime=max(int((finished - started).total_seconds()), 1))
        if state == "TIMEOUT":
            run["ErrorMessage"] = f"Job run timed out after {timeout} minutes"
        elif state == "FAILED":
            run["ErrorMessage"] = error_message(log, code)
        if log_path is not None:
            run["LogPath"] = str(log_path)
        self.runs.append(run)
        if state != "SUCCEEDED":
            raise TaskFailure(TASK_FAILED, json.dumps(run))
        return run

    def _run(self, argv: list[str], timeout_s: float, log_path: Path | None) -> tuple[str, str, int | None]:
        env = glue_environment(self.base_env, str(self.cwd))
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
        out_path = log_path or Path(os.devnull)
        started = time.monotonic()
        with open(out_path, "wb") as out, subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                                            cwd=self.cwd, env=env, start_new_session=True,
                                                            preexec_fn=parent_death_hook(os.getpid())) as proc:
            chunks: list[bytes] = []
            assert proc.stdout is not None
            os.set_blocking(proc.stdout.fileno(), False)
            state = "SUCCEEDED"
            try:
                state = self._pump(proc, out, chunks, started, timeout_s)
            finally:  # Ctrl-C, a timeout or a finished driver: nothing of the job outlives the run
                _kill_group(proc.pid)
                proc.wait()
            if state == "SUCCEEDED" and proc.returncode != 0:
                state = "FAILED"
        return state, b"".join(chunks).decode("utf-8", "replace"), proc.returncode

    @staticmethod
    def _pump(proc: subprocess.Popen[bytes], out: Any, chunks: list[bytes], started: float, timeout_s: float) -> str:
        """Copy the driver's output until it exits (SUCCEEDED for now) or the timeout passes (TIMEOUT)."""
        assert proc.stdout is not None
        while True:
            data = proc.stdout.read() or b""
            if data:
                chunks.append(data)
                out.write(data)
            if proc.poll() is not None:
                rest = proc.stdout.read() or b""
                chunks.append(rest)
                out.write(rest)
                return "SUCCEEDED"
            if time.monotonic() - started > timeout_s:
                _kill_group(proc.pid)
                proc.wait()
                return "TIMEOUT"
            time.sleep(0.05)


def _kill_group(pgid: int) -> None:
    """SIGKILL the job's whole process group (driver, JVM, Python workers); gone already is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
