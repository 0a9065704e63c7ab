"""Property (issue 15), Spark engine: the Glue route's staging goes through the same commit, so a sequence of runs
and chunked backfills with late rows equals a clean run over the union of their windows. Fewer examples than
the Lambda suite (tests/handlers/test_publish_property.py): each run starts Spark jobs."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestration.core.contracts import Manifest
from orchestration.core.storage import LocalLake
from tests.handlers.publish_model import DAYS, GRANULARITIES, check_sequence

pytestmark = pytest.mark.spark

OPS = st.lists(st.tuples(st.integers(0, DAYS - 2), st.integers(2, 3), st.sampled_from([None, 1])),
               min_size=1, max_size=2)


@settings(max_examples=2, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(granularity=st.sampled_from(sorted(GRANULARITIES)), ops=OPS)
def test_spark_runs_equal_one_clean_run_over_their_union(spark, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                                        granularity: str, ops: list) -> None:
    from glue_jobs.engine.run import run_manifest

    def glue_engine(lake: LocalLake, manifest: Manifest) -> None:
        assert manifest.route == "glue", manifest.reasons
        monkeypatch.setenv("LOCKGATE_LAKE", str(lake.root))
        run_manifest(spark, manifest, staging_uri=manifest.paths.staging, result_uri=manifest.paths.glue_result,
                     storage=lake)

    with tempfile.TemporaryDirectory(prefix="lockgate-prop-spark-") as root:
        check_sequence(Path(root), granularity, ops, "glue", glue_engine)
