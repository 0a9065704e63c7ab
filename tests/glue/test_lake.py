"""The mapping between Lockgate URIs and the paths Spark reads and reports, on keys Spark encodes."""

from __future__ import annotations

from pathlib import Path

import pytest

from glue_jobs.engine.lake import lake_uri, path_forms, read_path, uri_column
from tests.glue.spark import put

pytestmark = pytest.mark.spark

_KEYS = ["plain.csv", "a b+c=d%41.csv", "x#ü[1]{2}.csv", "star*?.csv"]


def test_the_paths_spark_reports_are_among_the_forms_of_the_paths_it_lists_and_map_back_to_the_uri(
        spark, lake: Path) -> None:
    """The broadcast tables of the line reads and Parquet reads are keyed by ``path_forms`` of the listed paths;
    a row whose path is not among them would fall back to ``uri_column``, per row. Both must give the URI."""
    from pyspark.sql import functions as F

    uris = [f"s3://raw/in/{k}" for k in _KEYS]
    for uri in uris:
        put(lake, uri, b"v\n")
    df = spark.read.text([read_path(u) for u in uris])
    listed = df.inputFiles()
    assert sorted(lake_uri(p, lake.resolve()) for p in listed) == sorted(uris)
    forms = {f for p in listed for f in path_forms(p)}
    reported = df.select(F.col("_metadata.file_path").alias("p")).distinct().select(
        "p", uri_column(F.col("p")).alias("uri")).collect()
    assert len(reported) == len(uris)
    assert all(r["p"] in forms for r in reported)
    assert sorted(r["uri"] for r in reported) == sorted(uris)


def test_s3_paths_are_decoded_but_a_plus_stays() -> None:
    assert lake_uri("s3://b/a%20b+c%25d%5B1%5D.csv", None) == "s3://b/a b+c%d[1].csv"
    assert lake_uri("s3a://b/k", None) == "s3://b/k"
    assert path_forms("s3://b/k") == ["s3://b/k", "s3:/b/k", "s3:///b/k"]
    assert path_forms("file:/l/k") == ["file:/l/k", "file:///l/k"]
