"""orchestration.core.aws: the one client factory."""

from __future__ import annotations

import sys
import threading

import pytest

from orchestration.core import aws


def test_endpoint_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2")
    assert aws.endpoint_url("s3") == "http://127.0.0.1:2"
    assert aws.endpoint_url("stepfunctions") == "http://127.0.0.1:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_STEPFUNCTIONS", "http://127.0.0.1:3")
    assert aws.endpoint_url("stepfunctions") == "http://127.0.0.1:3"
    assert aws.client("s3").meta.endpoint_url == "http://127.0.0.1:2"
    assert aws.client("glue").meta.endpoint_url == "http://127.0.0.1:1"


def test_clients_are_cached_per_thread_and_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    a = aws.client("s3")
    assert aws.client("s3") is a
    assert aws.client("s3", region="us-east-1") is not a
    other: list[object] = []
    t = threading.Thread(target=lambda: other.append(aws.client("s3")))
    t.start()
    t.join()
    assert other[0] is not a
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert aws.client("s3") is not a  # a new endpoint gets a new client


def test_retry_config(monkeypatch: pytest.MonkeyPatch) -> None:
    aws.clear_cache()
    c = aws.client("s3")
    assert c.meta.config.retries["mode"] == "standard"
    monkeypatch.setenv("LOCKGATE_AWS_RETRY_MODE", "adaptive")
    aws.clear_cache()
    assert aws.client("s3").meta.config.retries["mode"] == "adaptive"
    aws.clear_cache()


def test_session_and_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert aws.region_name() == "eu-west-1"
    assert aws.session().region_name == "eu-west-1"
    assert aws.client("sns").meta.region_name == "eu-west-1"
    import boto3

    mine = boto3.session.Session(region_name="us-west-2")
    assert aws.client("sqs", session=mine).meta.region_name == "eu-west-1"  # region argument wins


def test_import_is_light() -> None:
    import subprocess

    code = "import sys, orchestration.core.aws, orchestration.core.storage; print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3','botocore','pyarrow','pandas','duckdb')))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"


def test_moto_round_trip(aws: str) -> None:  # noqa: F811 - the fixture shadows the module name here only
    from orchestration.core import aws as factory

    s3 = factory.client("s3")
    s3.create_bucket(Bucket="roundtrip", CreateBucketConfiguration={"LocationConstraint": factory.region_name()})
    s3.put_object(Bucket="roundtrip", Key="k", Body=b"v")
    assert s3.get_object(Bucket="roundtrip", Key="k")["Body"].read() == b"v"
