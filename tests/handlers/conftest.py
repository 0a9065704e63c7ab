"""Storage parametrized over the local lake and S3 through moto: every commit test runs on both."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.core.storage import LocalLake, S3Storage, Storage

CONTROL = "s3://lockgate-control/"
BUCKETS = ("lockgate-control", "acme-lake", "acme-raw")


@pytest.fixture(params=["lake", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Storage:
    monkeypatch.setenv("LOCKGATE_CONTROL_URI", CONTROL)
    if request.param == "lake":
        monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path / "lake"))
        return LocalLake(tmp_path / "lake")
    request.getfixturevalue("aws")
    monkeypatch.delenv("LOCKGATE_LAKE", raising=False)
    from orchestration.core import aws

    s3 = aws.client("s3")
    for b in BUCKETS:
        s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": aws.region_name()})
    return S3Storage()


@pytest.fixture()
def s3_store(aws: str, monkeypatch: pytest.MonkeyPatch) -> Storage:
    """S3 only (tests of the Glue Data Catalog, which exists only on the AWS side)."""
    monkeypatch.setenv("LOCKGATE_CONTROL_URI", CONTROL)
    monkeypatch.delenv("LOCKGATE_LAKE", raising=False)
    from orchestration.core import aws as factory

    s3 = factory.client("s3")
    for b in BUCKETS:
        s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": factory.region_name()})
    return S3Storage()
