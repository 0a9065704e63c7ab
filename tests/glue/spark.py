"""One local Spark session for the Glue and parity suites, and helpers to stage a run in a local lake."""

from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.core.contracts import Batch, Manifest, SourceObject
from orchestration.core.spec import Spec
from orchestration.core.storage import LocalLake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

_SESSION: SparkSession | None = None
CONTROL = "s3://lockgate-control/"
STARTED_AT = "2024-03-02T03:04:05.123456+00:00"


def spark_session() -> SparkSession:
    """The shared local[2] session (created once per test process)."""
    global _SESSION
    if _SESSION is None:
        from glue_jobs.engine.session import local_session

        _SESSION = local_session("lockgate-tests", cores=2, shuffle_partitions=2, small_data=True)
    return _SESSION


def stop_spark_session() -> None:
    global _SESSION
    if _SESSION is not None:
        _SESSION.stop()
        _SESSION = None


def spec_of(raw: Mapping[str, Any]) -> Spec:
    base: dict[str, Any] = {
        "name": "t", "source": {"uri": "s3://raw/in/", "format": "csv"},
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    }
    base.update(raw)
    return Spec.model_validate(base)


def put(lake: Path, uri: str, data: bytes | str) -> None:
    path = lake / uri.removeprefix("s3://")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def stage_run(lake: Path, spec: Spec, files: Mapping[str, bytes | str], run_id: str = "run-1",
              route: str = "glue") -> Manifest:
    """Write ``files`` (name -> content) under s3://raw/in/ and a manifest for them; gzip by suffix."""
    objects = []
    for name, data in files.items():
        uri = f"s3://raw/in/{name}"
        raw = data.encode() if isinstance(data, str) else data
        compression = "none"
        if name.endswith(".gz"):
            raw, compression = gzip.compress(raw, mtime=0), "gzip"
        put(lake, uri, raw)
        objects.append(SourceObject(uri=uri, size=len(raw), compression=compression, splittable=compression == "none",
                                    version=LocalLake(lake).stat(uri).version))
    manifest = Manifest(
        run_id=run_id, import_=spec.name, spec=spec.canonical(), window=None, started_at=STARTED_AT,
        route=route, reasons=["test"], objects=objects,
        batches=[Batch(index=0, objects=list(range(len(objects))), bytes=sum(o.size for o in objects))],
        control_uri=CONTROL,
    )
    put(lake, manifest.paths.manifest, json.dumps(manifest.model_dump(mode="json", by_alias=True)))
    return manifest
