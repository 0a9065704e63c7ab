"""Plan at scale: 100,000 source objects listed, sized, routed and bin-packed, manifest written.

The listing is synthetic (a LocalLake whose ``list`` returns generated ObjectInfo, so no 100,000 files
are created); everything else is the real ``plan_run``: compression detection, the router, first-fit
decreasing packing, the manifest and batches.json written to a temporary lake. Targets: the plan
finishes in under 30 s and its result (the state payload Step Functions carries) stays under 256 KB.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from orchestration.core.contracts import PlanResult
from orchestration.core.spec import Spec, parse_spec
from orchestration.core.storage import LocalLake, ObjectInfo
from orchestration.planning import plan_run

__all__ = ["SyntheticLake", "synthetic_spec", "plan_many", "run", "PAYLOAD_LIMIT"]

PAYLOAD_LIMIT = 256 * 1024
SPEC = {
    "name": "clicks",
    "source": {"uri": "s3://bench-raw/clicks/{date}/", "format": "jsonl", "compression": "auto",
               "pattern": "*.jsonl.gz"},
    "columns": [{"name": "id", "type": "string"}, {"name": "at", "type": "timestamp"}],
    "dedupe": {"keys": ["id"]},
    "target": {"database": "bench", "table": "clicks", "location": "s3://bench-lake/clicks/"},
    "routing": {"lambda": {"memory_mb": 3008, "timeout_s": 900, "max_concurrency": 1000}},
    "schedule": {"expression": "cron(0 3 * * ? *)", "window": "previous_day"},
}


class SyntheticLake(LocalLake):
    """A local lake whose listing returns ``count`` generated gzip JSON Lines objects per prefix
    (sizes 1 KB..400 KB, seeded); writes go to the real lake directory."""

    def __init__(self, root: str | Path, count: int, seed: int = 7) -> None:
        super().__init__(root)
        rng = random.Random(seed)
        self._sizes = [rng.randint(1_000, 400_000) for _ in range(count)]

    def list(self, prefix_uri: str, pattern: str | None = None) -> list[ObjectInfo]:
        if not prefix_uri.startswith("s3://bench-raw/"):
            return super().list(prefix_uri, pattern)
        base = prefix_uri.rstrip("/")
        return [ObjectInfo(f"{base}/part-{i:06d}.jsonl.gz", size) for i, size in enumerate(self._sizes)]


def synthetic_spec() -> Spec:
    return parse_spec(SPEC, "benchmarks/bench_plan.py")


def plan_many(count: int, root: str | Path) -> tuple[PlanResult, float]:
    """Plan one run over ``count`` synthetic objects; the result and the seconds it took."""
    lake = SyntheticLake(root, count)
    start = time.perf_counter()
    result = plan_run(synthetic_spec(), run_id="bench-run", started_at="2024-03-02T03:00:00Z",
                      execution_input={"import": "clicks"}, control_uri="s3://lockgate-control/", storage=lake)
    return result, time.perf_counter() - start


def payload_bytes(result: PlanResult) -> int:
    return len(json.dumps(result.model_dump(mode="json", by_alias=True)).encode())


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        result, seconds = plan_many(100_000, tmp)
    size = payload_bytes(result)
    return [
        {"benchmark": "plan 100,000 objects", "metric": "seconds", "value": round(seconds, 2), "target": "< 30",
         "ok": seconds < 30},
        {"benchmark": "plan 100,000 objects", "metric": "PlanResult bytes", "value": size,
         "target": f"< {PAYLOAD_LIMIT}", "ok": size < PAYLOAD_LIMIT},
        {"benchmark": "plan 100,000 objects", "metric": "batches", "value": result.batches, "target": "> 0",
         "ok": result.batches > 0},
    ]
