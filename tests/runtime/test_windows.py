"""Backfill chunking and placeholder filling (pure functions)."""

from __future__ import annotations

import pytest

from orchestration.cli.run_cmds import chunks
from orchestration.core.errors import ConfigError
from orchestration.core.spec.window import parse_window
from orchestration.local.runner import fill_placeholders, new_run_id


def test_chunks_cover_the_window_in_order_without_gaps():
    window = parse_window("2024-01-01..2024-01-18", "Europe/Berlin")
    parts = chunks(window, 7)
    assert [(p.start.date().isoformat(), p.end.date().isoformat()) for p in parts] == [
        ("2024-01-01", "2024-01-08"), ("2024-01-08", "2024-01-15"), ("2024-01-15", "2024-01-18")]
    assert all(a.end == b.start for a, b in zip(parts, parts[1:], strict=False))


def test_placeholders_are_filled_like_templatefile_and_unknown_ones_are_refused():
    definition = {"States": {"P": {"Parameters": {"FunctionName": "${plan_function_arn}",
                                                  "spec_uri": "s3://${control_bucket}/${spec_key}",
                                                  "name.$": "$$.Execution.Name"}}}}
    filled = fill_placeholders(definition, {"plan_function_arn": "arn:aws:lambda:r:1:function:f",
                                            "control_bucket": "ctl", "spec_key": "specs/o.json"})
    assert filled["States"]["P"]["Parameters"] == {"FunctionName": "arn:aws:lambda:r:1:function:f",
                                                   "spec_uri": "s3://ctl/specs/o.json", "name.$": "$$.Execution.Name"}
    with pytest.raises(ConfigError, match=r"\$\{glue_job_name\}.*known: control_bucket"):
        fill_placeholders({"JobName": "${glue_job_name}"}, {"control_bucket": "c"})


def test_run_ids_are_valid_execution_names():
    run_id = new_run_id("orders")
    assert run_id.startswith("orders-") and len(run_id) <= 80
    assert all(c.isalnum() or c in "-_" for c in run_id)
