"""The process one local Lambda invocation runs in: ``run_forked`` in a child of the fork server
(``LambdaService``), or ``python -P .../_child.py`` with the job as JSON on stdin.

The job is ``{"handler", "event", "context", "result_path"}``: import the handler, call it and write ``{"ok": true, "payload": ...}`` or the error the Lambda Python runtime would report
(``errorType`` = the exception class name, ``errorMessage`` = ``str(exc)``, ``stackTrace``) to
``result_path``. A result that is not JSON-serialisable fails with ``Runtime.MarshalError`` as on AWS.
Kept free of Lockgate imports so the only modules loaded are the handler's own.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any


class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.function_name: str = data["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = data["function_arn"]
        self.memory_limit_in_mb: int = int(data["memory_mb"])
        self.aws_request_id: str = data["request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self._deadline = time.monotonic() + float(data["timeout_s"])

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def _error(exc: BaseException) -> dict[str, Any]:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.endswith("_child.py")]
    return {"ok": False, "errorType": type(exc).__name__, "errorMessage": str(exc),
            "stackTrace": traceback.format_list(frames)}


def parent_death_hook(parent: int) -> Callable[[], None] | None:
    """Linux: a call that makes the kernel SIGKILL the calling process when process ``parent`` dies
    (``PR_SET_PDEATHSIG``), so a killed ``lockgate run`` never leaves a Lambda invocation or a Glue job
    working on its own. libc is loaded here, so the call itself is one system call: fit for a Popen
    ``preexec_fn`` made before the fork. None where the kernel has no such option."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def die_with_parent() -> None:
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(137)

    return die_with_parent


def _stop(signum: int, frame: Any) -> None:
    """SIGTERM (the CLI was interrupted): unwind like Ctrl-C so open writes are discarded, not left behind."""
    raise KeyboardInterrupt(f"stopped by signal {signum}")


def run_forked(job: dict[str, Any], env: dict[str, str], cwd: str, log_path: str) -> None:
    """Entry of a forked invocation: its own process group, environment, working directory and log."""
    hook = parent_death_hook(os.getppid())  # the fork server, which exits with the CLI
    if hook is not None:
        hook()
    signal.signal(signal.SIGTERM, _stop)
    os.setsid()  # so a kill for timeout or memory reaches whatever the handler started
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    try:
        execute(job)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def main() -> None:
    execute(json.loads(sys.stdin.read()))


def execute(job: dict[str, Any]) -> None:
    context = LambdaContext(job["context"])
    module_name, _, attr = job["handler"].rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # noqa: BLE001 - the runtime reports import failures by this name
        _write(job, {"ok": False, "errorType": "Runtime.ImportModuleError",
                     "errorMessage": f"Unable to import module '{module_name}': {exc}", "stackTrace": []})
        return
    handler = getattr(module, attr, None)
    if not callable(handler):
        _write(job, {"ok": False, "errorType": "Runtime.HandlerNotFound",
                     "errorMessage": f"Handler '{attr}' missing on module '{module_name}'", "stackTrace": []})
        return
    try:
        result: dict[str, Any] = {"ok": True, "payload": handler(job["event"], context)}
    except Exception as exc:  # noqa: BLE001 - every unhandled error is reported, as the Lambda runtime does
        result = _error(exc)
    _write(job, result)


def _write(job: dict[str, Any], result: dict[str, Any]) -> None:
    try:
        text = json.dumps(result)
    except (TypeError, ValueError) as exc:
        text = json.dumps({"ok": False, "errorType": "Runtime.MarshalError",
                           "errorMessage": f"Unable to marshal response: {exc}", "stackTrace": []})
    with open(job["result_path"], "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
