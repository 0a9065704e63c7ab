"""HTTPS downloads against a real TLS server on 127.0.0.1 (generated CA), into the local lake."""

from __future__ import annotations

import pytest

from lambdas.download.https import links_in
from orchestration.core.errors import RemoteSourceError, TransientError
from orchestration.core.storage import LocalLake
from tests.download.conftest import BIG, DAY, remote_spec, run_download

TOKEN = {"credentials": {"env": "PARTNER_TOKEN"}}


def test_directory_listing_copies_the_matching_files_byte_for_byte_and_splits_the_big_one(env, https, www):
    store = LocalLake(env)
    out = run_download(remote_spec(https.url + "/out/{date}/", **TOKEN), store)

    landed = {o.uri: o.size for o in store.list("s3://acme-raw/partner/")}
    assert landed == {f"s3://acme-raw/partner/{DAY}/a.csv": 24, f"s3://acme-raw/partner/{DAY}/b.csv": len(BIG)}
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/b.csv") == BIG  # reassembled from its ranges
    assert (out.listing["files"], out.listing["copied"], out.listing["skipped"]) == (2, 2, 0)
    ranges = [i for i in out.items if i["upload_id"]]
    assert len(ranges) == -(-len(BIG) // 8192) and out.finish["ranged_files"] == 1
    assert any("fetched in 3 ranges" in r for r in out.listing["reasons"])
    # every range was a real Range request, and no GET asked for the whole big file
    assert sorted(https.gets(f"/out/{DAY}/b.csv")) == sorted(
        f"bytes={s}-{min(len(BIG), s + 8192) - 1}" for s in range(0, len(BIG), 8192))
    assert not (env / ".lockgate-uploads").exists() or not any((env / ".lockgate-uploads").iterdir())


def test_a_rerun_skips_unchanged_files_and_copies_a_changed_one(env, https, www):
    store = LocalLake(env)
    spec = remote_spec(https.url + "/out/{date}/", **TOKEN)
    run_download(spec, store, "run-1")
    gets = len(https.gets(f"/out/{DAY}/a.csv"))

    again = run_download(spec, store, "run-2")
    assert (again.listing["files"], again.listing["skipped"], again.listing["items"]) == (2, 2, 0)
    assert len(https.gets(f"/out/{DAY}/a.csv")) == gets

    (www / "out" / DAY / "a.csv").write_bytes(b"id,amount\n1,9.99\n")
    third = run_download(spec, store, "run-3")
    assert (third.listing["skipped"], third.listing["items"]) == (1, 1)
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/a.csv") == b"id,amount\n1,9.99\n"


def test_a_landed_copy_that_was_deleted_is_copied_again(env, https):
    store = LocalLake(env)
    spec = remote_spec(https.url + "/out/{date}/", **TOKEN)
    run_download(spec, store, "run-1")
    store.delete(f"s3://acme-raw/partner/{DAY}/a.csv")
    again = run_download(spec, store, "run-2")
    assert again.listing["skipped"] == 1 and [i["landed"] for i in again.items] == [f"s3://acme-raw/partner/{DAY}/a.csv"]


def test_an_index_file_names_the_files(env, https):
    store = LocalLake(env)
    out = run_download(remote_spec(https.url + "/out/{date}/", index="index.txt", **TOKEN), store)
    assert sorted(i["landed"] for i in out.items if not i["upload_id"]) == [f"s3://acme-raw/partner/{DAY}/a.csv"]
    assert {o.name for o in store.list("s3://acme-raw/partner/")} == {"a.csv", "b.csv"}


def test_each_day_of_a_window_reads_its_own_index(env, https, www):
    day2 = www / "out" / "2024-03-02"
    day2.mkdir()
    (day2 / "c.csv").write_bytes(b"id,amount\n9,1.00\n")
    (day2 / "index-2024-03-02.txt").write_text("c.csv\n")
    (www / "out" / DAY / f"index-{DAY}.txt").write_text("a.csv\n")
    store = LocalLake(env)
    run_download(remote_spec(https.url + "/out/{date}/", index="index-{date}.txt", **TOKEN), store,
                 window="2024-03-01..2024-03-03")
    assert sorted(o.uri.removeprefix("s3://acme-raw/partner/") for o in store.list("s3://acme-raw/partner/")) == [
        f"{DAY}/a.csv", "2024-03-02/c.csv"]


def test_a_server_that_refuses_head_is_asked_for_one_byte_instead(env, https):
    https.state.head = False
    store = LocalLake(env)
    out = run_download(remote_spec(https.url + "/out/{date}/", **TOKEN), store)
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/b.csv") == BIG and out.finish["ranged_files"] == 1
    assert "bytes=0-0" in https.gets(f"/out/{DAY}/b.csv")
    assert run_download(remote_spec(https.url + "/out/{date}/", **TOKEN), store, "run-2").listing["skipped"] == 2


def test_redirects_are_followed_to_the_file(env, https):
    https.state.redirects[f"/out/{DAY}/moved.csv"] = f"/out/{DAY}/a.csv"
    store = LocalLake(env)
    out = run_download(remote_spec(https.url + "/out/{date}/moved.csv", **TOKEN), store)
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/moved.csv") == b"id,amount\n1,2.50\n2,3.50\n"
    assert out.copies[0]["bytes"] == 24 and https.gets(f"/out/{DAY}/a.csv") == [None]


def test_a_single_file_uri_lands_at_its_name(env, https):
    store = LocalLake(env)
    run_download(remote_spec(https.url + "/out/{date}/a.csv", **TOKEN), store)
    assert [o.uri for o in store.list("s3://acme-raw/partner/")] == [f"s3://acme-raw/partner/{DAY}/a.csv"]


@pytest.mark.parametrize(("setup", "words"), [
    ("no_token", "401 Unauthorized"),
    ("forbidden", "403 Forbidden"),
    ("missing", "404 Not Found"),
])
def test_refusals_are_permanent_and_name_the_file(env, https, setup, words, monkeypatch):
    store = LocalLake(env)
    uri = https.url + "/out/{date}/"
    if setup == "no_token":
        monkeypatch.setenv("PARTNER_TOKEN", "wrong")
    if setup == "forbidden":
        https.state.forbidden.add(f"/out/{DAY}/a.csv")
    if setup == "missing":
        uri = https.url + "/out/{date}/gone.csv"
    with pytest.raises(RemoteSourceError) as caught:
        run_download(remote_spec(uri, **TOKEN), store)
    assert words in str(caught.value) and "https://127.0.0.1:" in str(caught.value)
    assert not caught.value.retryable and caught.value.asl_error == "Lockgate.RemoteSourceError"
    assert not store.list("s3://acme-raw/")


def test_a_missing_day_is_nothing_to_copy_when_the_import_allows_empty_windows(env, https):
    spec = remote_spec(https.url + "/out/{date}/", **TOKEN)
    spec = spec.model_copy(update={"quality": spec.quality.model_copy(update={"allow_empty": True})})
    out = run_download(spec, LocalLake(env), window="2024-03-05")
    assert out.listing["files"] == 0 and "does not exist" in out.listing["reasons"][0]


@pytest.mark.parametrize("fault", ["slow", "drop", "lie", "500"])
def test_transient_faults_fail_retryably_then_a_retry_copies_the_file(env, https, fault):
    store = LocalLake(env)
    spec = remote_spec(https.url + "/out/{date}/a.csv", **TOKEN)
    https.state.faults[f"/out/{DAY}/a.csv"] = [fault]
    with pytest.raises(TransientError) as caught:
        run_download(spec, store)
    assert caught.value.retryable and "a.csv" in str(caught.value)
    assert not store.exists(f"s3://acme-raw/partner/{DAY}/a.csv")  # nothing half-written is published
    out = run_download(spec, store, "run-2")  # what the state machine's Retry does
    assert out.copies[0]["bytes"] == 24 and store.read_bytes(f"s3://acme-raw/partner/{DAY}/a.csv").startswith(b"id,amount")


def test_a_range_that_drops_mid_way_is_retried_alone(env, https):
    store = LocalLake(env)
    spec = remote_spec(https.url + "/out/{date}/", **TOKEN)
    https.state.faults[f"/out/{DAY}/b.csv"] = [None, "drop"]  # the second range request breaks
    with pytest.raises(TransientError, match="transfer broke"):
        run_download(spec, store)
    # the Map retries only the failed item; here: every item again, then FinishDownloads
    out = run_download(spec, store, "run-2")
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/b.csv") == BIG and out.finish["ranged_files"] == 1


def test_a_wrong_checksum_is_never_published(env, https, www):
    store = LocalLake(env)
    spec = remote_spec(https.url + "/out/{date}/a.csv", **TOKEN)
    from lambdas.download import copy as copy_module
    from lambdas.download.remote import RemoteFile

    file = RemoteFile(url=https.url + f"/out/{DAY}/a.csv", relative="a.csv", size=24, checksum="sha256:" + "0" * 64)
    item = {"file": file.to_json(), "landed": "s3://acme-raw/partner/a.csv", "start": 0, "end": None,
            "first_part": 1, "part_bytes": 2048, "upload_id": None, "index": 0}
    from lambdas.download.landing import landing_for
    from lambdas.download.sources import connect

    with connect(spec) as remote, pytest.raises(TransientError, match="sha256"):
        copy_module.copy_item(item, remote, store, landing_for(store), "s3://lockgate-control/", "partner")
    assert not store.exists(f"s3://acme-raw/partner/{DAY}/a.csv")


def test_an_untrusted_certificate_is_permanent(env, https, monkeypatch, tmp_path):
    from tests.download.servers import make_ca

    other = make_ca(tmp_path / "other")
    monkeypatch.setenv("LOCKGATE_CA_BUNDLE", str(other.ca_pem))
    with pytest.raises(RemoteSourceError, match="certificate is not trusted"):
        run_download(remote_spec(https.url + "/out/{date}/", **TOKEN), LocalLake(env))


def test_a_server_without_ranges_copies_a_big_file_whole_and_says_why(env, https):
    https.state.ranges = False
    store = LocalLake(env)
    out = run_download(remote_spec(https.url + "/out/{date}/b.csv", **TOKEN), store)
    assert len(out.items) == 1 and out.items[0]["upload_id"] is None
    assert "does not accept range requests" in out.listing["reasons"][0]
    assert store.read_bytes(f"s3://acme-raw/partner/{DAY}/b.csv") == BIG


def test_html_links_keep_only_files_directly_in_the_directory():
    page = ('<a href="../">up</a><a href="a.csv">a</a><a href="sub/">s</a><a href="?C=N">sort</a>'
            '<a href="/out/x/b%20c.csv">b</a><a href="https://other.example/z.csv">z</a><a href="a.csv">again</a>'
            '<a href="..%2F..%2Fetc%2Fpasswd">escape</a><a href="%2E%2E">dots</a>')
    assert links_in(page, "https://h.example/out/x/") == ["a.csv", "b c.csv"]
