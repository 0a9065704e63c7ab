"""Progress of long work, fitted to where it is shown (stderr, so ``--json`` stdout stays clean).

- On a terminal: a Rich live line (spinner, ``<import> chunk k/N: <state>``, elapsed time) that the
  next state replaces.
- Anywhere else (CI logs, pipes, files): one plain line per state change, ``<label>: <state> (+1.2s)``,
  never repeated, never padded to a terminal width, no control codes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Protocol, TextIO

__all__ = ["Progress", "PlainProgress", "LiveProgress", "QuietProgress", "progress_for", "chunk_label", "outcome_line"]


def chunk_label(import_name: str, index: int, total: int) -> str:
    """``orders`` for a single run, ``orders chunk 2/5`` inside a chunked backfill."""
    return f"{import_name} chunk {index}/{total}" if total > 1 else import_name


def outcome_line(summary: dict[str, Any]) -> str:
    """How a run ended, in one line: its status, then the root cause or the rows published."""
    status = str(summary.get("status"))
    if summary.get("error"):
        where = summary.get("root_state") or summary.get("failed_state")
        return f"{status}: {summary['error']}" + (f" in {where}" if where else "")
    written = summary.get("rows_written")
    return status + (f", {int(written):,} rows published" if isinstance(written, int) else "")


class Progress(Protocol):
    def start(self, label: str) -> None: ...
    def update(self, text: str) -> None: ...
    def finish(self, summary: dict[str, Any]) -> None: ...
    def __enter__(self) -> Progress: ...
    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None: ...


class PlainProgress:
    """One line per state change, for logs."""

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.began = clock()
        self.label = ""
        self.last: str | None = None

    def _line(self, text: str) -> None:
        self.stream.write(f"{self.label}: {text} (+{self.clock() - self.began:.1f}s)\n")
        self.stream.flush()

    def start(self, label: str) -> None:
        self.label, self.last = label, None
        self._line("started")

    def update(self, text: str) -> None:
        text = " ".join(text.split())
        if text and text != self.last:
            self.last = text
            self._line(text)

    def finish(self, summary: dict[str, Any]) -> None:
        self._line(outcome_line(summary))

    def __enter__(self) -> PlainProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        return None


class LiveProgress:
    """A Rich live line on a terminal: spinner, what runs now, elapsed time since the command started."""

    def __init__(self, console: Any = None) -> None:
        from rich.console import Console
        from rich.progress import Progress as RichProgress
        from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = console or Console(stderr=True)
        self.bar = RichProgress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                                console=self.console, transient=False)
        self.task = self.bar.add_task("starting", total=None)
        self.label = ""

    def start(self, label: str) -> None:
        self.label = label
        self.bar.update(self.task, description=f"{label}: starting")

    def update(self, text: str) -> None:
        self.bar.update(self.task, description=f"{self.label}: {text}")

    def finish(self, summary: dict[str, Any]) -> None:
        from rich.text import Text

        self.bar.console.print(Text(f"{self.label}: {outcome_line(summary)}"))

    def __enter__(self) -> LiveProgress:
        self.bar.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self.bar.stop()


class QuietProgress:
    """``--quiet``: no progress at all."""

    def start(self, label: str) -> None:
        return None

    def update(self, text: str) -> None:
        return None

    def finish(self, summary: dict[str, Any]) -> None:
        return None

    def __enter__(self) -> QuietProgress:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        return None


def progress_for(stream: TextIO | None = None, *, quiet: bool = False) -> Progress:
    """Nothing with ``quiet``; a live view when ``stream`` (stderr by default) is a terminal, plain
    lines otherwise."""
    if quiet:
        return QuietProgress()
    out = stream or sys.stderr
    if out.isatty():
        from rich.console import Console

        return LiveProgress(Console(file=out))
    return PlainProgress(out)
