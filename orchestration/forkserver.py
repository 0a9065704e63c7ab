"""The local Lambda service's fork server, kept apart so the ``lockgate`` command can start it before it
imports anything else (``orchestration.cli.main``): its interpreter start and ``PRELOAD`` imports then run
on another core while the CLI imports itself and loads the project. Only the standard library here."""

from __future__ import annotations

import multiprocessing
from typing import Any

__all__ = ["PRELOAD", "context", "start_fork_server"]

PRELOAD = ["orchestration.local.services._child", "pydantic", "sqlglot", "boto3", "orchestration.core.contracts",
           "orchestration.core.storage", "aws_lambda_powertools", "aws_lambda_powertools.utilities.parser",
           "sqlglot.dialects.duckdb", "sqlglot.dialects.spark", "duckdb", "orchestration.core.spec.loader",
           "orchestration.planning"]
"""Imported once by the fork server. Nothing here may read the environment at import time or start
threads (a fork keeps only the forking thread; a test holds the preload to one thread): pyarrow starts
threads when imported, so it is left to the invocation. The SQL dialects, DuckDB and the planner are what
the Plan function's spec checks and routing import (0.4 of its 0.5 s when each invocation imported them)."""
_CONTEXT: Any = None


def context() -> Any:
    """The ``forkserver`` multiprocessing context, with ``PRELOAD`` set before its server starts."""
    global _CONTEXT
    if _CONTEXT is None:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        _CONTEXT = ctx
    return _CONTEXT


def start_fork_server() -> None:
    """Start the fork server now rather than at the first invocation (its start and ``PRELOAD`` take about
    a second). Idempotent; a server no run uses exits with the process that started it."""
    from multiprocessing import forkserver

    context()
    forkserver.ensure_running()
