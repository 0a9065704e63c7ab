"""``lockgate assess --from DIR`` over the corpus account: the ranked report in JSON, Markdown and HTML, the
job to migrate first, the total against the 80% target, and draft specs the real ``lockgate validate``
accepts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.assess.account import AS_OF, INPUTS, JOBS
from tests.assess.test_script_corpus import EXPECTED

SIMPLE = sorted(n for n, (p, _) in EXPECTED.items() if p == "simple")


@pytest.fixture
def report(cli: Any, export_dir: Path) -> dict[str, Any]:
    r = cli("assess", "--from", str(export_dir), "--json")
    assert r.code == 0, r.err
    return dict(r.json())


def test_every_job_is_assessed_and_ranked_low_risk_first(report: dict[str, Any]) -> None:
    jobs = report["jobs"]
    assert sorted(j["job"] for j in jobs) == sorted(JOBS)
    assert [j["rank"] for j in jobs] == list(range(1, len(JOBS) + 1))
    order = {"low": 0, "medium": 1, "high": 2}
    keys = [(order[j["risk"]], -j["saving_usd_month"]) for j in jobs]
    assert keys == sorted(keys)
    by = {j["job"]: j for j in jobs}
    assert {n for n, j in by.items() if j["pattern"] == "simple"} == set(SIMPLE)
    assert all(by[n]["risk"] == "high" for n in JOBS if n not in SIMPLE)
    assert by["payments_lookup"]["risk"] == "medium" and "lookup" in by["payments_lookup"]["risk_why"]


def test_runs_durations_and_glue_cost_come_from_the_run_history(report: dict[str, Any]) -> None:
    by = {j["job"]: j for j in report["jobs"]}
    orders = by["orders_daily"]
    # runs every day 45 days back from 2026-11-30 03:00; as_of is the latest run, 2026-11-29 15:00
    assert report["as_of"] == "2026-11-29T15:00:00+00:00"
    assert orders["runs_per_month"] == 30 and orders["failed_runs_per_month"] == 1
    assert orders["p50_seconds"] == 240 and orders["p95_seconds"] == 288  # 240 +- 24, 48
    # 10 G.1X DPUs, durations 192..288 s in the 30 days, $0.44 per DPU-hour
    assert orders["glue_usd_month"] == pytest.approx(sum(10 * s / 3600 * 0.44 for s in _durations(240, 30)), rel=1e-3)
    churn = by["churn_model"]
    assert churn["runs_per_month"] == 5  # weekly


def _durations(p50: int, n: int) -> list[int]:
    first = 1  # the run on day 1 is i=0; as_of is that run, so runs i=0..n-1 fall in the 30 days
    return [p50 + (i % 5 - 2) * (p50 // 10) for i in range(first - 1, n)]


def test_lockgate_route_and_cost_come_from_the_router(report: dict[str, Any]) -> None:
    by = {j["job"]: j for j in report["jobs"]}
    orders = by["orders_daily"]
    assert orders["route"] == "lambda"
    assert orders["input"]["objects"] == len(INPUTS["orders_daily"]) and orders["input"]["how"].startswith("listed")
    assert any("gzip CSV" in r for r in orders["route_reasons"])  # the router's own reason words
    assert orders["lockgate_usd_month"] == pytest.approx(orders["lockgate_usd_per_run"] * 30, rel=1e-3)
    assert orders["saving_usd_month"] == pytest.approx(orders["glue_usd_month"] - orders["lockgate_usd_month"], abs=1e-3)
    assert orders["saving_ratio"] > 0.9
    inventory = by["inventory_snapshot"]
    assert "inferred from the p50 run of 90 s" in inventory["input"]["how"]
    spark = by["sessionize_clicks"]
    assert spark["route"] == "glue" and spark["saving_usd_month"] <= 0 and spark["draft"]["spec"] is None


def test_migrate_first_and_the_total_against_the_target(report: dict[str, Any]) -> None:
    assert report["migrate_first"] == "orders_daily"
    t = report["totals"]
    jobs = report["jobs"]
    assert t["glue_usd_month"] == pytest.approx(sum(j["glue_usd_month"] for j in jobs), abs=0.01)
    expected = sum(j["lockgate_usd_month"] if j["risk"] != "high" else j["glue_usd_month"] for j in jobs)
    assert t["expected_usd_month"] == pytest.approx(expected, abs=0.01)
    assert t["target_ratio"] == 0.8 and t["meets_target"] is False and "falls short of the 80% target" in report["verdict"]


def test_the_simple_jobs_alone_meet_the_target(cli: Any, export_dir: Path) -> None:
    r = cli("assess", "--from", str(export_dir), "--job", "orders_daily", "--job", "payments_lookup", "--json")
    assert r.code == 0, r.err
    body = r.json()
    assert [j["job"] for j in body["jobs"]] == ["orders_daily", "payments_lookup"]
    assert body["totals"]["meets_target"] is True and "meets the 80% target" in body["verdict"]


def test_every_draft_passes_the_real_validate(cli: Any, export_dir: Path, tmp_path: Path) -> None:
    drafts = tmp_path / "drafts"
    r = cli("assess", "--from", str(export_dir), "--drafts", str(drafts), "--json")
    assert r.code == 0, r.err
    written = sorted(p.stem for p in drafts.glob("*.yaml"))
    with_draft = sorted(j["draft"]["name"] for j in r.json()["jobs"] if j["draft"]["spec"])
    assert written == with_draft == SIMPLE  # every simple script of the corpus maps to a draft
    v = cli("validate", str(drafts), "--json")
    assert v.code == 0, v.out
    assert v.json()["valid"] is True and len(v.json()["files"]) == len(SIMPLE)


def test_draft_fields_follow_the_script(report: dict[str, Any]) -> None:
    import yaml

    by = {j["job"]: yaml.safe_load(j["draft"]["spec"]) for j in report["jobs"] if j["draft"]["spec"]}
    orders = by["orders_daily"]
    assert orders["source"] == {"uri": "s3://acme-raw/shop/orders/{date}/", "format": "csv",
                                "csv": {"header": True, "delimiter": ","}}
    assert [(c["name"], c.get("source"), c["type"]) for c in orders["columns"]][:3] == [
        ("order_id", "OrderID", "bigint"), ("customer_id", "CustomerID", "bigint"), ("amount", "Amount", "decimal(12,2)")]
    assert orders["filter"] == "(amount >= 0 AND currency IN ('EUR', 'USD', 'GBP'))"
    assert orders["target"]["partition_by"] == ["order_date"] and orders["target"]["location"] == "s3://acme-lake/sales/orders/"
    assert orders["schedule"] == {"expression": "cron(0 3 * * ? *)", "timezone": "UTC", "window": "previous_day"}
    ships = by["shipments_gzip"]
    assert ships["dedupe"] == {"keys": ["shipment_id"]} and ships["derive"] == {"ship_date": "CAST(shipped_at AS date)"}
    assert ships["columns"][-1] == {"name": "shipped_at", "type": "timestamp", "source": "ShippedAt",
                                    "format": "dd.MM.yyyy HH:mm"}
    assert ships["source"]["csv"]["delimiter"] == ";"
    customers = by["customers_catalog"]  # from_catalog: the location comes from the exported table
    assert customers["source"]["uri"] == "s3://acme-raw/crm/customers/" and customers["target"]["database"] == "curated"
    inventory = by["inventory_snapshot"]  # started by a conditional trigger in a workflow
    assert inventory["schedule"]["expression"] == "cron(30 1 * * ? *)"


def test_markdown_and_html_name_the_first_job_and_the_lines(cli: Any, export_dir: Path, tmp_path: Path) -> None:
    md = cli("assess", "--from", str(export_dir))
    assert md.code == 0, md.err
    assert "**Migrate first: `orders_daily`**" in md.out and "| 1 | `orders_daily` | low |" in md.out
    assert "line 14: `by_user = Window.partitionBy(\"user_id\").orderBy(\"ts\")`" in md.out
    out = tmp_path / "report.html"
    h = cli("assess", "--from", str(export_dir), "--format", "html", "--out", str(out))
    assert h.code == 0 and h.out == ""
    page = out.read_text()
    assert page.startswith("<!doctype html>") and "Migrate first: <code>orders_daily</code>" in page
    assert "Window.partitionBy(&quot;user_id&quot;)" in page  # escaped source


def test_bad_input_is_a_usage_error_naming_the_place(cli: Any, export_dir: Path, tmp_path: Path) -> None:
    r = cli("assess", "--from", str(export_dir), "--format", "xml")
    assert r.code == 2 and "--format 'xml' is not one of markdown, html, json" in r.err
    r = cli("assess", "--from", str(tmp_path / "nowhere"))
    assert r.code == 2 and "is not a folder" in r.err
    r = cli("assess", "--from", str(export_dir), "--job", "nosuch")
    assert r.code == 2 and "no job named nosuch" in r.err
    (export_dir / "job_runs" / "orders_daily.json").write_text(json.dumps({"JobRuns": [{"Id": "x"}]}))
    r = cli("assess", "--from", str(export_dir))
    assert r.code == 2 and "orders_daily.json: JobRuns[0]: missing 'StartedOn'" in r.err
    (export_dir / "jobs.json").write_text("{not json")
    r = cli("assess", "--from", str(export_dir))
    assert r.code == 2 and "jobs.json: is not JSON" in r.err


def test_as_of_moves_the_month(cli: Any, export_dir: Path) -> None:
    later = AS_OF.replace(month=12, day=1).date().isoformat()  # since 2026-11-01 00:00: runs of Nov 1..29, 15:00
    r = cli("assess", "--from", str(export_dir), "--as-of", later, "--json", "--job", "orders_daily")
    assert r.code == 0, r.err
    assert r.json()["jobs"][0]["runs_per_month"] == 29
