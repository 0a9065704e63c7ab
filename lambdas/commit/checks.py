"""Summing a run's BatchResults and the checks that must pass before anything is published."""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.core.contracts import BatchResult, Manifest
from orchestration.core.errors import AccountingError, QualityError
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import join_uri
from orchestration.core.storage import Storage

__all__ = ["RunTotals", "expected_results", "load_results", "check_accounting", "check_quality"]


@dataclass(frozen=True)
class RunTotals:
    """Row counts summed over every unit of a run."""

    rows_in: int = 0
    rows_written: int = 0
    rows_rejected: int = 0
    rows_filtered: int = 0
    rows_deduplicated: int = 0
    bytes_in: int = 0

    @classmethod
    def of(cls, results: list[BatchResult]) -> RunTotals:
        return cls(
            rows_in=sum(r.rows_in for r in results),
            rows_written=sum(r.rows_written for r in results),
            rows_rejected=sum(r.rows_rejected for r in results),
            rows_filtered=sum(r.rows_filtered for r in results),
            rows_deduplicated=sum(r.rows_deduplicated for r in results),
            bytes_in=sum(r.bytes_in for r in results),
        )

    @property
    def accounted(self) -> int:
        return self.rows_written + self.rows_rejected + self.rows_filtered + self.rows_deduplicated


def expected_results(manifest: Manifest) -> list[str]:
    """The result URIs the run must have produced, by route: one per batch and dedupe bucket, or glue.json."""
    paths = manifest.paths
    if manifest.route == "glue":
        return [paths.glue_result]
    if manifest.route == "empty":
        return []
    return [paths.batch_result(b.index) for b in manifest.batches] + [
        paths.dedupe_result(k) for k in range(manifest.dedupe_buckets)
    ]


def load_results(manifest: Manifest, storage: Storage) -> list[BatchResult]:
    """Every BatchResult the run needs; AccountingError naming the missing ones."""
    wanted = expected_results(manifest)
    present = {o.uri for o in storage.list(manifest.paths.results)}
    missing = [u for u in wanted if u not in present]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise AccountingError(
            f"{len(missing)} of {len(wanted)} results are missing ({shown}); the engine step did not finish "
            "for every unit. Re-run the failed batches (or the whole execution) before commit",
            where=manifest.paths.results,
        )
    return [BatchResult.model_validate(storage.read_json(u)) for u in wanted]


def check_accounting(manifest: Manifest, totals: RunTotals) -> None:
    """rows_in must equal written + rejected + filtered + deduplicated over the whole run."""
    if totals.rows_in != totals.accounted:
        raise AccountingError(
            f"rows_in {totals.rows_in} != rows_written {totals.rows_written} + rows_rejected "
            f"{totals.rows_rejected} + rows_filtered {totals.rows_filtered} + rows_deduplicated "
            f"{totals.rows_deduplicated} (= {totals.accounted}); {abs(totals.rows_in - totals.accounted)} rows "
            "are unaccounted for. Nothing was published; inspect the results and re-run the import",
            where=manifest.paths.results,
        )


def quarantine_uri(spec: Spec, run_id: str) -> str:
    return join_uri(spec.target.quarantine_uri, f"run_id={run_id}") + "/"


def check_quality(spec: Spec, manifest: Manifest, totals: RunTotals) -> None:
    """``quality.max_reject_ratio`` and ``quality.min_rows``; QualityError with the numbers and where to look."""
    q = spec.quality
    problems: list[str] = []
    ratio = totals.rows_rejected / totals.rows_in if totals.rows_in else 0.0
    if ratio > q.max_reject_ratio:
        problems.append(
            f"{totals.rows_rejected} of {totals.rows_in} rows rejected ({ratio:.2%}) exceeds "
            f"quality.max_reject_ratio {q.max_reject_ratio:.2%}"
        )
    if totals.rows_written < q.min_rows:
        problems.append(f"{totals.rows_written} rows written is below quality.min_rows {q.min_rows}")
    if problems:
        raise QualityError(
            "; ".join(problems) + f". Nothing was published. Rejected rows and their rules are in "
            f"{quarantine_uri(spec, manifest.run_id)}; fix the source data or relax spec quality",
            where=f"import {spec.name} run {manifest.run_id}",
        )
