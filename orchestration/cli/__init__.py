"""The ``lockgate`` command line: a thin layer over ``orchestration.api`` and friends.

``main`` is the console entry point. Importing this package loads nothing else: a local run (``run`` or
``backfill`` with ``--local``) starts the local Lambda service's fork server first, so that server's start
and imports overlap the CLI's own (``orchestration.forkserver``), and only then is the CLI
(``orchestration.cli.app``, which holds the Typer ``app``) imported."""

from __future__ import annotations

import sys

__all__ = ["main"]

_LOCAL_COMMANDS = frozenset({"run", "backfill"})


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--local" in args and _LOCAL_COMMANDS & set(args):
        from orchestration.forkserver import start_fork_server

        start_fork_server()
    from .app import main as cli_main

    cli_main(argv)
