"""Planning over a real local lake (and S3 through moto): windows, listing, compression, manifest,
and ``lockgate plan`` saying lambda or glue with reasons and both costs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from orchestration.cli.app import app
from orchestration.core.contracts import Manifest
from orchestration.core.errors import SpecError
from orchestration.core.spec import parse_spec
from orchestration.core.storage import LocalLake, S3Storage
from orchestration.planning import plan_run, preview_plan

SPEC = {
    "name": "orders",
    "source": {"uri": "s3://raw-bucket/orders/{date}/", "format": "csv", "compression": "auto", "pattern": "*.csv*"},
    "columns": [{"name": "id", "type": "bigint"}],
    "dedupe": {"keys": ["id"]},
    "target": {"database": "sales", "table": "orders", "location": "s3://lake-bucket/orders/"},
    "schedule": {"expression": "cron(0 3 * * ? *)", "timezone": "Europe/Berlin", "window": "previous_day"},
}


def put(root: Path, uri: str, data: bytes) -> None:
    path = root / uri.removeprefix("s3://")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture()
def lake(tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    put(root, "s3://raw-bucket/orders/2024-01-01/a.csv.gz", gzip.compress(b"id\n1\n2\n"))
    put(root, "s3://raw-bucket/orders/2024-01-01/b.csv", b"id\n3\n")
    put(root, "s3://raw-bucket/orders/2024-01-01/c", gzip.compress(b"id\n4\n"))  # no suffix: magic bytes
    put(root, "s3://raw-bucket/orders/2024-01-01/skip.txt", b"ignored by the pattern")
    put(root, "s3://raw-bucket/orders/2024-01-02/d.csv", b"id\n5\n")
    return root


def test_plan_run_writes_manifest_and_batches_and_returns_small_result(lake: Path) -> None:
    spec = parse_spec({**SPEC, "source": {**SPEC["source"], "pattern": None}}, "orders.yaml")
    store = LocalLake(lake)
    result = plan_run(spec, run_id="run-1", started_at="2024-01-02T02:00:00Z", execution_input={},
                      control_uri="s3://lockgate-control/", storage=store)
    # 03:00 Berlin on Jan 2 -> previous_day = Jan 1 in Berlin; skip.txt counts (no pattern here)
    assert result.route == "lambda" and result.objects == 4
    assert result.window == {"start": "2024-01-01T00:00:00+01:00", "end": "2024-01-02T00:00:00+01:00"}
    manifest = Manifest.model_validate(store.read_json(result.manifest_uri))
    assert manifest.spec == spec.canonical() and manifest.route == "lambda"
    by_name = {o.uri.rsplit("/", 1)[-1]: o for o in manifest.objects}
    assert by_name["a.csv.gz"].compression == "gzip" and not by_name["a.csv.gz"].splittable
    assert by_name["b.csv"].compression == "none" and by_name["b.csv"].splittable
    assert by_name["c"].compression == "gzip"
    # Each object's version as listed (inode and modification time here), for the engines to check.
    assert all(o.version == store.stat(o.uri).version is not None for o in manifest.objects)
    assert store.read_json(f"s3://{result.batches_bucket}/{result.batches_key}") == [
        {"batch": b.index} for b in manifest.batches]
    assert result.batches == len(manifest.batches) == 1 and result.dedupe_buckets == 0
    assert result.staging_uri == "s3://lockgate-control/staging/orders/run-1/"
    assert result.glue_result_uri == "s3://lockgate-control/runs/orders/run-1/results/glue.json"


def test_input_window_wins_and_is_half_open(lake: Path) -> None:
    spec = parse_spec(SPEC, "orders.yaml")
    preview = preview_plan(spec, storage=LocalLake(lake), window={"start": "2024-01-01", "end": "2024-01-03"})
    assert preview.sources == ["s3://raw-bucket/orders/2024-01-01/", "s3://raw-bucket/orders/2024-01-02/"]
    assert [o.uri.rsplit("/", 1)[-1] for o in preview.objects] == ["a.csv.gz", "b.csv", "d.csv"]
    one_day = preview_plan(spec, storage=LocalLake(lake), window={"start": "2024-01-01", "end": "2024-01-02"})
    assert len(one_day.sources) == 1  # the end is exclusive


def test_empty_window_plans_empty_route(lake: Path) -> None:
    spec = parse_spec(SPEC, "orders.yaml")
    result = plan_run(spec, run_id="run-2", started_at="2024-03-01T02:00:00Z",
                      execution_input={"window": {"start": "2024-02-01", "end": "2024-02-02"}},
                      control_uri="s3://lockgate-control/", storage=LocalLake(lake))
    assert result.route == "empty" and result.objects == 0 and result.batches == 0
    assert "s3://raw-bucket/orders/2024-02-01/" in result.reasons[0]


def test_bad_run_input_names_the_field(lake: Path) -> None:
    spec = parse_spec(SPEC, "orders.yaml")
    with pytest.raises(SpecError, match="not one of auto, lambda, glue") as e:
        plan_run(spec, run_id="r", started_at="2024-01-02T02:00:00Z", execution_input={"engine": "spark"},
                 control_uri="s3://lockgate-control/", storage=LocalLake(lake))
    assert e.value.where == "run input: engine"
    with pytest.raises(SpecError, match="end"):
        preview_plan(spec, storage=LocalLake(lake), window={"start": "2024-01-02", "end": "2024-01-01"})


def test_the_plan_function_refuses_a_window_longer_than_the_projects_limit(lake: Path, monkeypatch) -> None:
    """An execution started without the CLI (start-execution, a schedule) is checked by the plan itself,
    against limits.max_window_days, which orchestration.wiring passes to the plan function."""
    spec = parse_spec(SPEC, "orders.yaml")
    monkeypatch.setenv("LOCKGATE_MAX_WINDOW_DAYS", "10")
    with pytest.raises(SpecError, match="longest window allowed is 10 days") as e:
        plan_run(spec, run_id="r", started_at="2024-03-01T02:00:00Z",
                 execution_input={"window": {"start": "2024-01-01", "end": "2024-02-01"}},
                 control_uri="s3://lockgate-control/", storage=LocalLake(lake))
    assert e.value.where == "run input: window"
    ten_days = plan_run(spec, run_id="r2", started_at="2024-03-01T02:00:00Z",
                        execution_input={"window": {"start": "2024-02-01", "end": "2024-02-11"}},
                        control_uri="s3://lockgate-control/", storage=LocalLake(lake))
    assert ten_days.route == "empty"


def test_plan_lists_s3_through_moto(aws: str) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=aws)
    s3.create_bucket(Bucket="raw-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    s3.put_object(Bucket="raw-bucket", Key="orders/2024-01-01/a.csv.gz", Body=gzip.compress(b"id\n1\n"))
    spec = parse_spec(SPEC, "orders.yaml")
    preview = preview_plan(spec, storage=S3Storage(), window={"start": "2024-01-01", "end": "2024-01-02"})
    assert preview.decision.route == "lambda"
    assert [(o.uri, o.compression) for o in preview.objects] == [("s3://raw-bucket/orders/2024-01-01/a.csv.gz", "gzip")]
    etag = s3.head_object(Bucket="raw-bucket", Key="orders/2024-01-01/a.csv.gz")["ETag"]
    assert [o.version for o in preview.objects] == [etag]


def _project(tmp_path: Path, lake: Path, routing: dict | None = None) -> Path:
    root = tmp_path / "project"
    (root / "imports").mkdir(parents=True)
    (root / "imports" / "orders.yaml").write_text(yaml.safe_dump(SPEC))
    config = {"imports": "imports", "local": {"lake": str(lake)}}
    if routing:
        config["routing"] = routing
    (root / "lockgate.yaml").write_text(yaml.safe_dump(config))
    return root


def _plan_cli(root: Path) -> dict:
    res = CliRunner().invoke(app, ["--project", str(root), "plan", "orders", "--local", "--json",
                                   "--window", "2024-01-01..2024-01-02"])
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_lockgate_plan_says_lambda_for_a_small_input(tmp_path: Path, lake: Path) -> None:
    out = _plan_cli(_project(tmp_path, lake))
    assert out["route"] == "lambda" and out["objects"] == 2 and out["batches"] == 1
    assert out["reasons"][0].startswith("largest object")
    assert out["cost"]["summary"].startswith("lambda ≈ $")
    assert out["cost"]["lambda"]["usd"] > 0 and out["cost"]["glue"]["usd"] > 0


def test_lockgate_plan_says_glue_when_the_largest_object_exceeds_the_budget(tmp_path: Path, lake: Path) -> None:
    # A tiny measured throughput (as lockgate.yaml may set it) makes a few bytes exceed one Lambda's budget.
    slow = {"throughput": {"mb_per_s": {"csv/gzip": 1e-8, "csv/none": 1e-8}}}
    out = _plan_cli(_project(tmp_path, lake, slow))
    assert out["route"] == "glue"
    assert "one Lambda may run 60% of 900 s (540 s)" in out["reasons"][0]
    assert "glue ≈ $" in out["reasons"][-1] and out["cost"]["glue"]["usd"] > 0
    table = CliRunner().invoke(app, ["--project", str(_project(tmp_path / "t", lake, slow)), "plan", "orders",
                                     "--local", "--window", "2024-01-01..2024-01-02"])
    assert table.exit_code == 0 and "glue" in table.output and "reasons" in table.output
