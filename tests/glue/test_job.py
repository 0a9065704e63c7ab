"""The Glue entry script: Glue-style arguments, a real spark-submit run, and the sessions import end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from glue_jobs import job
from glue_jobs.engine import load_manifest, run_job
from orchestration.core.errors import ConfigError
from orchestration.core.storage import LocalLake
from tests.glue.spark import spec_of, stage_run

ROOT = Path(__file__).resolve().parents[2]
SPEC = {
    "columns": [{"name": "id", "type": "bigint", "nullable": False}, {"name": "day", "type": "date"}],
    "target": {"database": "d", "table": "t", "location": "s3://lake/t/", "partition_by": ["day"]},
}


def _args(m, job_name: str = "lockgate-t") -> list[str]:
    p = m.paths
    return ["job.py", "--JOB_NAME", job_name, "--spec_uri", "s3://lockgate-control/specs/t.json",
            "--manifest_uri", p.manifest, "--run_id", m.run_id, "--staging_uri", p.staging,
            "--result_uri", p.glue_result]


def test_arguments_are_parsed_like_glue_does(tmp_path: Path) -> None:
    m = stage_run(tmp_path, spec_of(SPEC), {"a.csv": "id,day\n1,2024-01-01\n"})
    args = job.resolve_arguments([*_args(m), "--job-bookmark-option", "job-bookmark-disable", "--TempDir", "s3://t/"])
    assert args["JOB_NAME"] == "lockgate-t" and args["run_id"] == "run-1"
    assert args["staging_uri"] == "s3://lockgate-control/staging/t/run-1/"
    with pytest.raises(Exception, match="required: --spec_uri, --manifest_uri, --run_id"):
        job.resolve_arguments(["job.py", "--JOB_NAME", "x"])  # the run's URIs are required


def test_run_id_must_match_the_manifest(tmp_path: Path) -> None:
    m = stage_run(tmp_path, spec_of(SPEC), {"a.csv": "id,day\n1,2024-01-01\n"})
    args = job.resolve_arguments(_args(m))
    args["run_id"] = "other-run"
    with pytest.raises(ConfigError, match="does not match the manifest's run_id 'run-1'"):
        run_job(None, args, LocalLake(tmp_path))  # type: ignore[arg-type]


def test_a_local_job_that_reads_little_starts_a_quick_jvm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The local job estimates what its manifest's objects hold (compressed ones at 8x their size) and
    starts the JVM with the client compiler only below a block (session.QUICK_JIT)."""
    from glue_jobs.engine import readers
    from orchestration.core.contracts import SourceObject

    assert readers.estimated_bytes([SourceObject(uri="s3://r/a.csv", size=1000),
                                    SourceObject(uri="s3://r/b.csv.gz", size=1000, compression="gzip")]) == 9000
    m = stage_run(tmp_path, spec_of(SPEC), {"a.csv": "id,day\n1,2024-01-01\n"})
    monkeypatch.setenv("LOCKGATE_LAKE", str(tmp_path))
    args = job.resolve_arguments(_args(m))
    size = readers.estimated_bytes(load_manifest(args["manifest_uri"], LocalLake(tmp_path)).objects)
    assert size == len("id,day\n1,2024-01-01\n")
    monkeypatch.setattr(readers, "SHORT_RUN_BYTES", size + 1)
    assert job._reads_little(args)
    monkeypatch.setattr(readers, "SHORT_RUN_BYTES", size)
    assert not job._reads_little(args)


@pytest.mark.spark
def test_the_test_sessions_jvm_compiles_quickly(spark) -> None:  # noqa: ANN001
    from glue_jobs.engine.session import QUICK_JIT

    arguments = spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()
    assert QUICK_JIT in list(arguments)


@pytest.mark.spark
def test_spark_submit_runs_the_job_script(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    m = stage_run(lake, spec_of(SPEC), {"a.csv": "id,day\n1,2024-01-01\n2,2024-01-02\n,2024-01-02\n3,bad\n"})
    env = {**os.environ, "LOCKGATE_LAKE": str(lake), "PYSPARK_PYTHON": sys.executable,
           "PYSPARK_DRIVER_PYTHON": sys.executable, "PYTHONPATH": str(ROOT)}
    cmd = [str(Path(sys.executable).parent / "spark-submit"), "--master", "local[1]",
           "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=1",
           "--driver-memory", "768m", str(ROOT / "glue_jobs" / "job.py"), *_args(m)[1:]]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "lockgate: t run run-1: 4 in, 2 written, 2 rejected" in proc.stdout
    result = json.loads((lake / m.paths.glue_result.removeprefix("s3://")).read_text())
    assert (result["engine"], result["unit"], result["rows_written"], result["rows_rejected"]) == ("glue", "glue", 2, 2)
    assert result["partitions"] == ["day=2024-01-01", "day=2024-01-02"]
    table = ds.dataset(lake / m.paths.staging_data.removeprefix("s3://"), format="parquet", partitioning="hive").to_table()
    assert sorted(table.column("id").to_pylist()) == [1, 2]


@pytest.mark.spark
def test_sessions_import_runs_plan_glue_commit(spark, lake: Path) -> None:
    planning = pytest.importorskip("orchestration.planning", reason="plan_run (orchestration/planning.py) not landed yet")
    commit = pytest.importorskip("lambdas.commit", reason="commit (lambdas/commit) not landed yet")
    from examples.data.generate import generate_events
    from orchestration.core.spec import load_spec

    expected = generate_events(lake, date(2024, 3, 1), 1, files_per_day=2, rows_per_file=60)
    spec = load_spec(ROOT / "examples" / "imports" / "sessions.yaml")
    storage = LocalLake(lake)
    plan = planning.plan_run(spec, run_id="sessions-run-1", started_at="2024-03-02T01:00:00+00:00",
                             execution_input={"window": {"start": "2024-03-01T00:00:00+00:00",
                                                         "end": "2024-03-02T00:00:00+00:00"}},
                             control_uri="s3://lockgate-control/", storage=storage)
    assert plan.route == "glue" and plan.objects == 2
    code = job.main(["job.py", "--JOB_NAME", "lockgate-sessions", "--spec_uri", "s3://lockgate-control/specs/sessions.json",
                     "--manifest_uri", plan.manifest_uri, "--run_id", plan.run_id, "--staging_uri", plan.staging_uri,
                     "--result_uri", plan.glue_result_uri])
    assert code == 0
    manifest = commit.load_manifest(plan.manifest_uri, storage)
    published = commit.commit_run(manifest, storage)
    assert published.status == "published" and published.engine == "glue"
    assert published.rows_in == expected.rows
    assert published.rows_written + published.rows_rejected == expected.rows
    table = ds.dataset(lake / "acme-lake/analytics/event_sessions", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == published.rows_written > 0
    assert {"session_id", "session_seq", "_source_file", "_record", "_ingested_at"} <= set(table.column_names)
    firsts = [s for s in table.column("session_seq").to_pylist() if s == 1]
    assert len(firsts) == len(set(table.column("session_id").to_pylist()))
