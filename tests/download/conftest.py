"""Fixtures for the download stage: a CA per session, real HTTPS and SFTP servers on 127.0.0.1 over a
folder of small files, and a runner for the three download steps against the local lake (or S3 via moto)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from lambdas.download.copy import copy_item
from lambdas.download.finish import finish_downloads
from lambdas.download.landing import landing_for
from lambdas.download.listing import plan_downloads
from lambdas.download.records import sizes
from lambdas.download.sources import connect
from orchestration.core.spec import Spec, parse_spec
from orchestration.core.spec.window import parse_window
from orchestration.core.storage import LocalLake, Storage
from tests.download.servers import CertAuthority, HttpsServer, SftpServer, make_ca

CONTROL = "s3://lockgate-control/"
DAY = "2024-03-01"
BIG = b"id,amount\n" + b"".join(b"%d,%d.50\n" % (i, i % 97) for i in range(2000))  # ~20 KB


@pytest.fixture(scope="session")
def ca(tmp_path_factory: pytest.TempPathFactory) -> CertAuthority:
    return make_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture()
def www(tmp_path: Path) -> Path:
    """The served folder: out/2024-03-01/{a.csv, b.csv, notes.txt}, out/2024-03-01/index.txt."""
    day = tmp_path / "www" / "out" / DAY
    day.mkdir(parents=True)
    (day / "a.csv").write_bytes(b"id,amount\n1,2.50\n2,3.50\n")
    (day / "b.csv").write_bytes(BIG)
    (day / "notes.txt").write_bytes(b"not data\n")
    (day / "index.txt").write_text("# the day's files\na.csv\n\nb.csv  # the big one\n")
    return tmp_path / "www"


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch, ca: CertAuthority, tmp_path: Path) -> Path:
    """The local runtime's view: the lake, the test CA, tiny parts and ranges."""
    lake = tmp_path / "lake"
    lake.mkdir()
    monkeypatch.setenv("LOCKGATE_LAKE", str(lake))
    monkeypatch.setenv("LOCKGATE_CA_BUNDLE", str(ca.ca_pem))
    monkeypatch.setenv("LOCKGATE_DOWNLOAD_PART_BYTES", "2048")
    monkeypatch.setenv("LOCKGATE_DOWNLOAD_RANGE_BYTES", "8192")
    monkeypatch.setenv("PARTNER_TOKEN", "t0ken")
    monkeypatch.setenv("PARTNER_PASSWORD", "s3cret")
    return lake


@pytest.fixture()
def https(www: Path, ca: CertAuthority) -> Iterator[HttpsServer]:
    with HttpsServer(www, ca, token="t0ken") as server:
        server.state.delay_s = 2.5
        yield server


@pytest.fixture()
def sftp(www: Path) -> Iterator[SftpServer]:
    with SftpServer(www, password="s3cret") as server:
        server.delay_s = 2.5
        yield server


def remote_spec(uri: str, **download: Any) -> Spec:
    return parse_spec({
        "name": "partner", "source": {"uri": uri, "format": "csv", "pattern": "*.csv",
                                      "download": {"landing": "s3://acme-raw/partner/", "timeout_s": 1, **download}},
        "columns": [{"name": "id", "type": "bigint"}, {"name": "amount", "type": "decimal(10,2)"}],
        "target": {"database": "d", "table": "t", "location": "s3://acme-lake/t/"},
    })


@dataclass
class Outcome:
    listing: dict[str, Any]
    items: list[dict[str, Any]]
    copies: list[dict[str, Any]]
    finish: dict[str, Any]


def run_download(spec: Spec, store: Storage, run_id: str = "run-1", window: str = DAY) -> Outcome:
    """ListDownloads, every DownloadFile, FinishDownloads: what the state machine calls, in order."""
    assert spec.source.download is not None
    landing = landing_for(store)
    with connect(spec) as remote:
        listing = plan_downloads(spec, parse_window(window), "UTC", remote, store, landing, CONTROL, run_id,
                                 sizes(spec.source.download))
    items = store.read_json(listing["items_uri"])
    copies = []
    for item in items:
        with connect(spec) as remote:  # a fresh connection per invocation, as each Map item gets
            copies.append(copy_item(item, remote, store, landing, CONTROL, spec.name))
    return Outcome(listing, items, copies, finish_downloads(items, store, landing, CONTROL, spec.name))


def lake(path: Path) -> LocalLake:
    return LocalLake(path)
