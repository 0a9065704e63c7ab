"""Run records and the HTML report from a real execution of a small machine (no handlers needed)."""

from __future__ import annotations

import json

import pytest

from orchestration.local import execute
from orchestration.local.mockconfig import MockConfig
from orchestration.local.records import build_states, state_outcomes, write_record
from orchestration.local.report import render_report, write_report
from tests.runtime.test_mockconfig import CONFIG, DEFINITION


@pytest.fixture()
def recorded(make_resolver):
    resolver = make_resolver({}, test_case=MockConfig.parse({**CONFIG, "MockedResponses": {
        **CONFIG["MockedResponses"],
        "TransientTwice": {"0-1": {"Throw": {"Error": "Lockgate.TransientError", "Cause": "S3 answered 503"}},
                           "2": {"Return": {"Payload": {"ok": True}, "StatusCode": 200}}}}}).test_case(["lockgate-demo"], "RetryThenCatch"))
    result = execute(DEFINITION, {"n": 1}, resolver=resolver)
    return result, build_states(DEFINITION, result.events, result.map_runs, resolver.calls)


def test_states_carry_status_attempts_errors_and_io(recorded):
    result, states = recorded
    rows = {s["name"]: s for s in states}
    assert result.status == "FAILED"
    assert (rows["Flaky"]["status"], rows["Flaky"]["attempts"], rows["Flaky"]["failures"]) == ("retried", 3, 2)
    assert rows["Flaky"]["input"] == {"n": 1} and rows["Flaky"]["output"] == {"flaky": {"ok": True}}
    assert (rows["Boom"]["status"], rows["Boom"]["error"], rows["Boom"]["cause"]) == ("caught", "Lockgate.QualityError", "too many rejects")
    assert rows["Notify"]["status"] == "succeeded" and rows["Failed"]["status"] == "failed"
    assert rows["Done"]["status"] == "not_run" and rows["Done"]["input"] is None
    assert [c["mocked"] for c in rows["Flaky"]["calls"]] == [True, True, True]


def test_records_round_trip_to_outcomes_and_the_report_is_self_contained(recorded, lake):
    result, states = recorded
    summary = {"run_id": "r-1", "import": "demo", "status": result.status, "route": "lambda", "reasons": ["small"],
               "error": result.error, "cause": result.cause, "failed_state": "Boom", "duration_s": 1.0}
    folder = write_record(lake, "r-1", definition=DEFINITION, result=result, states=states, summary=summary)
    write_report(folder, summary, states, DEFINITION)
    assert state_outcomes(lake, "r-1") == {"Flaky": "retried", "Boom": "caught", "Done": "not_run",
                                           "Notify": "succeeded", "Failed": "failed"}
    history = json.loads((folder / "history.json").read_text())
    assert history["events"][0]["type"] == "ExecutionStarted" and history["events"][-1]["type"] == "ExecutionFailed"
    html = (folder / "report.html").read_text()
    assert "<svg" in html and "http://" not in html.split("<svg", 1)[0]
    assert "too many rejects" in html and "S3 answered 503" in html


def test_without_graphviz_the_report_falls_back_to_mermaid_text(recorded, monkeypatch):
    import orchestration.local.report as report

    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    result, states = recorded
    history = {"events": [{**e, "timestamp": str(e["timestamp"])} for e in result.events], "map_runs": []}
    html = render_report({"run_id": "r", "import": "demo", "status": "FAILED"}, states, DEFINITION, history)
    assert "<div class=diagram><pre class=\"mermaid\">flowchart TD" in html and "digraph" not in html
    assert "style Boom fill:#fff3e0,stroke:#ef6c00" in html  # caught: its own outcome colour
    assert "style Notify fill:#e8f5e9,stroke:#c62828" in html  # succeeded, on the failure path
    # edges in definition order: Flaky->Boom, Flaky-catch->Notify, Boom->Done, Boom-catch->Notify, Notify->Failed
    for index, colour in enumerate(["#1565c0", "#bdbdbd", "#bdbdbd", "#c62828", "#c62828"], start=1):
        assert f"linkStyle {index} stroke:{colour}," in html, index
