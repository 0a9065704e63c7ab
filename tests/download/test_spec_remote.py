"""https:// and sftp:// sources in the spec: validation in the FILE:LINE:COL style, and the landing layout."""

from __future__ import annotations

from pathlib import Path

import paramiko
import pytest

from orchestration.core.spec import SpecInvalid, load_spec
from orchestration.core.spec.remote import check_host_key, host_key_fingerprint, landed_template

KEY = paramiko.ECDSAKey.generate()
PIN = f"{KEY.get_name()} {KEY.get_base64()}"

BASE = """name: partner
source:
  uri: {uri}
  format: csv
  download:
{download}
columns:
  - {{name: id, type: bigint}}
target: {{database: d, table: t, location: "s3://acme-lake/partner/"}}
"""


def _load(tmp_path: Path, uri: str, download: str) -> list[str]:
    f = tmp_path / "partner.yaml"
    f.write_text(BASE.format(uri=uri, download=download))
    with pytest.raises(SpecInvalid) as caught:
        load_spec(f)
    return caught.value.lines()


def test_a_valid_sftp_source_lands_under_the_landing_prefix(tmp_path):
    f = tmp_path / "partner.yaml"
    f.write_text(BASE.format(uri="sftp://partner@sftp.example.com:2222/out/{date}/",
                             download=f"    landing: s3://acme-raw/partner/\n    host_key: '{PIN}'\n"
                                      "    credentials: {secret: partner/sftp, env: PARTNER_SFTP}"))
    spec = load_spec(f)
    assert spec.source.remote and spec.source.s3_uri == "s3://acme-raw/partner/{date}/"


@pytest.mark.parametrize(("uri", "download", "where", "words"), [
    ("sftp://h.example.com/out/", "    landing: s3://acme-raw/p/", ":5:3: source.download.host_key:",
     "pinned host key"),
    ("sftp://h.example.com/out/", "    landing: s3://acme-raw/p/\n    host_key: 'ssh-ed25519 AAAA'",
     ":7:5: source.download.host_key:", "not a ssh-ed25519 key"),
    ("https://h.example.com/out/", f"    landing: s3://acme-raw/p/\n    host_key: '{PIN}'",
     ":7:5: source.download.host_key:", "only applies to sftp"),
    ("https://u:pw@h.example.com/out/", "    landing: s3://acme-raw/p/", ":3:3: source.uri:", "credentials in the URI"),
    ("https://{date}.example.com/out/", "    landing: s3://acme-raw/p/", ":3:3: source.uri:",
     "placeholders are not allowed in the host"),
    ("ftp://h.example.com/out/", "    landing: s3://acme-raw/p/", ":3:3: source.uri:", "sftp://[user@]host/path"),
    ("https://h.example.com/out/", "    landing: s3://acme-raw/p", ":6:5: source.download.landing:", "end it with /"),
    ("https://h.example.com/out/", "    landing: s3://acme-raw/p/\n    credentials: {secret: a, parameter: /b}",
     ":7:5: source.download.credentials:", "not both"),
    ("https://h.example.com/out/", "    landing: s3://acme-raw/p/\n    credentials: {parameter: a/b}",
     ":7:19: source.download.credentials.parameter:", "start with one"),
    ("https://h.example.com/out/", "    landing: s3://acme-raw/p/\n    index: sftp://h.example.com/i.txt",
     ":7:5: source.download.index:", "must be on a https:// server"),
    ("https://h.example.com/out/x.csv", "    landing: s3://acme-raw/p/\n    index: i.txt", ":3:3: source.uri:",
     "end it with /"),
    ("https://h.example.com/out/", "    landing: s3://acme-lake/partner/", ":9:", "overlaps this import's own source"),
])
def test_problems_name_the_file_line_column_and_field(tmp_path, uri, download, where, words):
    lines = _load(tmp_path, uri, download)
    hits = [ln for ln in lines if where in ln]
    assert hits, lines
    assert any(words in ln for ln in hits), hits


def test_an_s3_source_takes_no_download_block(tmp_path):
    lines = _load(tmp_path, "s3://acme-raw/x/", "    landing: s3://acme-raw/p/")
    assert any(":5:3: source.download:" in ln and "remove source.download" in ln for ln in lines), lines


def test_the_landing_layout_keeps_the_uri_from_its_first_placeholder_on():
    assert landed_template("https://h/exports/orders/{date}/", "s3://raw/o/") == "s3://raw/o/{date}/"
    assert landed_template("sftp://h/out/{year}/{month}/data.csv", "s3://raw/o/") == "s3://raw/o/{year}/{month}/data.csv"
    assert landed_template("https://h/x/orders-{date}.csv", "s3://raw/o/") == "s3://raw/o/orders-{date}.csv"
    assert landed_template("https://h/x/all.csv", "s3://raw/o/") == "s3://raw/o/all.csv"
    assert landed_template("https://h/x/", "s3://raw/o/") == "s3://raw/o/"


def test_host_keys_are_checked_and_fingerprinted_as_ssh_keygen_does():
    assert check_host_key(PIN) == PIN
    fingerprint = host_key_fingerprint(PIN)
    assert fingerprint.startswith("SHA256:") and len(fingerprint) == 50
    assert check_host_key(fingerprint) == fingerprint and host_key_fingerprint(fingerprint) == fingerprint
    with pytest.raises(ValueError, match="not a SHA256 fingerprint"):
        check_host_key("SHA256:abc")
    with pytest.raises(ValueError, match="is not a host key"):
        check_host_key("AAAAC3NzaC1lZDI1NTE5")


def test_lake_put_puts_files_where_the_download_would_land_them(tmp_path):
    from orchestration.core.spec.window import parse_window
    from orchestration.local.lake_put import source_location

    f = tmp_path / "partner.yaml"
    f.write_text(BASE.format(uri="https://h.example.com/exports/{date}/",
                             download="    landing: s3://acme-raw/partner/"))
    assert source_location(load_spec(f), parse_window("2024-03-01")) == "s3://acme-raw/partner/2024-03-01/"
