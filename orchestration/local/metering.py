"""A local run's measured cost and its row in the runs table (``orchestration.metering``).

The figures come from the run's own history (the local Lambda service's task times are real time) and
the local Glue service's JobRuns, priced with the project's ``routing.prices``: what the record function
computes on AWS from GetExecutionHistory and GetJobRun. The row lands in the local lake under the
control location and the runs table is registered in the local catalog, so ``lockgate query`` and
``lockgate report`` read it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orchestration.core.contracts import RunPaths
from orchestration.core.spec import Spec
from orchestration.core.storage import LocalLake

from .. import wiring
from ..config import Project
from ..metering import measure, ops_database, parquet_bytes, row_uri, run_record, table_input
from ..metering.record import batch_times

if TYPE_CHECKING:
    from .interpreter import ExecutionResult
    from .services import LocalResolver

__all__ = ["meter_run", "ensure_runs_table"]


def ensure_runs_table(project: Project) -> tuple[str, str]:
    """Register (or update) the runs table in the local catalog; returns ``(database, table)``."""
    from crawlers.local_catalog import LocalCatalog

    catalog = LocalCatalog(project.lake)
    database = ops_database(project.config.aws.prefix)
    wanted = table_input(project.config.aws.control_uri)
    catalog.ensure_database(database)
    current = catalog.get_table(database, wanted["Name"])
    if current is None:
        from crawlers.catalog import CatalogError

        try:
            catalog.create_table(database, wanted)
        except CatalogError:  # another run registered it meanwhile
            current = catalog.get_table(database, wanted["Name"])
    if current is not None and any(current.get(k) != v for k, v in wanted.items()):
        catalog.update_table(database, wanted)
    return database, wanted["Name"]


def meter_run(project: Project, spec: Spec, summary: dict[str, Any], result: ExecutionResult,
              resolver: LocalResolver) -> dict[str, Any]:
    """Add ``measured``, ``batches`` and the ratios to ``summary`` and write its runs-table row."""
    memory = {kind: f.memory_mb for kind, f in wiring.functions(spec, project.config).items()}
    children = [list(child.events) for run in result.map_runs for child in run.executions]
    job_runs = resolver.glue.runs if resolver.glue else []
    measured = measure(result.events, children, memory_mb=memory, prices=project.config.routing.prices,
                       job_runs=job_runs).to_json()
    store = LocalLake(project.lake)
    paths = RunPaths(project.config.aws.control_uri, spec.name, summary["run_id"])
    manifest = store.read_json(paths.manifest) if store.exists(paths.manifest) else None
    row = run_record(run_id=summary["run_id"], import_name=spec.name, status=summary["status"],
                     started_at=summary["started_at"], finished_at=summary["finished_at"], manifest=manifest,
                     measured=measured, counts=summary, mode=summary.get("mode"), engine=summary.get("engine"),
                     error=summary.get("error"), cause=summary.get("cause"),
                     failed_state=summary.get("root_state") or summary.get("failed_state"), recorded_by="local")
    ensure_runs_table(project)
    store.write_bytes(row_uri(project.config.aws.control_uri, row), parquet_bytes(row))
    summary["measured"] = measured
    summary["estimate_vs_measured"] = {
        "estimated_usd": row["estimated_usd"], "measured_usd": row["measured_usd"], "cost_ratio": row["cost_ratio"],
        "estimated_engine_s": row["estimated_engine_s"], "measured_engine_s": row["measured_engine_s"],
        "engine_ratio": row["engine_ratio"], "glue_only_usd": row["glue_only_usd"],
        "glue_only_basis": row["glue_only_basis"], "batches": batch_times(manifest or {}, measured)}
    return summary
