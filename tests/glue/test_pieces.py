"""One read task in a Python worker, without Spark: every record and the task's info row come out."""

from __future__ import annotations

import gc
import json
from pathlib import Path

from glue_jobs.engine.pieces import BATCH_ROWS, run_task
from glue_jobs.engine.textparse import ParseOptions, fast_csv
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


def _rows(path: Path, lake: Path, opts: ParseOptions) -> tuple[list[tuple], list[dict]]:
    batches = list(run_task(_task(path, lake), opts, LocalLake(lake), 1 << 20))
    names = [f"_raw_{i}" for i in range(len(opts.columns))]
    rows = [tuple(b.column(n)[i].as_py() for n in ["_record", "_parse_error", *names]) for b in batches
            for i in range(b.num_rows) if b.column("_info")[i].as_py() is None]
    return rows, [json.loads(i) for b in batches for i in b.column("_info").to_pylist() if i is not None]


def test_the_byte_fast_path_reads_exactly_what_the_python_parser_reads(tmp_path: Path) -> None:
    """The fast path parses the bytes as they are (header found in the bytes, no decode, no copy). Each
    object is read twice: as it is, and with a trailing quoted line break that sends the whole object to
    the csv module; the records, their line numbers and values must not change (only the extra record)."""
    cases = {
        "quoted_header.csv": b'"a","b c","d"\n1,x,9\n2,"y",8\n',
        "bom_crlf.csv": b'\xef\xbb\xbfa,b c,d\r\n1,x,9\r\n2,,8\r\n',
        "no_final_newline.csv": b"d,a,b c\n9,1,x\n8,2,y",
        "missing_and_extra.csv": b"a,zz,d\n1,q,9\n",
        "blank_first_line.csv": b"\na,b c,d\n1,x,9\n",
        "header_only.csv": b"a,b c,d\n",
        "latin_letters.csv": "a,b c,d\n1,é,9\n".encode(),
    }
    opts = ParseOptions(columns=("a", "b c", "d"))
    for name, data in cases.items():
        path = tmp_path / "raw" / "in" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        fast, fast_info = _rows(path, tmp_path, opts)
        slow_path = path.with_name("slow_" + name)
        slow_path.write_bytes(data + (b"" if data.endswith(b"\n") or data.endswith(b"\n\n") else b"\n") + b'7,"p\nq",6\n')
        slow, slow_info = _rows(slow_path, tmp_path, opts)
        assert fast == slow[:len(fast)] and len(slow) == len(fast) + 1, name
        assert fast_info[0]["missing"] == slow_info[0]["missing"] and fast_info[0]["extra"] == slow_info[0]["extra"]
    taken = {n for n, d in cases.items() if fast_csv(d, n, opts) is not None}
    assert taken == set(cases) - {"blank_first_line.csv"}  # the byte path decided all the others
    quoted, _ = _rows(tmp_path / "raw" / "in" / "quoted_header.csv", tmp_path, opts)
    assert quoted == [(2, None, "1", "x", "9"), (3, None, "2", "y", "8")]


def test_invalid_utf8_anywhere_in_a_piece_fails_naming_the_offset(tmp_path: Path) -> None:
    """Even in a column the spec does not read: the fast path validates the whole piece, and the Python
    path reports where the bad byte is."""
    path = tmp_path / "raw" / "in" / "bad.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"a,unused\n1,ok\n2,\xff\n")
    _, infos = _rows(path, tmp_path, ParseOptions(columns=("a",)))
    assert "invalid utf-8 at byte offset 16 (line 3)" in infos[0]["fatal"]


def test_a_range_of_an_object_without_a_readable_header_fails_unless_it_is_blank(tmp_path: Path) -> None:
    """The driver sends an object's later ranges as "skip" tasks when its head gave no header layout: its piece
    at byte 0 then fails the run, or the object is blank lines only. A range with records in it must not be
    skipped without a word, whatever left the layout unknown."""
    path = tmp_path / "raw" / "in" / "c.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n\r\n\n3,x\n")
    opts = ParseOptions(columns=("a",))
    for start, stop, fatal in ((0, 4, None), (4, 8, "records from byte 4 (line 4) on follow no readable header")):
        task = {**_task(path, tmp_path), "mode": "skip", "start": start, "stop": stop, "line0": 3 if start else 0}
        infos = [json.loads(i) for b in run_task(task, opts, LocalLake(tmp_path), 1 << 20)
                 for i in b.column("_info").to_pylist() if i is not None]
        assert [(i["rows"], i["fatal"]) for i in infos] == [(0, fatal and f"{task['uri']}: {fatal}")]


def test_json_lines_values_are_their_json_text(tmp_path: Path) -> None:
    """Numbers keep their text (``1.50``, ``1e3``, ``-0.0``, a 25-digit integer), nested values are compact
    JSON with numbers unquoted and strings quoted, booleans are ``true``/``false``; a record with a
    nested value or a boolean takes the slower decoding, the others not, and both give the same text."""
    path = tmp_path / "raw" / "in" / "a.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text(
        '{"a": 1.50, "b": "1.50", "c": 1e3}\n'
        '\r\n'
        '{"a": -0.0, "b": {"k": [1.50, "x", true, null]}, "c": 1234567890123456789012345, "z": 1}\n'
        '{"a": true, "b": false, "c": NaN}\n'
        '[1, 2]\n'
        '{"a": "only a", "y": [1]}')
    rows, infos = _rows(path, tmp_path, ParseOptions(columns=("a", "b", "c"), format="jsonl"))
    assert rows == [
        (1, None, "1.50", "1.50", "1e3"),
        (3, None, "-0.0", '{"k":[1.50,"x",true,null]}', "1234567890123456789012345"),
        (4, None, "true", "false", "NaN"),
        (5, "parse:not a JSON object", None, None, None),
        (6, None, "only a", None, None),
    ]
    assert infos[0]["extra"] == ["z", "y"] and infos[0]["rows"] == 5


def test_a_task_leaves_the_garbage_collector_as_it_found_it(tmp_path: Path) -> None:
    path = tmp_path / "raw" / "in" / "a.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(f'{{"a": {i}}}\n' for i in range(BATCH_ROWS + 5)))
    opts = ParseOptions(columns=("a",), format="jsonl")
    assert gc.isenabled()
    task = run_task(_task(path, tmp_path), opts, LocalLake(tmp_path), 1 << 20)
    next(task)
    assert not gc.isenabled()  # paused while the task runs
    task.close()  # closed early, as Spark does when a task is cancelled
    assert gc.isenabled()
    list(run_task(_task(path, tmp_path), opts, LocalLake(tmp_path), 1 << 20))
    assert gc.isenabled()
    gc.disable()
    try:
        list(run_task(_task(path, tmp_path), opts, LocalLake(tmp_path), 1 << 20))
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()
