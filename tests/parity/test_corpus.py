"""The shared corpus through both engines: equal output rows and types, equal quarantine, equal counts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.glue.spark import spec_of
from tests.parity.corpus import CASES, parquet_case, parquet_types_case
from tests.parity.harness import assert_same, dictionary_columns, run_glue, run_lambda

pytestmark = pytest.mark.spark


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_text_corpus_is_equal_on_both_engines(spark, tmp_path: Path, case) -> None:
    spec = spec_of(case.spec)
    lam = run_lambda(tmp_path, spec, case.files)
    glue = run_glue(spark, tmp_path, spec, case.files)
    assert lam.result.rows_written > 0 and lam.result.rows_rejected > 0
    assert_same(lam, glue)


@pytest.mark.parametrize("make", [parquet_case, parquet_types_case], ids=["parquet", "parquet_types"])
def test_parquet_corpus_is_equal_on_both_engines(spark, tmp_path: Path, make) -> None:
    case = make()
    spec = spec_of(case.spec)
    lam = run_lambda(tmp_path, spec, case.files)
    glue = run_glue(spark, tmp_path, spec, case.files)
    assert lam.result.rows_rejected > 0 and lam.result.rows_written > 0
    assert_same(lam, glue, text_source=False)


@pytest.mark.parametrize("block", [5, 23])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_text_corpus_is_equal_when_objects_span_many_ranges_and_blocks(spark, tmp_path: Path, monkeypatch,
                                                                       case, block: int) -> None:
    """A forced block size of a few bytes: every plain object is cut into many ranges (quoted line breaks,
    CRLF and BOMs straddle the cuts) and every gzip object is streamed in many blocks."""
    from glue_jobs.engine.readers import BLOCK_SIZE_ENV

    spec = spec_of(case.spec)
    lam = run_lambda(tmp_path, spec, case.files)
    monkeypatch.setenv(BLOCK_SIZE_ENV, str(block))
    glue = run_glue(spark, tmp_path, spec, case.files)
    assert max(len(v) for v in case.files.values()) > 3 * block
    assert_same(lam, glue)


def test_both_engines_give_a_dictionary_to_the_same_columns(spark, tmp_path: Path) -> None:
    """Text and date columns are dictionary-encoded, numbers and timestamps are not, by either engine's
    writer (columns of a few repeated values, where a dictionary would pay if it were tried)."""
    spec = spec_of({"columns": [{"name": "code", "type": "string"}, {"name": "n", "type": "bigint"},
                                {"name": "x", "type": "double"}, {"name": "d", "type": "date"},
                                {"name": "ts", "type": "timestamp"}]})
    body = "".join(f"c{i % 3},{i % 4},{i % 5}.5,2024-03-0{1 + i % 3},2024-03-01 0{i % 3}:00:00\n" for i in range(2000))
    files = {"a.csv": "code,n,x,d,ts\n" + body}
    encoded = {}
    for engine, run in (("lambda", lambda: run_lambda(tmp_path, spec, files)),
                        ("glue", lambda: run_glue(spark, tmp_path, spec, files))):
        assert run().result.rows_written == 2000
        staged = dictionary_columns(tmp_path / f"{engine}-lake")
        assert {"n", "x", "ts"} <= set(staged)
        encoded[engine] = {c for c, dictionary in staged.items() if dictionary}
    assert encoded["glue"] == encoded["lambda"] == {"code", "d", "_source_file", "_run_id"}
