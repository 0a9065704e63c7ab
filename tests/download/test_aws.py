"""The AWS side of the download stage against moto over real HTTP: multipart landing in S3 (ranges
uploaded by separate invocations, completed by FinishDownloads), and credentials read from Secrets
Manager or SSM by name."""

from __future__ import annotations

import json

import boto3
import pytest

from lambdas.download.credentials import read_credentials
from orchestration.core.errors import ConfigError
from orchestration.core.spec.download import Credentials
from orchestration.core.storage import S3Storage
from tests.download.conftest import DAY, remote_spec, run_download

MIB = 1024 * 1024


@pytest.fixture()
def s3_env(aws, monkeypatch, ca, tmp_path):
    monkeypatch.delenv("LOCKGATE_LAKE", raising=False)
    monkeypatch.setenv("LOCKGATE_CA_BUNDLE", str(ca.ca_pem))
    s3 = boto3.client("s3", endpoint_url=aws)
    for bucket in ("acme-raw", "lockgate-control"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    return s3


def test_a_big_file_lands_in_s3_from_ranges_uploaded_separately_and_a_small_one_in_one_put(
        s3_env, https, www, monkeypatch):
    big = bytes(range(256)) * (11 * MIB // 256 + 3)  # 11 MiB and a bit: three 5 MiB ranges (S3's smallest part)
    (www / "out" / DAY / "c.csv").write_bytes(big)
    monkeypatch.setenv("LOCKGATE_DOWNLOAD_PART_BYTES", str(5 * MIB))
    monkeypatch.setenv("LOCKGATE_DOWNLOAD_RANGE_BYTES", str(5 * MIB))
    # on AWS the token comes from Secrets Manager, read by the name the spec gives
    boto3.client("secretsmanager").create_secret(Name="partner/token", SecretString=json.dumps({"token": "t0ken"}))
    spec = remote_spec(https.url + "/out/{date}/", credentials={"secret": "partner/token"})

    out = run_download(spec, S3Storage())
    store = S3Storage()
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/c.csv") == big
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/a.csv") == b"id,amount\n1,2.50\n2,3.50\n"
    assert len([i for i in out.items if i["upload_id"] and i["landed"].endswith("c.csv")]) == 3
    assert not s3_env.list_multipart_uploads(Bucket="acme-raw").get("Uploads")  # completed, none left over
    again = run_download(spec, S3Storage(), "run-2")
    assert again.listing["skipped"] == again.listing["files"] == 3


def test_credentials_are_read_by_name_from_secrets_manager_or_ssm(aws, monkeypatch):
    monkeypatch.delenv("LOCKGATE_LAKE", raising=False)
    boto3.client("secretsmanager").create_secret(
        Name="partner/sftp", SecretString=json.dumps({"username": "partner", "password": "pw"}))
    boto3.client("ssm").put_parameter(Name="/partner/token", Value="abc", Type="SecureString")
    secret = read_credentials(Credentials(secret="partner/sftp"), "partner")
    assert secret is not None and (secret.username, secret.password) == ("partner", "pw")
    assert "pw" not in repr(secret)
    token = read_credentials(Credentials(parameter="/partner/token"), "partner")
    assert token is not None and token.http_headers() == {"Authorization": "Bearer abc"}
    with pytest.raises(ConfigError, match="cannot read partner/missing"):
        read_credentials(Credentials(secret="partner/missing"), "partner")


def test_local_credentials_come_from_the_named_variable_or_file(monkeypatch, tmp_path):
    monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "partner.json").write_text('{"username": "u", "password": "p"}')
    secret = read_credentials(Credentials(secret="ignored/locally", file="partner.json"), "partner")
    assert secret is not None and secret.http_headers()["Authorization"].startswith("Basic ")
    monkeypatch.delenv("NOT_SET", raising=False)
    with pytest.raises(ConfigError, match="NOT_SET is not set") as caught:
        read_credentials(Credentials(env="NOT_SET"), "partner")
    assert "source.download.credentials.env" in str(caught.value)
    (tmp_path / "bad.json").write_text('{"user": "u"}')
    with pytest.raises(ConfigError, match="unknown keys user"):
        read_credentials(Credentials(file="bad.json"), "partner")
