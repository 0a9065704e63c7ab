"""The local lake resolves every key inside its root or refuses it (issue #19: a location with an empty
path segment wrote the table and quarantine to an absolute path outside the lake)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crawlers.footers import scan
from orchestration.core.errors import ConfigError
from orchestration.core.storage.local import LocalLake

ESCAPING = {
    "empty segment after the bucket": "s3://lake//{outside}/x.parquet",
    "empty segment inside the key": "s3://lake/sales//{outside}/x.parquet",
    "dot dot": "s3://lake/../../{outside}/x.parquet",
    "dot dot inside": "s3://lake/sales/../../../{outside}/x.parquet",
    "dot": "s3://lake/./x.parquet",
    "bucket is dot dot": "s3://../{outside}/x.parquet",
    "no bucket": "s3:///{outside}/x.parquet",
    "nul byte": "s3://lake/x\0.parquet",
}


@pytest.fixture()
def places(tmp_path: Path) -> tuple[LocalLake, Path]:
    (tmp_path / "lake").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    return LocalLake(tmp_path / "lake"), outside


@pytest.mark.parametrize("template", ESCAPING.values(), ids=ESCAPING.keys())
def test_keys_leaving_the_root_are_refused(places: tuple[LocalLake, Path], template: str) -> None:
    lake, outside = places
    uri = template.format(outside=str(outside).lstrip("/"))
    for attempt in (lambda: lake.path(uri), lambda: lake.write_bytes(uri, b"x"), lambda: lake.read_bytes(uri),
                    lambda: lake.exists(uri), lambda: lake.delete(uri), lambda: lake.copy("s3://lake/a", uri),
                    lambda: lake.delete_prefix(uri + "/"), lambda: lake.list(uri)):
        with pytest.raises(ConfigError, match="cannot name a file inside the local lake"):
            attempt()
    assert list(outside.iterdir()) == []


def test_absolute_key_of_a_location_with_an_empty_segment(places: tuple[LocalLake, Path]) -> None:
    """The issue's case: ``s3://bucket//abs/path/`` used to map to ``/abs/path`` itself."""
    lake, outside = places
    with pytest.raises(ConfigError, match="absolute key"):
        lake.write_bytes(f"s3://lake/{outside}/part-0.parquet", b"x")
    with pytest.raises(ConfigError):
        scan(lake.root, f"s3://lake/{outside}/")
    assert list(outside.iterdir()) == []


def test_symlinks_leaving_the_root_are_refused(places: tuple[LocalLake, Path]) -> None:
    lake, outside = places
    (outside / "secret.txt").write_text("secret")
    (lake.root / "lake/sales").mkdir(parents=True)
    os.symlink(outside, lake.root / "lake/sales/linked")
    os.symlink(outside / "secret.txt", lake.root / "lake/sales/file.txt")
    with pytest.raises(ConfigError, match="symbolic link"):
        lake.write_bytes("s3://lake/sales/linked/x.parquet", b"x")
    with pytest.raises(ConfigError, match="symbolic link"):
        lake.read_bytes("s3://lake/sales/file.txt")
    with pytest.raises(ConfigError, match="symbolic link leading out"):
        lake.list("s3://lake/sales/")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_symlinks_inside_the_root_and_ordinary_keys_still_work(places: tuple[LocalLake, Path]) -> None:
    lake, _ = places
    lake.write_bytes("s3://lake/sales/orders/order_date=2024-01-01/part-0.parquet", b"1")
    os.symlink(lake.root / "lake/sales/orders", lake.root / "lake/alias")
    assert lake.read_bytes("s3://lake/alias/order_date=2024-01-01/part-0.parquet") == b"1"
    assert [o.uri for o in lake.list("s3://lake/sales/")] == [
        "s3://lake/sales/orders/order_date=2024-01-01/part-0.parquet"]
    assert lake.path("s3://lake/sales/") == lake.root / "lake/sales"


def test_a_linked_object_inside_the_lake_is_listed_with_its_targets_size(places: tuple[LocalLake, Path]) -> None:
    """A source object that is a link (a benchmark's hard-to-copy input, say) is sized as its target, or
    the plan would size the run by the link's own few bytes."""
    lake, _ = places
    lake.write_bytes("s3://raw/big/data.csv", b"x" * 5000)
    os.symlink(lake.root / "raw/big/data.csv", lake.root / "raw/big/linked.csv")
    assert {o.uri: o.size for o in lake.list("s3://raw/big/")} == {
        "s3://raw/big/data.csv": 5000, "s3://raw/big/linked.csv": 5000}


@pytest.mark.parametrize("template", ESCAPING.values(), ids=ESCAPING.keys())
def test_the_spark_engine_maps_through_the_same_resolution(places: tuple[LocalLake, Path], template: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from glue_jobs.engine.lake import spark_path

    lake, outside = places
    monkeypatch.setenv("LOCKGATE_LAKE", str(lake.root))
    with pytest.raises(ConfigError, match="cannot name a file inside the local lake"):
        spark_path(template.format(outside=str(outside).lstrip("/")))
    assert spark_path("s3://lake/sales/orders/") == f"file://{lake.root.as_posix()}/lake/sales/orders/"


def test_a_run_with_an_absolute_target_location_writes_nothing_outside_the_lake(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's run: ``target.location: s3://acme-lake//abs/path/`` wrote the table and the quarantine to
    ``/abs/path``. Validation may refuse it (exit 2) or the lake refuses it at the first write; either way
    the run does not succeed and nothing appears outside the lake."""
    import gzip

    from orchestration.cli import main
    from tests.cli.conftest import ORDERS

    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "project"
    (project / "imports").mkdir(parents=True)
    (project / "lockgate.yaml").write_text("imports: imports\nlocal: {lake: lake}\n")
    (project / "imports" / "orders.yaml").write_text(ORDERS.replace(
        "location: s3://acme-lake/sales/orders/", f"location: s3://acme-lake/{outside}/table/").replace(
        "quarantine: s3://acme-lake/_quarantine/sales/orders/", f"quarantine: s3://acme-lake/{outside}/quarantine/"))
    source = project / "lake" / "acme-raw" / "shop" / "orders" / "2024-03-01" / "o.csv.gz"
    source.parent.mkdir(parents=True)
    source.write_bytes(gzip.compress(b"OrderID,customer_id,amount,currency,status,ordered_at\n"
                                     b"1,2,3.50,EUR,paid,2024-03-01 10:00:00\n2,2,-1,EUR,paid,2024-03-01 11:00:00\n"))
    monkeypatch.chdir(project)
    with pytest.raises(SystemExit) as done:
        main(["--project", str(project), "run", "orders", "--local", "--window", "2024-03-01", "--json"])
    out = capsys.readouterr()
    assert done.value.code != 0, out.out
    assert "cannot name a file inside the local lake" in out.out + out.err or "segment" in out.out + out.err
    assert list(outside.iterdir()) == []
