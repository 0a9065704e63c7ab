"""CSV objects whose lines are their records are read by Spark's line reader, with the Python reader's
records, values and line numbers.

The reference is ``csv.reader`` over the whole object (``test_boundaries._reference``): every line split,
tokenization and line number the JVM makes is compared with it, over block sizes that cut the objects
everywhere (inside CRLFs, quoted fields, the byte-order mark, multi-byte characters).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glue_jobs.engine import readers
from glue_jobs.engine.lines import split_conf
from glue_jobs.engine.readers import TextRows, parse_options, text_rows
from orchestration.core.contracts import SourceObject
from orchestration.core.errors import AccountingError
from tests.glue.spark import put, spec_of
from tests.glue.test_boundaries import _reference

pytestmark = pytest.mark.spark


@pytest.fixture(autouse=True)
def _small_splits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark's splits as small as the block, so a small object is read in many of them."""
    monkeypatch.setattr("glue_jobs.engine.lines.MIN_SPLIT_BYTES", 1)

_SPEC = spec_of({"columns": [{"name": "a", "type": "string"}, {"name": "b", "type": "string"},
                             {"name": "c", "type": "string"}]})


def _objects(lake: Path, files: dict[str, bytes]) -> list[SourceObject]:
    out = []
    for name, data in files.items():
        put(lake, f"s3://raw/in/{name}", data)
        out.append(SourceObject(uri=f"s3://raw/in/{name}", size=len(data)))
    return out


def _read_text(spark, objects: list[SourceObject], block: int) -> tuple[TextRows, list[tuple], list[dict], int]:
    """The objects' text rows, their sorted (file, record, parse error, a, b, c) rows, the info records of the
    objects read by lines and their record count, computed under ``split_conf(block)``."""
    saved = {k: spark.conf.get(k, None) for k in split_conf(block)}
    for k, v in split_conf(block).items():
        spark.conf.set(k, v)
    try:
        text = text_rows(spark, _SPEC, objects, size=block)
        rows = [tuple(r) for r in text.rows.where("_info IS NULL").select(
            "_source_file", "_record", "_parse_error", "_raw_0", "_raw_1", "_raw_2").collect()]
        infos = text.line_infos()
        records = text.line_records()
    finally:
        for k, v in saved.items():
            spark.conf.unset(k) if v is None else spark.conf.set(k, v)
    return text, sorted(rows, key=lambda r: (r[0], r[1])), infos, records


def _read(spark, lake: Path, files: dict[str, bytes], block: int) -> tuple[list[tuple], list[dict], list[str]]:
    """(file, record, parse error, a, b, c) rows, the objects' info records (with the records of the objects
    read by lines, all together, as ``rows`` of the first) and the objects read by lines."""
    text, rows, infos, records = _read_text(spark, _objects(lake, files), block)
    if infos:
        infos[0]["rows"] = records
    return rows, infos, [o.uri for o in text.lines.objects]


def _expected(name: str, data: bytes) -> list[tuple]:
    records = _reference(data)
    width = len(records[0][1])
    out = []
    for line, row in records[1:]:
        error = None if len(row) == width else f"parse:field count {len(row)}, expected {width}"
        values = tuple(row[i] if i < len(row) else None for i in range(3))
        out.append((f"s3://raw/in/{name}", line, error, *values))
    return out


_HEADER = b"\xef\xbb\xbfa,b,c\r\n"
_BODY = (b'1,"x, y",z\r\n'        # a quoted delimiter
         b'\r\n'                  # a blank line: counted, never a record
         b'2,"say ""hi""",\r\n'   # doubled quotes, an empty last field
         b'3,p"q,"r"s\r\n'        # a quote inside an unquoted field; text after a closing quote
         b'4,\xc3\xbc\xe2\x82\xac,""\r\n'  # multi-byte characters, a quoted empty field
         b' "5",b\r\n'            # a quote after a space: ordinary text; too few fields
         b'6,"",,extra\n'         # too many fields, LF after CRLFs
         b'7,8,9')               # no line end at the end


@pytest.mark.parametrize("block", [3, 7, 16, 41, 1 << 20])
def test_lines_are_read_with_the_csv_readers_records_and_line_numbers(spark, lake: Path, block: int) -> None:
    data = _HEADER + _BODY
    rows, infos, by_lines = _read(spark, lake, {"x.csv": data}, block)
    assert by_lines == ["s3://raw/in/x.csv"] or block >= len(data)  # an object within one block: one Python task
    assert rows == _expected("x.csv", data)
    if by_lines:
        assert [(i["uri"], i["rows"], i["missing"], i["extra"]) for i in infos] == [("s3://raw/in/x.csv", 7, [], [])]


def test_objects_that_are_not_one_record_per_line_are_parsed_in_python(spark, lake: Path) -> None:
    """Each object breaks one condition, past the first 64 KB (which the driver reads for the header)."""
    rows = b"".join(b"%d,%d,%d\n" % (i, i, i) for i in range(8000))
    files = {
        "spans.csv": b"a,b,c\n" + rows + b'1,"two\nlines",3\n4,5,6\n',
        "lone_cr.csv": b"a,b,c\n" + rows + b"1,2,3\r4,5,6\n",
        "latin1.csv": b"a,b,c\n" + rows + b"1,\xfc,3\n4,5,6\n",
        "blank_first.csv": b"\na,b,c\n" + rows,
        "open_quote.csv": b"a,b,c\n" + rows + b'4,5,"6',
        "plain.csv": b"a,b,c\n" + rows + b'1,"x,y",3\r\n4,5,6',
    }
    objects = _objects(lake, files)
    _, by_lines = readers._tasks(spark, parse_options(_SPEC), objects, lake, 4096)
    assert [o.uri for o in by_lines] == ["s3://raw/in/plain.csv"]


def test_a_header_in_another_order_and_a_missing_column_are_taken_from_the_header(spark, lake: Path) -> None:
    data = b'c,zz,a\n"3",x,1\n6,y,4\n'
    rows, infos, by_lines = _read(spark, lake, {"h.csv": data}, 5)
    assert by_lines == ["s3://raw/in/h.csv"]
    assert rows == [("s3://raw/in/h.csv", 2, None, "1", None, "3"), ("s3://raw/in/h.csv", 3, None, "4", None, "6")]
    assert infos[0]["missing"] == ["b"] and infos[0]["extra"] == ["zz"]


def test_lines_cut_at_another_size_than_the_scans_fail_the_run_instead_of_misnumbering(spark, lake: Path) -> None:
    """The line numbers rely on Spark cutting the object at the block size, each cut in its own task;
    when it does not (here it packs several cuts into one task), the run fails naming the object."""
    objects = _objects(lake, {"p.csv": b"a,b,c\n" + b"".join(b"%d,%d,%d\n" % (i, i, i) for i in range(50))})
    spark.conf.set("spark.sql.files.maxPartitionBytes", "4096")
    spark.conf.set("spark.sql.files.openCostInBytes", "1")
    try:
        text = text_rows(spark, _SPEC, objects, size=64)
        assert text.rows.where("_info IS NULL").count() == 50
        with pytest.raises(AccountingError, match="s3://raw/in/p.csv"):
            text.line_infos()
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
        spark.conf.unset("spark.sql.files.openCostInBytes")


_FIELD = st.sampled_from(["", "a", "b c", '"q"', '"a,b"', '"x""y"', 'p"q', '"o"k', ' "s"', '""', '""""', "ü", ";"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(_FIELD, min_size=1, max_size=5).map(",".join), min_size=1, max_size=12),
       st.integers(min_value=8, max_value=40))
def test_any_line_of_quoted_and_plain_fields_is_tokenized_as_the_csv_reader_does(spark, lake: Path, lines: list[str],
                                                                                  block: int) -> None:
    data = ("a,b,c\n" + "\n".join(lines) + "\n").encode()
    rows, _, by_lines = _read(spark, lake, {"g.csv": data}, block)
    assert rows == _expected("g.csv", data)
    assert by_lines == ["s3://raw/in/g.csv"] or len(data) <= block


def test_a_session_that_caps_its_partitions_still_gets_a_split_per_task(spark, lake: Path, monkeypatch) -> None:
    """``spark.sql.files.maxPartitionNum`` (set by a user's job) would pack the splits together again; the run
    lifts it for its duration, so the lines keep their numbers and the setting comes back afterwards."""
    import pyarrow.dataset as ds

    from glue_jobs.engine import run_manifest
    from glue_jobs.engine.readers import BLOCK_SIZE_ENV
    from orchestration.core.storage import LocalLake
    from tests.glue.spark import stage_run

    monkeypatch.setenv(BLOCK_SIZE_ENV, "64")
    m = stage_run(lake, _SPEC, {"p.csv": "a,b,c\n" + "".join(f"{i},{i},{i}\n" for i in range(60))})
    spark.conf.set("spark.sql.files.maxPartitionNum", "1")
    try:
        r = run_manifest(spark, m, staging_uri=m.paths.staging, result_uri=m.paths.glue_result,
                         storage=LocalLake(lake))
        assert spark.conf.get("spark.sql.files.maxPartitionNum") == "1"
    finally:
        spark.conf.unset("spark.sql.files.maxPartitionNum")
    assert (r.rows_in, r.rows_written) == (60, 60)
    got = sorted((x["_record"], x["a"]) for x in ds.dataset(
        lake / m.paths.staging_data.removeprefix("s3://"), format="parquet").to_table().to_pylist())
    assert got == [(i + 2, str(i)) for i in range(60)]


def test_splits_are_the_smallest_multiple_of_the_block_past_the_minimum(monkeypatch) -> None:
    from glue_jobs.engine import lines

    monkeypatch.setattr(lines, "MIN_SPLIT_BYTES", 100)
    assert [lines.split_bytes(b) for b in (1, 7, 100, 150)] == [100, 105, 100, 150]
    assert lines.split_conf(7)["spark.sql.files.maxPartitionBytes"] == "105"


@pytest.mark.parametrize("block", [4, 9])
def test_splits_of_several_blocks_keep_the_line_numbers(spark, lake: Path, monkeypatch, block: int) -> None:
    """Spark's splits span several of the scans' ranges: their first lines come from every n-th count."""
    monkeypatch.setattr("glue_jobs.engine.lines.MIN_SPLIT_BYTES", 3 * block - 1)
    data = _HEADER + _BODY
    rows, _, by_lines = _read(spark, lake, {"m.csv": data}, block)
    assert by_lines == ["s3://raw/in/m.csv"]
    assert rows == _expected("m.csv", data)


def _text_relations(df) -> int:
    """The file scans in ``df``'s optimized plan."""
    leaves = df._jdf.queryExecution().optimizedPlan().collectLeaves()
    return sum(1 for i in range(leaves.size()) if leaves.apply(i).getClass().getSimpleName() == "LogicalRelation")


def test_many_objects_of_two_layouts_are_two_scans_with_every_objects_own_line_numbers(spark, lake: Path) -> None:
    """A scan per header layout, not a DataFrame per object (256 objects took 118 s that way); each line
    still gets its own object's URI and number, also for keys Spark writes URL-encoded in its paths."""
    def body(k: int) -> bytes:
        return b"".join(b"%d,%d,%d\n" % (k, i, i) for i in range(9))

    files = {f"day {k:02d} [v]+%#ü*.csv": b"a,b,c\n" + body(k) for k in range(9)}
    files |= {f"other{k}.csv": b"c,b,a\n" + body(k) for k in range(5)}
    objects = _objects(lake, files)
    text, rows, infos, records = _read_text(spark, objects, 16)
    assert sorted(o.uri for o in text.lines.objects) == sorted(o.uri for o in objects)
    assert _text_relations(text.rows) == 2
    expected = []
    for name, data in files.items():
        swap = name.startswith("other")
        expected += [(f, r, e, *((c, b, a) if swap else (a, b, c))) for f, r, e, a, b, c in _expected(name, data)]
    assert rows == sorted(expected)
    assert records == len(expected) == 14 * 9
    assert [(i["uri"], i["missing"], i["extra"]) for i in infos] == [(o.uri, [], []) for o in text.lines.objects]


def test_the_check_names_the_object_whose_lines_are_wrong_among_many(spark, lake: Path, monkeypatch) -> None:
    """The scan's sums cover all its objects; when they disagree, the lines are counted per object to
    name the one that is wrong (here its scans are made to miscount its lines by one)."""
    made = readers._line_object

    def miscounted(uri, *args, **kwargs):
        found = made(uri, *args, **kwargs)
        return found if found is None or not uri.endswith("o3.csv") else replace(found, lines=found.lines + 1)

    monkeypatch.setattr(readers, "_line_object", miscounted)
    files = {f"o{k}.csv": b"a,b,c\n" + b"".join(b"%d,%d,%d\n" % (i, i, i) for i in range(20)) for k in range(6)}
    saved = {k: spark.conf.get(k, None) for k in split_conf(32)}
    for k, v in split_conf(32).items():
        spark.conf.set(k, v)
    try:
        text = text_rows(spark, _SPEC, _objects(lake, files), size=32)
        assert text.rows.where("_info IS NULL").count() == 6 * 20
        with pytest.raises(AccountingError, match=r"s3://raw/in/o3\.csv"):
            text.line_infos()
    finally:
        for k, v in saved.items():
            spark.conf.unset(k) if v is None else spark.conf.set(k, v)


def test_lines_whose_path_spark_reports_in_another_form_are_numbered_by_their_decoded_uri(spark, lake: Path,
                                                                                           monkeypatch) -> None:
    """The fast lookup is keyed by the forms of the paths Spark listed; were the paths its rows report in a form
    not among them (another file system's URI style), each line is looked up again by its decoded URI."""
    from glue_jobs.engine import lines

    monkeypatch.setattr(lines, "path_forms", lambda path: [path + "#not-a-form"])
    data = _HEADER + _BODY
    files = {"a [1] %.csv": data, "b.csv": data}
    rows, infos, by_lines = _read(spark, lake, files, 7)
    assert sorted(by_lines) == [f"s3://raw/in/{n}" for n in sorted(files)]
    assert rows == sorted(_expected("a [1] %.csv", data) + _expected("b.csv", data))
    assert infos[0]["rows"] == 14


def test_an_object_whose_name_spark_cannot_open_is_parsed_by_the_python_workers(spark, lake: Path) -> None:
    """Hadoop paths cannot hold ':' (``2024-03-01T10:00:00.csv``); such an object is read as pieces instead."""
    data = _HEADER + _BODY
    rows, _, by_lines = _read(spark, lake, {"2024-03-01T10:00:00.csv": data, "plain.csv": data}, 7)
    assert by_lines == ["s3://raw/in/plain.csv"]
    assert rows == sorted(_expected("2024-03-01T10:00:00.csv", data) + _expected("plain.csv", data))


def test_a_large_object_is_a_scan_of_its_own_numbered_without_a_lookup(spark, lake: Path, monkeypatch) -> None:
    """Looking up every line's file path cost 10-15% over one 2.5 GB object; the largest objects (``OWN_SCANS``
    at most) of ``OWN_SCAN_BYTES`` or more are read alone, their splits numbered by their index, beside one
    shared scan for the others."""
    monkeypatch.setattr("glue_jobs.engine.lines.OWN_SCAN_BYTES", 64)
    monkeypatch.setattr("glue_jobs.engine.lines.OWN_SCANS", 1)
    small = b"a,b,c\n1,2,3\n4,5,6\n"
    large = b"a,b,c\n" + b"".join(b"%d,%d,%d\n" % (i, i, i) for i in range(30))
    files = {"s1.csv": small, "big.csv": large, "s2.csv": small, "big2.csv": large[:-20]}
    text, rows, _, _ = _read_text(spark, _objects(lake, files), 8)
    assert [[o.uri.rsplit('/', 1)[1] for o in g.objects] for g in text.lines.groups] == [
        ["s1.csv", "s2.csv", "big2.csv"], ["big.csv"]]
    assert _text_relations(text.rows) == 2
    assert rows == sorted(r for name, data in files.items() for r in _expected(name, data))
