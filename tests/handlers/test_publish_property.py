"""Property (issue 15), Lambda engine: any sequence of runs and chunked backfills over random windows, with late
rows, leaves the table equal to a clean run over the union of their windows, for every partitioning."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.handlers.events import BatchEvent
from lambdas.handlers.process_batch import process
from orchestration.core.contracts import Manifest
from orchestration.core.storage import LocalLake

from .publish_model import DAYS, GRANULARITIES, check_sequence

OPS = st.lists(st.tuples(st.integers(0, DAYS - 1), st.integers(1, DAYS), st.sampled_from([None, 1, 2, 4])),
               min_size=1, max_size=3)


def lambda_engine(lake: LocalLake, manifest: Manifest) -> None:
    for b in manifest.batches:
        process(BatchEvent(manifest_uri=manifest.paths.manifest, batch=b.index), lake)


@settings(max_examples=12, deadline=None, database=None)
@given(granularity=st.sampled_from(sorted(GRANULARITIES)), ops=OPS)
def test_any_sequence_of_runs_equals_one_clean_run_over_their_union(granularity: str, ops: list) -> None:
    with tempfile.TemporaryDirectory(prefix="lockgate-prop-") as root:
        check_sequence(Path(root), granularity, ops, "lambda", lambda_engine)
