"""``lockgate assess`` against the account, through boto3 over real HTTP to moto's ThreadedMotoServer:
jobs, triggers and a workflow, catalog tables, scripts and input objects in S3, and runs started through
``start_job_run``.

moto records job runs only as ``start_job_run`` makes them: all started now, each with a fixed
ExecutionTime of 123 s, and without DPUSeconds or ExecutionClass. What depends on a real run history (30
days of runs, spread durations, failed runs, Flex DPU-seconds) is therefore tested through the export
format in test_assess_export.py; here the live reading is checked end to end, and ``--export`` is checked
to write what ``--from`` reads back to the same assessment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.assess.account import CORPUS, SCRIPTS_BUCKET, TABLES, job, triggers

SEEDED = ["orders_daily", "customers_catalog", "inventory_snapshot", "sessionize_clicks"]
MOTO_EXECUTION_TIME = 123


@pytest.fixture
def account(aws: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    import boto3

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOCKGATE_PROJECT", raising=False)
    region = "eu-central-1"
    s3 = boto3.client("s3", region_name=region, endpoint_url=aws)
    glue = boto3.client("glue", region_name=region, endpoint_url=aws)
    for bucket in (SCRIPTS_BUCKET, "acme-raw"):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    for name in SEEDED:
        s3.put_object(Bucket=SCRIPTS_BUCKET, Key=f"jobs/{name}.py", Body=(CORPUS / f"{name}.py").read_bytes())
        glue.create_job(**{k: v for k, v in job(name).items() if k != "Name"}, Name=name)
    # the objects yesterday's orders run read (the job's path has the run date; a daily run loads the day before)
    day = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%d")
    sizes = {f"shop/orders/{day}/part-{i}.csv.gz": 1000 * (i + 1) for i in range(3)}
    for key, size in sizes.items():
        s3.put_object(Bucket="acme-raw", Key=key, Body=b"x" * size)
    s3.put_object(Bucket="acme-raw", Key="shop/orders/2001-01-01/old.csv.gz", Body=b"x" * 5000)  # another day
    for table in TABLES.values():
        glue.create_database(DatabaseInput={"Name": table["DatabaseName"]})
        glue.create_table(DatabaseName=table["DatabaseName"], TableInput={
            k: v for k, v in table.items() if k in ("Name", "StorageDescriptor", "Parameters")})
    glue.create_workflow(Name="warehouse")
    for t in triggers():
        t = {**t, "Actions": [a for a in t["Actions"] if a["JobName"] in SEEDED]}
        if t["Actions"]:
            glue.create_trigger(**{k: v for k, v in t.items() if k != "State"})
    started = {"orders_daily": 3, "sessionize_clicks": 2}
    for name, n in started.items():
        for _ in range(n):
            glue.start_job_run(JobName=name)
    return started


def test_assess_reads_the_account_through_boto3(cli: Any, account: dict[str, int]) -> None:
    r = cli("assess", "--json")
    assert r.code == 0, r.err
    body = r.json()
    by = {j["job"]: j for j in body["jobs"]}
    assert sorted(by) == sorted(SEEDED)
    assert body["origin"] == "account, region eu-central-1"
    orders = by["orders_daily"]
    assert orders["runs_per_month"] == account["orders_daily"]
    assert orders["p50_seconds"] == orders["p95_seconds"] == MOTO_EXECUTION_TIME
    assert orders["glue_usd_month"] == pytest.approx(3 * 10 * MOTO_EXECUTION_TIME / 3600 * 0.44, rel=1e-3)
    assert orders["input"]["objects"] == 3 and orders["input"]["bytes"] == 6000  # only yesterday's prefix
    assert orders["route"] == "lambda" and orders["risk"] == "low"
    assert orders["schedule"]["expression"] == "cron(0 3 * * ? *)"
    assert "cron(0 3 * * ? *)" in orders["draft"]["spec"]
    customers = by["customers_catalog"]  # from_catalog: the table's location from get_table
    assert "uri: s3://acme-raw/crm/customers/" in (customers["draft"]["spec"] or ""), customers["draft"]
    assert customers["runs_per_month"] == 0 and customers["glue_usd_month"] == 0
    inventory = by["inventory_snapshot"]
    assert inventory["schedule"]["from"].startswith("workflow warehouse: warehouse-start")
    clicks = by["sessionize_clicks"]
    assert clicks["risk"] == "high" and clicks["runs_per_month"] == 2 and clicks["draft"]["spec"] is None
    assert [d["line"] for d in clicks["deciding_lines"]] == [14, 15, 20]


def test_export_then_from_gives_the_same_assessment(cli: Any, account: dict[str, int], tmp_path: Path) -> None:
    folder = tmp_path / "export"
    r = cli("assess", "--export", str(folder))
    assert r.code == 0, r.err
    assert sorted(p.name for p in (folder / "scripts").iterdir()) == sorted(f"{n}.py" for n in SEEDED)
    assert (folder / "inputs" / "orders_daily.json").is_file() and (folder / "tables" / "raw.customers.json").is_file()
    live = cli("assess", "--json").json()
    offline = cli("assess", "--from", str(folder), "--json").json()

    def rows(body: dict[str, Any]) -> list[tuple[Any, ...]]:
        return [(j["job"], j["risk"], j["runs_per_month"], j["p50_seconds"], j["glue_usd_month"], j["route"],
                 j["lockgate_usd_month"], j["draft"]["spec"]) for j in body["jobs"]]

    assert rows(live) == rows(offline)


def test_a_job_that_does_not_exist_is_a_usage_error(cli: Any, account: dict[str, int]) -> None:
    r = cli("assess", "--job", "nosuch")
    assert r.code == 2 and "no Glue job named nosuch in region eu-central-1" in r.err


def test_an_account_that_cannot_be_read_names_the_permissions_and_the_export(cli: Any, tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("LOCKGATE_AWS_MAX_ATTEMPTS", "1")
    r = cli("assess")
    assert r.code == 3, r.err
    assert "glue get_jobs failed" in r.err and "glue:GetJobs" in r.err and "--from DIR" in r.err
