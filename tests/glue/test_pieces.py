"""One read task in a Python worker, without Spark: every record and the task's info row come out."""

from __future__ import annotations

import json
from pathlib import Path

from glue_jobs.engine.pieces import BATCH_ROWS, run_task
from glue_jobs.engine.textparse import ParseOptions
from orchestration.core.storage import LocalLake


def _task(path: Path, lake: Path, mode: str = "piece") -> dict:
    size = path.stat().st_size
    return {"uri": "s3://" + path.relative_to(lake).as_posix(), "mode": mode, "start": 0,
            "stop": size if mode == "piece" else 0, "line0": 0, "compression": "none", "layout": None, "seq": 0}


def test_an_info_row_that_completes_a_batch_is_not_lost(tmp_path: Path) -> None:
    """BATCH_ROWS - 1 records on the csv-module path (a quoted line break rules out the fast path): the info
    row fills the last batch exactly."""
    path = tmp_path / "raw" / "in" / "a.csv"
    path.parent.mkdir(parents=True)
    path.write_text('a,b\n"x\ny",1\n' + "".join(f"{i},{i}\n" for i in range(BATCH_ROWS - 2)))
    opts = ParseOptions(columns=("a", "b"))
    for mode in ("piece", "stream"):
        batches = list(run_task(_task(path, tmp_path, mode), opts, LocalLake(tmp_path), 1 << 20))
        records = sorted(r for b in batches for r in b.column("_record").to_pylist() if r is not None)
        infos = [json.loads(i) for b in batches for i in b.column("_info").to_pylist() if i is not None]
        assert len(records) == BATCH_ROWS - 1 and records[:2] == [2, 4]
        assert [i["rows"] for i in infos] == [BATCH_ROWS - 1] and infos[0]["fatal"] is None


def test_a_streamed_object_in_tiny_blocks_keeps_its_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "raw" / "in" / "b.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b'a,b\r\n1,"p\r\nq"\r\n\r\n2,3\r\n')
    batches = list(run_task(_task(path, tmp_path, "stream"), ParseOptions(columns=("a", "b")), LocalLake(tmp_path), 3))
    rows = [(r, a, b) for batch in batches for r, a, b in zip(batch.column("_record").to_pylist(),
            batch.column("_raw_0").to_pylist(), batch.column("_raw_1").to_pylist(), strict=True) if r is not None]
    assert sorted(rows) == [(2, "1", "p\r\nq"), (5, "2", "3")]
