"""The one manifest loader every step of a run uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.core.errors import ConfigError
from orchestration.core.manifests import load_manifest, load_run
from orchestration.core.storage import LocalLake, ObjectNotFoundError


def test_a_broken_manifest_names_its_uri_and_field(tmp_path: Path) -> None:
    lake = LocalLake(tmp_path)
    uri = "s3://ctl/runs/orders/r1/manifest.json"
    lake.write_json(uri, {"run_id": "r1"})
    with pytest.raises(ConfigError, match="is not a valid run manifest") as e:
        load_manifest(uri, lake)
    assert e.value.where == uri
    with pytest.raises(ObjectNotFoundError):
        load_run("s3://ctl/runs/orders/missing/manifest.json", lake)


def test_every_engine_loads_manifests_through_the_core() -> None:
    import glue_jobs.engine as glue
    import lambdas.commit as commit
    import lambdas.handlers.summary as handlers

    assert glue.load_manifest is load_manifest and commit.load_manifest is load_manifest
    assert handlers.load_run is load_run
