"""One Hive partition path rule (orchestration.core.partitions) through write, commit, crawler and catalog.

Values with spaces, unicode, ``+``, ``/``, ``%`` and ``=`` are written by both engines' writers into the
same directories, registered by commit at exactly those directories, found by the crawler with the
original values, and read back by the local query engine through the catalog.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from crawlers.local import crawl
from crawlers.local_catalog import LocalCatalog
from crawlers.register import register_partitions
from crawlers.settings import crawler_settings
from lambdas.engine.writer import PartitionedWriter, WriterSettings
from orchestration.core.partitions import escape, parse_partition_path, partition_path, unescape
from orchestration.core.spec import parse_spec
from orchestration.core.storage import LocalLake

VALUES = ["New York", "Zürich", "a+b", "a/b", "100%", "k=v", "%2F", "plain"]
LOCATION = "s3://lake/sales/cities/"


def _spec():  # type: ignore[no-untyped-def]
    return parse_spec({
        "name": "cities", "source": {"uri": "s3://raw/cities/", "format": "csv"},
        "columns": [{"name": "id", "type": "bigint"}, {"name": "city", "type": "string"}],
        "target": {"database": "sales", "table": "cities", "location": LOCATION, "partition_by": ["city"]},
    })


def _dirs(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", "."))}


def test_escaping_follows_hive_and_round_trips() -> None:
    assert partition_path(["city"], ["New York"]) == "city=New York"
    assert partition_path(["city"], ["a/b"]) == "city=a%2Fb"
    assert partition_path(["city"], ["100%"]) == "city=100%25"
    assert partition_path(["city"], ["k=v"]) == "city=k%3Dv"
    assert partition_path(["city"], ["a+b", ]) == "city=a+b"
    assert partition_path(["city"], [None]) == "city=__HIVE_DEFAULT_PARTITION__"
    assert unescape("100%zz") == "100%zz"  # a '%' without two hex digits stays, as in Hive
    for v in VALUES:
        assert unescape(escape(v)) == v
        assert parse_partition_path(partition_path(["city"], [v])) == {"city": v}


def test_both_writers_commit_crawler_and_catalog_agree(spark: object, lake: Path) -> None:
    from glue_jobs.engine.writer import write_parquet

    spec = _spec()
    table = pa.table({"id": pa.array(range(len(VALUES)), pa.int64()), "city": VALUES})

    # Lambda engine writer
    storage = LocalLake(lake)
    writer = PartitionedWriter(storage, LOCATION, "u0", ["city"], WriterSettings())
    writer.write(table)
    writer.close()
    root = lake / "lake" / "sales" / "cities"
    lambda_dirs = _dirs(root)
    assert lambda_dirs == {partition_path(["city"], [v]) for v in VALUES}
    assert set(writer.partitions) == lambda_dirs

    # Glue engine writer (Spark's own partitionBy escaping) writes the same directories
    df = spark.createDataFrame(list(zip(range(len(VALUES)), VALUES, strict=True)), "id bigint, city string")  # type: ignore[attr-defined]
    write_parquet(df, "s3://lake/spark/cities/", partition_by=["city"], compression="snappy")
    assert _dirs(lake / "lake" / "spark" / "cities") == lambda_dirs

    # commit registers the partitions it published, at the directories that hold the files
    catalog = LocalCatalog(lake)
    added = register_partitions(catalog, spec, sorted(writer.partitions))
    assert sorted(added) == sorted(lambda_dirs)
    registered = catalog.get_partitions("sales", "cities")
    assert sorted(p["Values"][0] for p in registered) == sorted(VALUES)
    for p in registered:
        path = storage.path(p["StorageDescriptor"]["Location"])
        assert path.is_dir() and any(path.glob("*.parquet")), p["StorageDescriptor"]["Location"]

    # the crawler finds the same values at the same directories
    fresh = LocalCatalog(lake / "other-catalog")
    summary = crawl(lake, crawler_settings(spec), catalog=fresh)
    assert sorted(summary.partitions_added) == sorted(lambda_dirs)
    crawled = fresh.get_partitions("sales", "cities")
    assert sorted(p["Values"][0] for p in crawled) == sorted(VALUES)
    assert sorted(p["StorageDescriptor"]["Location"] for p in crawled) == \
        sorted(p["StorageDescriptor"]["Location"] for p in registered)


@pytest.mark.parametrize("value", VALUES)
def test_a_registered_location_is_the_written_directory(value: str) -> None:
    from crawlers.table import partition_input

    table = {"Name": "t", "PartitionKeys": [{"Name": "city", "Type": "string"}],
             "StorageDescriptor": {"Location": LOCATION, "Columns": []}}
    location = partition_input(table, [value])["StorageDescriptor"]["Location"]
    assert location == f"{LOCATION}{partition_path(['city'], [value])}/"


def test_the_local_athena_reads_the_original_values(lake: Path) -> None:
    """The query side of the catalog: DuckDB over the registered partitions gives back every value."""
    from orchestration.query.local import local_query

    spec = _spec()
    table = pa.table({"id": pa.array(range(len(VALUES)), pa.int64()), "city": VALUES})
    writer = PartitionedWriter(LocalLake(lake), LOCATION, "u0", ["city"], WriterSettings())
    writer.write(table)
    writer.close()
    register_partitions(LocalCatalog(lake), spec, sorted(writer.partitions))
    result = local_query(lake, "SELECT id, city FROM sales.cities ORDER BY id")
    assert [tuple(r) for r in result.rows] == list(enumerate(VALUES))
