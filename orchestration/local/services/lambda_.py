"""Lambda: each invocation of a project handler runs in its own Python process, with the function's
memory and timeout enforced the way Lambda enforces them.

- Timeout: the process is killed and the invocation fails with ``Sandbox.Timedout``
  (``RequestId: ... Error: Task timed out after N.NN seconds``).
- Memory: the process's resident set is watched; past ``memory_mb`` it is killed and the invocation
  fails with ``Runtime.OutOfMemory`` (``... Runtime exited with error: signal: killed``).
- Unhandled exceptions: ``errorType`` is the exception class name and ``errorMessage`` its text, as
  the Lambda Python runtime reports them; a process that dies otherwise fails with ``Runtime.ExitError``.

The function table is explicit (``LocalFunction`` per function name), built per run by the runner.

Start-up: invocations are forked from a ``multiprocessing`` fork server (``orchestration.forkserver``)
that has pre-imported the heavy, environment-independent libraries the handlers share (its ``PRELOAD``:
pydantic, sqlglot and its dialects, DuckDB, boto3, Powertools, the spec contract, the planner), so an
invocation starts in ~0.1 s instead of ~1.5-2 s; the handler module itself is imported fresh in every
invocation, after the function's environment is set, as on a cold start.

Environment: what the function would have on AWS, not the CLI's (``environment.lambda_environment``):
no credentials or other shell variables reach the handler or the spec's hooks.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestration.core.errors import ConfigError
from orchestration.forkserver import context

from .environment import lambda_environment

__all__ = ["FunctionError", "LocalFunction", "LambdaService", "Invocation"]

_POLL_SECONDS = 0.02
_STARTING = threading.Lock()


@contextlib.contextmanager
def _without_main_module() -> Iterator[None]:
    """While an invocation starts: its child must not import the parent's ``__main__`` again.

    ``multiprocessing`` re-runs the parent's main script in every child it starts through a fork server (so
    objects defined there unpickle). An invocation needs none of it (its target and arguments live in
    ``_child`` and are plain data), and the script is ``lockgate`` (the whole CLI, 55-70 ms with the preload)
    or, under the tests, pytest's. A main module whose spec is named ``__main__`` is the one case the child
    leaves alone, so that is what the parent's looks like for the moment the child is started."""
    from importlib.machinery import ModuleSpec

    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _STARTING:
        saved = main.__dict__.get("__spec__")
        main.__spec__ = ModuleSpec("__main__", None)
        try:
            yield
        finally:
            main.__spec__ = saved


@dataclass(frozen=True, slots=True)
class LocalFunction:
    """One deployed function as the local runtime runs it."""

    name: str
    """Function name (``<prefix>-<import>-process-batch``)."""
    handler: str
    """Dotted path of the handler (``lambdas.handlers.process_batch.handler``)."""
    memory_mb: int = 1024
    timeout_s: float = 900
    environment: Mapping[str, str] = field(default_factory=dict)


class FunctionError(Exception):
    """The function failed: ``error_type`` and the error payload Lambda would return."""

    def __init__(self, error_type: str, payload: dict[str, Any]) -> None:
        self.error_type = error_type
        self.payload = payload
        super().__init__(f"{error_type}: {payload.get('errorMessage', '')}")


@dataclass(slots=True)
class Invocation:
    """What one invocation did (kept for the run record)."""

    function: str
    request_id: str
    duration_s: float
    max_rss_mb: float
    error_type: str | None
    log_path: str | None


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0.0


class LambdaService:
    """Invokes functions from an explicit table; ``log_dir`` keeps each invocation's output."""

    def __init__(self, functions: Mapping[str, LocalFunction], *, base_env: Mapping[str, str] | None = None,
                 cwd: str | os.PathLike[str] | None = None, log_dir: str | os.PathLike[str] | None = None) -> None:
        self.functions = dict(functions)
        self.base_env = dict(base_env or {})
        self.cwd = Path(cwd) if cwd else Path.cwd()
        self.log_dir = Path(log_dir) if log_dir else None
        self.invocations: list[Invocation] = []

    def function(self, name_or_arn: str) -> LocalFunction:
        name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0]
        if name not in self.functions:
            known = ", ".join(sorted(self.functions)) or "none"
            raise ConfigError(f"no local function named {name!r} (resource {name_or_arn}); known: {known}",
                              where="local Lambda service")
        return self.functions[name]

    def invoke(self, name_or_arn: str, event: Any, *, task_timeout_s: float | None = None) -> tuple[Any, str]:
        """Run the function on ``event``; returns ``(payload, request_id)`` or raises ``FunctionError``.

        ``task_timeout_s`` is the calling Task's ``TimeoutSeconds``: when it passes before the function's
        own timeout, the invocation is stopped and fails with ``States.Timeout`` (on AWS the state fails
        and the function runs on unobserved; locally it is killed)."""
        fn = self.function(name_or_arn)
        request_id = str(uuid.uuid4())
        arn = name_or_arn if name_or_arn.startswith("arn:") else f"arn:aws:lambda:local:000000000000:function:{fn.name}"
        with tempfile.TemporaryDirectory(prefix="lockgate-lambda-") as tmp:
            result_path = Path(tmp) / "result.json"
            log_path = (self.log_dir / f"{fn.name}-{request_id}.log") if self.log_dir else Path(tmp) / "log"
            log_path.parent.mkdir(parents=True, exist_ok=True)
            job = {"handler": fn.handler, "event": event, "result_path": str(result_path),
                   "context": {"function_name": fn.name, "function_arn": arn, "memory_mb": fn.memory_mb,
                               "request_id": request_id, "timeout_s": fn.timeout_s}}
            env = lambda_environment(fn.name, fn.memory_mb, self.base_env, fn.environment, str(self.cwd))
            from ._child import run_forked

            started = time.monotonic()
            proc = context().Process(target=run_forked, args=(job, env, str(self.cwd), str(log_path)),
                                     name=f"lambda:{fn.name}", daemon=True)
            with _without_main_module():
                proc.start()
            try:
                killed_for, peak = self._watch(proc, fn, started, task_timeout_s)
            except BaseException:  # Ctrl-C or a crash here must not leave the function running
                self._stop(proc)
                raise
            duration = time.monotonic() - started
            error_type: str | None = None
            try:
                payload, error = self._outcome(proc, fn, request_id, killed_for, duration, result_path)
            except FunctionError as err:
                error_type = err.error_type
                raise
            finally:
                self.invocations.append(Invocation(fn.name, request_id, round(duration, 3), round(peak, 1),
                                                   error_type, str(log_path) if self.log_dir else None))
            return payload, request_id

    def _watch(self, proc: Any, fn: LocalFunction, started: float,
               task_timeout_s: float | None) -> tuple[str | None, float]:
        task_limit = task_timeout_s if task_timeout_s is not None and task_timeout_s < fn.timeout_s else None
        peak = 0.0
        while proc.is_alive():
            rss = _rss_mb(proc.pid)
            peak = max(peak, rss)
            elapsed = time.monotonic() - started
            reason = ("memory" if rss > fn.memory_mb else "timeout" if elapsed > fn.timeout_s
                      else "task_timeout" if task_limit is not None and elapsed > task_limit else None)
            if reason:
                self._kill(proc)
                return reason, peak
            time.sleep(_POLL_SECONDS)
        proc.join()
        return None, peak

    def _stop(self, proc: Any, grace_s: float = 3.0) -> None:
        """Ctrl-C: SIGTERM the invocation's group so it unwinds (open writes are discarded), then SIGKILL."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.join(grace_s)
        self._kill(proc)

    @staticmethod
    def _kill(proc: Any) -> None:
        """Kill the invocation's process group (it calls setsid first), or the process if it has not yet."""
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        proc.join()

    @staticmethod
    def _outcome(proc: Any, fn: LocalFunction, request_id: str, killed_for: str | None,
                 duration: float, result_path: Path) -> tuple[Any, None]:
        if killed_for == "timeout":
            raise FunctionError("Sandbox.Timedout", {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {float(fn.timeout_s):.2f} seconds"})
        if killed_for == "task_timeout":
            raise FunctionError("States.Timeout", {
                "errorType": "States.Timeout",
                "errorMessage": f"RequestId: {request_id}: the Task's TimeoutSeconds passed after {duration:.2f} s, "
                                f"before the function's own timeout of {float(fn.timeout_s):.0f} s"})
        if killed_for == "memory":
            raise FunctionError("Runtime.OutOfMemory", {
                "errorType": "Runtime.OutOfMemory",
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed"})
        if not result_path.is_file():
            rc = proc.exitcode if proc.exitcode is not None else 1
            status = f"signal: {signal.Signals(-rc).name.removeprefix('SIG').lower()}" if rc < 0 else f"exit status {rc}"
            raise FunctionError("Runtime.ExitError", {
                "errorType": "Runtime.ExitError",
                "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: {status}"})
        result = json.loads(result_path.read_text(encoding="utf-8"))
        if result.get("ok"):
            return result.get("payload"), None
        payload = {"errorMessage": result.get("errorMessage", ""), "errorType": result["errorType"],
                   "requestId": request_id, "stackTrace": result.get("stackTrace", [])}
        raise FunctionError(result["errorType"], payload)
