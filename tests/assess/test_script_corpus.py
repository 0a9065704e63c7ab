"""Every script of the corpus (tests/assess/corpus, written for these tests) is classified by parsing it:
the expected pattern and exactly the lines that decided it, each with the reason it gives."""

from __future__ import annotations

import pytest

from orchestration.assess import analyze_script
from tests.assess.account import CORPUS, DEFAULT_ARGUMENTS, JOBS, job

# script -> (pattern, {deciding line: words its reason must contain})
EXPECTED: dict[str, tuple[str, dict[int, str]]] = {
    "orders_daily": ("simple", {16: "reads csv from s3://acme-raw/shop/orders/{date}/", 22: "ApplyMapping",
                                32: "Filter", 33: "DropNullFields", 34: "partitioned by order_date"}),
    "customers_catalog": ("simple", {16: "reads raw.customers", 18: "ApplyMapping", 27: "partitioned by country"}),
    "events_spark": ("simple", {12: "reads json from s3://acme-raw/app/events/", 13: "selects and casts",
                                19: "spec filter", 20: "spec derive", 21: "partitioned by event_date"}),
    "payments_lookup": ("simple", {15: "reads parquet", 20: "lookup/currencies", 26: "ApplyMapping",
                                   35: "small lookup", 36: "writes parquet"}),
    "shipments_gzip": ("simple", {11: "shipments/{date}/", 12: "selects and casts", 19: "re-types", 20: "spec filter",
                                  21: "spec dedupe", 22: "spec derive", 23: "partitioned by ship_date"}),
    "inventory_snapshot": ("simple", {12: "reads parquet", 17: "ApplyMapping", 26: "Filter",
                                      27: "partitioned by snapshot_date"}),
    "sessionize_clicks": ("spark", {14: "window specification", 15: "window function", 20: "window function"}),
    "enrich_with_udf": ("spark", {15: "Python UDF", 17: "not a call assess knows"}),
    "churn_model": ("spark", {7: "MLlib", 8: "MLlib", 14: "not a call assess knows", 16: "not a call assess knows"}),
    "stream_kinesis": ("spark", {1: "streaming job", 21: "streaming"}),
    "orders_customers_join": ("spark", {14: "join with an input of unknown size", 15: "aggregation"}),
    "legacy_rdd": ("spark", {8: "RDD", 9: "per record", 10: "RDD", 11: "driver-side data or an RDD"}),
    "vendor_sdk_calls": ("spark", {23: "acme_cleaning.standardise_units() is not a call assess knows"}),
}


def test_the_corpus_has_at_least_ten_scripts_of_both_patterns() -> None:
    files = sorted(p.stem for p in CORPUS.glob("*.py"))
    assert files == sorted(EXPECTED) == sorted(JOBS)
    patterns = [p for p, _ in EXPECTED.values()]
    assert len(files) >= 10 and patterns.count("simple") >= 5 and patterns.count("spark") >= 5


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_classification_and_deciding_lines(name: str) -> None:
    source = (CORPUS / f"{name}.py").read_text()
    lines = source.splitlines()
    spec = job(name)
    analysis = analyze_script(source, command=spec["Command"]["Name"], defaults=DEFAULT_ARGUMENTS.get(name, {}))
    pattern, deciding = EXPECTED[name]
    assert analysis.pattern == pattern
    got = {f.line: f for f in analysis.deciding}
    assert sorted(got) == sorted(deciding), [(f.line, f.why) for f in analysis.deciding]
    for line, words in deciding.items():
        assert words in got[line].why, (line, got[line].why)
        if line <= len(lines) and got[line].code.startswith("Command") is False:
            assert got[line].code == lines[line - 1].strip()  # the finding quotes the source line


def test_a_script_is_never_run(tmp_path) -> None:
    """Analysis parses: a script with effects is classified without them happening."""
    marker = tmp_path / "ran"
    source = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\nraise SystemExit(3)\n"
    analysis = analyze_script(source)
    assert not marker.exists()
    assert analysis.pattern == "spark"
    assert [(f.line, f.kind) for f in analysis.deciding] == [(2, "unknown"), (3, "unknown")]


def test_a_script_that_does_not_parse_names_the_line() -> None:
    analysis = analyze_script("x = 1\ndef broken(:\n    pass\n")
    assert analysis.pattern == "spark"
    assert analysis.deciding[0].line == 2 and "does not parse" in analysis.deciding[0].why


def test_a_broadcast_join_is_a_lookup_and_a_plain_one_is_not() -> None:
    base = ("from pyspark.sql import SparkSession\nfrom pyspark.sql.functions import broadcast\n"
            "spark = SparkSession.builder.getOrCreate()\n"
            "a = spark.read.parquet('s3://b/orders/')\nb = spark.read.parquet('s3://b/customers/')\n")
    write = "c.write.parquet('s3://l/out/')\n"
    small = analyze_script(base + "c = a.join(broadcast(b), 'id')\n" + write)
    large = analyze_script(base + "c = a.join(b, 'id')\n" + write)
    assert small.pattern == "simple" and [f.kind for f in small.deciding if f.line == 6] == ["lookup_join"]
    assert large.pattern == "spark" and [f.line for f in large.deciding] == [6]
