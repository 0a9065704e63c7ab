"""SFTP downloads against a real paramiko SFTP server on 127.0.0.1, with the host key pinned."""

from __future__ import annotations

import paramiko
import pytest

from orchestration.core.errors import RemoteSourceError, TransientError
from orchestration.core.spec.remote import host_key_fingerprint
from orchestration.core.storage import LocalLake
from tests.download.conftest import BIG, DAY, remote_spec, run_download

PASSWORD = {"credentials": {"env": "PARTNER_PASSWORD"}}


def test_directory_listing_copies_the_matching_files_and_splits_the_big_one(env, sftp):
    store = LocalLake(env)
    out = run_download(remote_spec(sftp.url + "/out/{date}/", host_key=sftp.host_key, **PASSWORD), store)
    assert {o.uri for o in store.list("s3://acme-raw/partner/")} == {
        f"s3://acme-raw/partner/{DAY}/a.csv", f"s3://acme-raw/partner/{DAY}/b.csv"}
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/b.csv") == BIG
    assert out.finish["ranged_files"] == 1 and len([i for i in out.items if i["upload_id"]]) == 3


def test_a_rerun_skips_files_with_the_same_size_and_modification_time(env, sftp):
    store = LocalLake(env)
    spec = remote_spec(sftp.url + "/out/{date}/", host_key=sftp.host_key, **PASSWORD)
    run_download(spec, store, "run-1")
    opened = len([e for e in sftp.log if e.startswith("OPEN")])
    again = run_download(spec, store, "run-2")
    assert (again.listing["skipped"], again.listing["items"]) == (2, 0)
    assert len([e for e in sftp.log if e.startswith("OPEN")]) == opened


def test_the_fingerprint_form_of_the_pin_is_accepted(env, sftp):
    spec = remote_spec(sftp.url + "/out/{date}/a.csv", host_key=host_key_fingerprint(sftp.host_key), **PASSWORD)
    assert run_download(spec, LocalLake(env)).copies[0]["bytes"] == 24


def test_a_host_key_other_than_the_pinned_one_fails_before_authenticating(env, sftp):
    other = paramiko.ECDSAKey.generate()
    spec = remote_spec(sftp.url + "/out/{date}/", host_key=f"{other.get_name()} {other.get_base64()}", **PASSWORD)
    with pytest.raises(RemoteSourceError, match="host key mismatch") as caught:
        run_download(spec, LocalLake(env))
    assert host_key_fingerprint(sftp.host_key) in str(caught.value)  # what the server presented
    assert not [e for e in sftp.log if e.startswith("LIST")]


def test_a_pinned_key_of_another_type_is_a_mismatch_too(env, sftp):
    ed = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"
    with pytest.raises(RemoteSourceError, match="host key mismatch"):
        run_download(remote_spec(sftp.url + "/out/{date}/", host_key=ed, **PASSWORD), LocalLake(env))


def test_refused_password_missing_file_and_denied_file_are_permanent(env, sftp, monkeypatch, www):
    store = LocalLake(env)
    monkeypatch.setenv("PARTNER_PASSWORD", "wrong")
    with pytest.raises(RemoteSourceError, match="authentication refused for partner"):
        run_download(remote_spec(sftp.url + "/out/{date}/", host_key=sftp.host_key, **PASSWORD), store)
    monkeypatch.setenv("PARTNER_PASSWORD", "s3cret")
    with pytest.raises(RemoteSourceError, match="no such file"):
        run_download(remote_spec(sftp.url + "/out/{date}/gone.csv", host_key=sftp.host_key, **PASSWORD), store)
    (www / "out" / DAY / "secret.csv").write_bytes(b"id\n1\n")
    with pytest.raises(RemoteSourceError, match="permission denied"):
        run_download(remote_spec(sftp.url + "/out/{date}/secret.csv", host_key=sftp.host_key, **PASSWORD), store)


@pytest.mark.parametrize("fault", ["drop", "slow"])
def test_a_connection_that_drops_or_stalls_mid_file_is_transient(env, sftp, fault):
    store = LocalLake(env)
    spec = remote_spec(sftp.url + "/out/{date}/b.csv", host_key=sftp.host_key, range_mb=10_000, **PASSWORD)
    sftp.faults[f"/out/{DAY}/b.csv"] = [fault]
    with pytest.raises(TransientError) as caught:
        run_download(spec, store)
    assert caught.value.retryable and "b.csv" in str(caught.value)
    assert run_download(spec, store, "run-2").finish["files"] >= 1
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/b.csv") == BIG
