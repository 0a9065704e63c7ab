"""Run one input through both engines and compare what they wrote.

Each engine gets its own local lake holding the same source objects and the same manifest (one batch,
so the Lambda engine dedupes inline). Outputs are compared as multisets of (partition directory, row)
with the Arrow column types and the Parquet schema read from every file's footer (physical and logical
type of each column, so Athena reads every file of a table alike, for output and quarantine); quarantines by (source file, record, rule names) and, for text
sources, the raw values too; results by their row counts and extra columns.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from orchestration.core.contracts import BatchResult, Manifest
from orchestration.core.spec import Spec
from orchestration.core.storage import LocalLake
from tests.glue.spark import stage_run

COUNTS = ("rows_in", "rows_written", "rows_rejected", "rows_filtered", "rows_deduplicated")


@dataclass
class Outcome:
    """What one engine produced."""

    result: BatchResult
    rows: Counter[tuple[str, tuple[Any, ...]]]
    columns: list[tuple[str, str]]
    parquet: list[tuple[str, str, str]]
    quarantine_parquet: list[tuple[str, str, str]]
    quarantine: Counter[tuple[Any, ...]]
    quarantine_values: Counter[tuple[Any, ...]]

    @property
    def counts(self) -> tuple[int, ...]:
        return tuple(getattr(self.result, c) for c in COUNTS)


def _norm(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    return value


def dictionary_columns(root: Path) -> dict[str, bool]:
    """Per column of the Parquet files under ``root``: whether any row group wrote it with a dictionary."""
    out: dict[str, bool] = {}
    for f in root.rglob("*.parquet"):
        meta = pq.ParquetFile(f).metadata
        for g in range(meta.num_row_groups):
            for c in range(meta.num_columns):
                name = meta.schema.column(c).path
                out[name] = out.get(name, False) or meta.row_group(g).column(c).has_dictionary_page
    return out


def parquet_schema(path: Path) -> list[tuple[str, str, str]]:
    """(column path, physical type, logical type) of every leaf column in a Parquet file's footer."""
    schema = pq.ParquetFile(path).schema
    out = []
    for i in range(len(schema)):
        col = schema.column(i)
        logical = col.logical_type
        out.append((col.path, col.physical_type, "None" if logical is None else logical.to_json()))
    return out


@contextlib.contextmanager
def lake_env(lake: Path) -> Iterator[None]:
    saved = os.environ.get("LOCKGATE_LAKE")
    os.environ["LOCKGATE_LAKE"] = str(lake)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("LOCKGATE_LAKE", None)
        else:
            os.environ["LOCKGATE_LAKE"] = saved


def _collect(lake: Path, manifest: Manifest, spec: Spec, result: BatchResult) -> Outcome:
    data = lake / manifest.paths.staging_data.removeprefix("s3://")
    rows: Counter[tuple[str, tuple[Any, ...]]] = Counter()
    columns: list[tuple[str, str]] = []
    footer: list[tuple[str, str, str]] = []
    for f in sorted(data.rglob("*.parquet")) if data.exists() else []:
        table = pq.read_table(f, partitioning=None)
        cols = [(n, str(t)) for n, t in zip(table.schema.names, table.schema.types, strict=True)]
        assert not columns or columns == cols, f"files of one engine disagree on columns: {columns} vs {cols}"
        columns = cols
        physical = parquet_schema(f)
        assert not footer or footer == physical, f"files of one engine disagree on Parquet types: {footer} vs {physical}"
        footer = physical
        part = f.parent.relative_to(data).as_posix()
        for row in table.to_pylist():
            rows[(part, tuple(_norm(v) for v in row.values()))] += 1
    qdir = lake / spec.target.quarantine_uri.removeprefix("s3://") / f"run_id={manifest.run_id}"
    quarantine: Counter[tuple[Any, ...]] = Counter()
    values: Counter[tuple[Any, ...]] = Counter()
    q_footer: list[tuple[str, str, str]] = []
    for f in sorted(qdir.rglob("*.parquet")) if qdir.exists() else []:
        table = pq.read_table(f, partitioning=None)
        physical = parquet_schema(f)
        assert not q_footer or q_footer == physical, f"quarantine files disagree on Parquet types: {q_footer} vs {physical}"
        q_footer = physical
        assert table.schema.names[-4:] == ["_source_file", "_record", "_run_id", "_errors"], table.schema.names
        for row in table.to_pylist():
            quarantine[(row["_source_file"], row["_record"], tuple(row["_errors"]))] += 1
            values[tuple(_norm(v) for v in row.values())] += 1
    return Outcome(result, rows, columns, footer, q_footer, quarantine, values)


def run_lambda(root: Path, spec: Spec, files: Mapping[str, bytes | str]) -> Outcome:
    from lambdas.engine import process_batch

    lake = root / "lambda-lake"
    lake.mkdir(parents=True, exist_ok=True)
    manifest = stage_run(lake, spec, files, route="lambda")
    storage = LocalLake(lake)
    with lake_env(lake):
        result = process_batch(None, manifest, 0, storage)
    return _collect(lake, manifest, spec, result)


def run_glue(spark: Any, root: Path, spec: Spec, files: Mapping[str, bytes | str]) -> Outcome:
    from glue_jobs.engine import run_manifest

    lake = root / "glue-lake"
    lake.mkdir(parents=True, exist_ok=True)
    manifest = stage_run(lake, spec, files)
    storage = LocalLake(lake)
    with lake_env(lake):
        result = run_manifest(spark, manifest, staging_uri=manifest.paths.staging,
                              result_uri=manifest.paths.glue_result, storage=storage)
    return _collect(lake, manifest, spec, result)


def assert_same(lam: Outcome, glue: Outcome, *, text_source: bool = True) -> None:
    """Both engines wrote the same data, the same quarantine and the same counts."""
    assert glue.counts == lam.counts, f"counts (in, written, rejected, filtered, dedup): glue {glue.counts} lambda {lam.counts}"
    assert glue.columns == lam.columns or not lam.rows, f"columns: glue {glue.columns}\n lambda {lam.columns}"
    differ = [(g, la) for g, la in zip(glue.parquet, lam.parquet, strict=False) if g != la]
    assert len(glue.parquet) == len(lam.parquet) and not differ, f"Parquet types (glue, lambda): {differ}"
    assert glue.quarantine_parquet == lam.quarantine_parquet, (
        f"quarantine Parquet types: glue {glue.quarantine_parquet}\n lambda {lam.quarantine_parquet}")
    only_glue, only_lambda = glue.rows - lam.rows, lam.rows - glue.rows
    assert not only_glue and not only_lambda, f"rows only in glue: {dict(only_glue)}\nrows only in lambda: {dict(only_lambda)}"
    assert glue.quarantine == lam.quarantine, (
        f"quarantine only in glue: {dict(glue.quarantine - lam.quarantine)}\n"
        f"only in lambda: {dict(lam.quarantine - glue.quarantine)}")
    if text_source:
        assert glue.quarantine_values == lam.quarantine_values, (
            f"quarantine values only in glue: {dict(glue.quarantine_values - lam.quarantine_values)}\n"
            f"only in lambda: {dict(lam.quarantine_values - glue.quarantine_values)}")
    assert glue.result.extra_columns == lam.result.extra_columns
    assert sorted(glue.result.partitions) == sorted(lam.result.partitions)
