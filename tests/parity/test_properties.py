"""Property-based parity: generated CSV objects give the same output and quarantine on both engines."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.glue.spark import spark_session, spec_of
from tests.parity.harness import assert_same, run_glue, run_lambda

pytestmark = pytest.mark.spark

COLUMNS = [
    {"name": "k", "type": "string"},
    {"name": "n", "type": "int", "checks": ["n <> 13"]},
    {"name": "amount", "type": "decimal(6,2)"},
    {"name": "flag", "type": "boolean", "nullable": False},
    {"name": "at", "type": "timestamp"},
    {"name": "day", "type": "date", "format": "dd.MM.yyyy"},
]
TOKENS = {
    "k": ["a", "b", "A", " a", "", "NULL", "ü", "x,y", 'q"q', "line\nbreak"],
    "n": ["0", "13", "-1", "2147483647", "2147483648", " 5 ", "1.0", "", "abc", "+3"],
    "amount": ["0", "9999.99", "9999.995", "-9999.994", ".01", "1.005", "1e2", "", " 7 ", "12,5"],
    "flag": ["true", "False", "Y", "n", "1", "0", "", "maybe", " t "],
    "at": ["2024-01-01", "2024-01-01 00:00", "2024-01-01T01:02:03.456789Z", "2024-01-01T01:02:03+05:30",
           "2024-02-30", "2024-01-01T25:00:00", "", "0001-01-01T00:00:00Z"],
    "day": ["01.01.2024", "29.02.2024", "29.02.2023", "1.1.2024", "2024-01-01", ""],
}
_free_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FF), max_size=6)


def _value(name: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(TOKENS[name]), _free_text) if name == "k" else st.one_of(
        st.sampled_from(TOKENS[name]), st.sampled_from(TOKENS[name]), _free_text)


_row = st.tuples(*[_value(c["name"]) for c in COLUMNS]).map(list)
_file = st.lists(_row, min_size=0, max_size=40)


def _csv(rows: list[list[str]], crlf: bool) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow([c["name"] for c in COLUMNS])
    w.writerows(rows)
    return buf.getvalue()


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.tuples(_file, st.booleans()), min_size=1, max_size=3), dedupe=st.booleans(),
       filter_=st.booleans())
def test_generated_csv_is_equal_on_both_engines(files: list[tuple[list[list[str]], bool]], dedupe: bool,
                                                 filter_: bool) -> None:
    raw = {"columns": COLUMNS}
    if dedupe:
        raw["dedupe"] = {"keys": ["k"], "order_by": "at DESC NULLS LAST, amount"}
    if filter_:
        raw["filter"] = "amount IS NULL OR amount > 0"
    spec = spec_of(raw)
    objects = {f"part-{i}.csv": _csv(rows, crlf) for i, (rows, crlf) in enumerate(files)}
    with tempfile.TemporaryDirectory() as tmp:
        lam = run_lambda(Path(tmp), spec, objects)
        glue = run_glue(spark_session(), Path(tmp), spec, objects)
    assert lam.result.rows_in == sum(len(rows) for rows, _ in files)
    assert_same(lam, glue)
