"""The Lambda entry points: event parsing, results, Powertools metrics and the error names Step Functions sees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdas.handlers import commit as commit_handler
from lambdas.handlers import plan as plan_handler
from lambdas.handlers._runtime import asl_named
from orchestration.core.contracts import PlanResult, RunPaths
from orchestration.core.errors import ASL_ERROR_NAMES, ConfigError, LockgateError, QualityError
from orchestration.core.spec import Spec
from orchestration.core.storage import LocalLake, Storage

from .conftest import CONTROL
from .runs import LOCATION, make_spec, stage_run

# A failing invocation has no row metrics to flush; Powertools warns about that, which is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")


def emf_records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]


def test_commit_handler_publishes_and_emits_row_metrics(store: Storage, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = stage_run(store, make_spec(), "run-a", {"day=2024-01-01": 3}, rejected=1, filtered=2)
    out = commit_handler.handler({"manifest_uri": manifest.paths.manifest, "extra": "ignored"}, None)

    assert out["import"] == "orders" and out["status"] == "published"
    assert (out["rows_in"], out["rows_written"], out["rows_rejected"], out["rows_filtered"]) == (6, 3, 1, 2)
    assert out["outputs"] == [LOCATION] and out["partitions"] == 1
    json.dumps(out)  # JSON-able for the state payload
    metrics = [r for r in emf_records(capsys.readouterr().out) if "rows_in" in r]
    assert metrics, "no EMF record with rows_in on stdout"
    assert metrics[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Lockgate"
    assert (metrics[0]["rows_in"], metrics[0]["rows_rejected"], metrics[0]["import"]) == ([6.0], [1.0], "orders")


def test_quality_failure_surfaces_under_its_asl_error_name(store: Storage) -> None:
    manifest = stage_run(store, make_spec(max_reject_ratio=0.0), "run-a", {"day=2024-01-01": 3}, rejected=1)
    with pytest.raises(QualityError) as info:
        commit_handler.handler({"manifest_uri": manifest.paths.manifest}, None)
    # The Python Lambda runtime reports errorType = type(exc).__name__; Step Functions matches it verbatim.
    assert type(info.value).__name__ == "Lockgate.QualityError"
    assert "quarantine" in str(info.value)


def test_malformed_event_is_a_config_error_naming_the_field() -> None:
    with pytest.raises(ConfigError) as info:
        commit_handler.handler({"manifest": "s3://x/y"}, None)
    assert type(info.value).__name__ == "Lockgate.ConfigError"
    assert "CommitEvent event field manifest_uri" in str(info.value)


@pytest.mark.parametrize("name", sorted(ASL_ERROR_NAMES))
def test_every_lockgate_error_gets_its_asl_name(name: str) -> None:
    cls = ASL_ERROR_NAMES[name]
    err = asl_named(cls("boom"))
    assert type(err).__name__ == name
    assert isinstance(err, cls) and isinstance(err, LockgateError)
    assert type(asl_named(cls("again"))) is type(err)  # one renamed class per error class


def test_plan_handler_writes_the_manifest(store: Storage) -> None:
    spec = make_spec(source="s3://acme-raw/orders/")
    spec_uri = RunPaths.spec(CONTROL, spec.name)
    store.write_json(spec_uri, spec.canonical())
    for i in range(3):
        store.write_bytes(f"s3://acme-raw/orders/part-{i}.csv", b"id,amount,day\n1,2.5,2024-01-01\n")
    event = {"import": "orders", "spec_uri": spec_uri,
             "execution": {"name": "exec-1", "start_time": "2024-01-02T03:00:00Z"}, "input": {"engine": "lambda"}}

    out = plan_handler.handler(event, None)

    result = PlanResult.model_validate(out)
    assert (result.run_id, result.route, result.objects) == ("exec-1", "lambda", 3)
    assert result.batches >= 1
    assert store.exists(result.manifest_uri)
    assert len(json.dumps(out)) < 10_000


def test_plan_handler_without_control_location_says_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCKGATE_CONTROL_URI", raising=False)
    event = {"import": "orders", "spec_uri": "s3://c/specs/orders.json",
             "execution": {"name": "e", "start_time": "2024-01-02T03:00:00Z"}}
    with pytest.raises(ConfigError, match="LOCKGATE_CONTROL_URI is ''; set it to the control location"):
        plan_handler.handler(event, None)


def test_the_four_handlers_chain_with_small_payloads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each handler's output is what the next state reads, and none carries a file list."""
    from lambdas.handlers import dedupe, process_batch

    monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path))
    monkeypatch.setenv("LOCKGATE_CONTROL_URI", CONTROL)
    monkeypatch.setenv("LOCKGATE_ROUTING", json.dumps({"throughput": {"max_objects_per_batch": 1}}))
    store = LocalLake(tmp_path)
    spec = Spec.model_validate({**make_spec(source="s3://acme-raw/orders/").canonical(), "dedupe": {"keys": ["id"]}})
    spec_uri = RunPaths.spec(CONTROL, spec.name)
    store.write_json(spec_uri, spec.canonical())
    for i in range(2):
        store.write_bytes(f"s3://acme-raw/orders/part-{i}.csv", f"id,amount,day\n{i},1.5,2024-01-01\n7,2,2024-01-02\n".encode())
    planned = plan_handler.handler({"import": spec.name, "spec_uri": spec_uri,
                                    "execution": {"name": "run-h", "start_time": "2024-01-02T00:00:00Z"},
                                    "input": {"engine": "lambda"}}, None)
    assert planned["batches"] == 2 and planned["dedupe_buckets"] >= 1
    summaries = [process_batch.handler({"manifest_uri": planned["manifest_uri"], "batch": b}, None) for b in range(2)]
    summaries += [dedupe.handler({"manifest_uri": planned["manifest_uri"], "bucket": k}, None)
                  for k in range(planned["dedupe_buckets"])]
    for s in summaries:
        assert set(s) == {"unit", "rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated",
                          "files_written", "partitions", "duration_s"}
        assert isinstance(s["files_written"], int)
    out = commit_handler.handler({"manifest_uri": planned["manifest_uri"]}, None)
    assert (out["rows_in"], out["rows_written"], out["rows_deduplicated"]) == (4, 3, 1)
    assert sum(s["rows_in"] for s in summaries) == out["rows_in"]
