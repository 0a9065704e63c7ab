"""How a ``lockgate`` command ends: the exit codes (the one place that defines them), which error gets
which code, and how an error is shown: one line plus a hint, or one JSON object under ``--json``.

docs/cli.md prints the same table; tests/cli/test_exit_codes.py holds the two to each other.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any, TextIO

import typer

from orchestration.core.errors import (
    ConfigError,
    LockgateError,
    SpecError,
    TransientError,
    UnsupportedFeatureError,
    UsageError,
)

__all__ = ["ExitCode", "EXIT_CODE_MEANINGS", "Failure", "failure_of", "show_failure"]


class ExitCode(IntEnum):
    """Exit codes of every ``lockgate`` command."""

    OK = 0
    FAILED = 1
    USAGE = 2
    CONFIG = 3
    AWS = 4
    INTERNAL = 5
    INTERRUPTED = 130


EXIT_CODE_MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "success (for `validate`: every spec is valid; for `run`: the run succeeded or, on AWS "
                 "without `--wait`, started)",
    ExitCode.FAILED: "the work ran and failed: a run or backfill failed, a query was rejected, data could "
                     "not be read",
    ExitCode.USAGE: "the command line or a spec is wrong: unknown command or option, missing argument, bad "
                    "value (window, engine, import name), invalid spec",
    ExitCode.CONFIG: "the project or the environment is not usable: no or invalid `lockgate.yaml`, missing "
                     "imports directory, state machine not deployed, a needed tool missing",
    ExitCode.AWS: "an AWS call failed: credentials, permissions, throttling, network",
    ExitCode.INTERNAL: "a bug in Lockgate: rerun with `--verbose` for the traceback and report it",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}


@dataclass(frozen=True)
class Failure:
    """An error as the user sees it: a stable name, one message, where, a hint and the exit code."""

    error: str
    message: str
    where: str | None
    hint: str | None
    exit_code: ExitCode

    def to_json(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message, "where": self.where, "hint": self.hint,
                "exit_code": int(self.exit_code)}


def _command_path(ctx: Any) -> str:
    path = getattr(ctx, "command_path", None)
    return str(path) if path else "lockgate"


def _from_typer(e: typer.TyperException) -> Failure:
    """A click usage error (typer ships its own click as ``typer._click``; its exceptions all derive from
    the public ``typer.TyperException``, so the installed ``click`` package's classes never match)."""
    code = int(getattr(e, "exit_code", 1))
    ctx = getattr(e, "ctx", None)
    message = e.format_message().strip().splitlines()[0] if e.format_message().strip() else type(e).__name__
    if code == ExitCode.USAGE:
        return Failure("Lockgate.UsageError", message, None, f"Try '{_command_path(ctx)} -h' for help.",
                       ExitCode.USAGE)
    return Failure("Lockgate.Error", message, None, None, ExitCode.FAILED)


_AWS_HINT = ("check the AWS credentials and region (`aws sts get-caller-identity`), or add --local to work "
             "on this machine")


def failure_of(e: BaseException) -> Failure:
    """The Failure (and so the exit code) of any exception that ends a command."""
    if isinstance(e, KeyboardInterrupt | typer.Abort):
        return Failure("Lockgate.Interrupted", "interrupted", None, None, ExitCode.INTERRUPTED)
    if isinstance(e, typer.TyperException):
        return _from_typer(e)
    if isinstance(e, LockgateError):
        name = type(e).asl_error if type(e).asl_error.startswith("Lockgate.") else f"Lockgate.{type(e).__name__}"
        text = e.message
        if isinstance(e, UsageError | SpecError):
            hint = "Run 'lockgate validate' to see every problem of every spec." if isinstance(e, SpecError) else None
            return Failure(name, text, e.where, hint, ExitCode.USAGE)
        if isinstance(e, ConfigError):
            return Failure(name, text, e.where, None, ExitCode.CONFIG)
        if isinstance(e, TransientError):
            return Failure(name, text, e.where, "this may pass on a retry", ExitCode.AWS)
        if isinstance(e, UnsupportedFeatureError):
            return Failure(name, text, e.where, None, ExitCode.CONFIG)
        return Failure(name, text, e.where, None, ExitCode.FAILED)
    if type(e).__module__.split(".")[0] in ("botocore", "boto3"):
        return Failure("Lockgate.AwsError", f"{type(e).__name__}: {e}", None, _AWS_HINT, ExitCode.AWS)
    return Failure("Lockgate.InternalError", f"{type(e).__name__}: {e}", None,
                   "this is a bug in Lockgate; rerun with --verbose for the traceback and report it",
                   ExitCode.INTERNAL)


def show_failure(e: BaseException, *, as_json: bool, verbose: bool, command: str = "lockgate",
                 out: TextIO | None = None, err: TextIO | None = None) -> ExitCode:
    """Print ``e`` for a person (stderr: ``error: ...`` then a hint) or, with ``as_json``, as one JSON
    object on stdout; the traceback only with ``verbose``. ``command`` (e.g. ``lockgate run``) names the
    help to point usage errors at. Returns the exit code."""
    out, err = out or sys.stdout, err or sys.stderr
    f = failure_of(e)
    if f.exit_code == ExitCode.USAGE and f.hint is None and isinstance(e, UsageError):
        f = replace(f, hint=f"Try '{command} -h' for help.")
    if verbose and not isinstance(e, typer.TyperException | KeyboardInterrupt | typer.Abort):
        traceback.print_exception(e, file=err)
    if as_json:
        out.write(json.dumps(f.to_json(), indent=2) + "\n")
        out.flush()
        return f.exit_code
    lines = (f"{f.where}: {f.message}" if f.where else f.message).splitlines() or [f.error]
    err.write(f"error: {lines[0]}\n" + "".join(f"  {line}\n" for line in lines[1:]))
    if f.hint:
        err.write(f.hint + "\n" if f.hint.startswith("Try '") else f"hint: {f.hint}\n")
    err.flush()
    return f.exit_code
