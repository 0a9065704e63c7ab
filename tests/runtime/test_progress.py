"""Progress fitted to the medium: plain lines in logs (exactly one per state change, no padding), a
Rich live view on a terminal (elapsed time, `chunk k/N` in backfills)."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import threading
from pathlib import Path

from orchestration.cli.progress import PlainProgress, chunk_label
from tests.runtime.conftest import ROOT
from tests.runtime.sample import write_orders

BACKFILL = ["backfill", "orders", "--local", "--window", "2024-03-01..2024-03-03", "--chunk", "1", "--engine", "lambda"]


def test_plain_progress_writes_one_unpadded_line_per_change() -> None:
    ticks = iter([0.0, 0.0, 1.25, 3.5, 4.0])  # init, then one per line written
    out = io.StringIO()
    progress = PlainProgress(out, clock=lambda: next(ticks))
    progress.start(chunk_label("orders", 2, 5))
    progress.update("Plan")
    progress.update("Plan")  # no change, no line
    progress.update("ProcessBatches  ›  ProcessBatch 1/2")
    progress.finish({"status": "FAILED", "error": "Lockgate.DataError", "root_state": "ProcessBatch"})
    assert out.getvalue() == (
        "orders chunk 2/5: started (+0.0s)\n"
        "orders chunk 2/5: Plan (+1.2s)\n"
        "orders chunk 2/5: ProcessBatches › ProcessBatch 1/2 (+3.5s)\n"
        "orders chunk 2/5: FAILED: Lockgate.DataError in ProcessBatch (+4.0s)\n")
    assert chunk_label("orders", 1, 1) == "orders"


def _cli(root: Path, *args: str, stderr: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(root), *args], cwd=ROOT,
                          stdout=subprocess.PIPE, stderr=stderr if stderr is not None else subprocess.PIPE,
                          text=True, timeout=600)


def test_off_a_terminal_a_backfill_logs_plain_lines_per_state_change(project: Path) -> None:  # noqa: F811
    lake = project / "lake"
    first, second = write_orders(lake, "2024-03-01"), write_orders(lake, "2024-03-02")
    done = _cli(project, *BACKFILL)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and done.stderr.endswith("\n")
    for line in lines:
        assert re.fullmatch(r"orders chunk [12]/2: \S.*\S \(\+\d+\.\ds\)", line), repr(line)
        assert "\x1b" not in line and "\r" not in line and "  " not in line
    states = [line.split(": ", 1)[1].rsplit(" (+", 1)[0] for line in lines if line.startswith("orders chunk 1/2")]
    assert states[0] == "started" and "Plan" in states and "Commit" in states
    assert any(s.startswith("ProcessBatches › ProcessBatch 1/") for s in states)
    assert all(a != b for a, b in zip(states, states[1:], strict=False))  # one line per change
    assert states[-1] == f"SUCCEEDED, {first.written:,} rows published"
    assert lines[-1].startswith(f"orders chunk 2/2: SUCCEEDED, {second.written:,} rows published (+")


def test_on_a_terminal_a_backfill_shows_a_live_view_with_chunk_and_elapsed_time(project: Path) -> None:  # noqa: F811
    lake = project / "lake"
    write_orders(lake, "2024-03-01")
    write_orders(lake, "2024-03-02")
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = _cli(project, *BACKFILL, stderr=slave)
    finally:
        os.close(slave)
        reader.join(timeout=10)
        os.close(master)
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert done.returncode == 0, screen[-2000:]
    assert "\x1b[" in screen  # a live view redraws in place
    assert "orders chunk 1/2" in screen and "orders chunk 2/2" in screen
    assert re.search(r"\d:\d\d:\d\d", screen)  # elapsed time
    assert "orders chunk 2/2: SUCCEEDED" in screen


def test_quiet_shows_no_progress(project: Path) -> None:  # noqa: F811
    write_orders(project / "lake", "2024-03-01")
    done = _cli(project, "-q", "run", "orders", "--local", "--window", "2024-03-01..2024-03-02", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == "" and '"status": "SUCCEEDED"' in done.stdout
