"""One run's compiled pipeline: DuckDB connection, SQL compiled once, and the per-chunk steps.

``Pipeline.apply(chunk, layout, uri)`` turns one chunk of source values into valid rows (cast,
validated, derived, filtered, hooked, with metadata columns) and quarantine rows. The SQL comes from
``orchestration.semantics`` (the same rules the Glue engine runs) and is built once per object
layout, not per chunk.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from orchestration import semantics
from orchestration.errors import LockgateError

from .chunks import Chunk, ObjectLayout, Reject

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from orchestration.contracts import Manifest
    from orchestration.spec import Spec

__all__ = ["Pipeline", "StepResult", "connect", "ingested_at"]

_SRC = "__lg_src"
_VALID = "__lg_valid"


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for the engine: UTC, spill directory, Spark-style lambdas."""
    import duckdb

    con = duckdb.connect(config={"threads": os.cpu_count() or 1, "preserve_insertion_order": True})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/lockgate-duckdb'")
    # sqlglot writes lambdas as `x -> ...`, which DuckDB >= 1.3 only accepts when asked.
    with contextlib.suppress(duckdb.Error):
        con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")
    return con


def ingested_at(manifest: Manifest) -> datetime:
    """The run's start as a naive UTC datetime (``_ingested_at``)."""
    text = manifest.started_at.replace("Z", "+00:00")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


@dataclass
class StepResult:
    valid: pa.Table
    quarantine: pa.Table | None
    rows_in: int
    rows_rejected: int
    rows_filtered: int


class Pipeline:
    """Everything one invocation needs to turn chunks into rows, built once."""

    def __init__(self, spec: Spec, manifest: Manifest, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.spec = spec
        self.manifest = manifest
        self.con = con or connect()
        self.null_values = list(spec.source.csv.null_values) if spec.source.format == "csv" else []
        self.run_id = manifest.run_id
        self.ingested_at = ingested_at(manifest)
        self.sources = list(dict.fromkeys(c.source_name for c in spec.columns))
        self._sql: dict[tuple[frozenset[str], frozenset[str]], tuple[str, str]] = {}

    # --------------------------------------------------------------------- SQL, compiled once

    def _validation(self, layout: ObjectLayout) -> tuple[str, str]:
        key = (frozenset(layout.missing), frozenset(layout.typed))
        found = self._sql.get(key)
        if found is None:
            kw: dict[str, Any] = {"null_values": self.null_values, "missing": key[0], "typed": key[1]}
            found = (
                semantics.validation_sql(self.spec, "duckdb", _SRC, **kw),
                semantics.errors_sql(self.spec, "duckdb", _SRC, **kw),
            )
            self._sql[key] = found
        return found

    @cached_property
    def transform_sql(self) -> str | None:
        """Derive and filter over the valid rows, or None when the spec has neither."""
        if not self.spec.derive and self.spec.filter is None:
            return None
        sql = semantics.derive_sql(self.spec, _VALID, "duckdb")
        cond = semantics.filter_sql(self.spec, "duckdb")
        if cond:
            sql = f"SELECT * FROM ({sql}) AS __t WHERE {cond}"
        return sql

    @cached_property
    def hook(self) -> Callable[[pa.Table], pa.Table] | None:
        ref = self.spec.hooks.arrow
        if not ref:
            return None
        module, _, name = ref.partition(":")
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as e:
            raise LockgateError(f"cannot load the arrow hook {ref!r}: {e}", where="hooks.arrow") from None
        return fn  # type: ignore[no-any-return]

    @cached_property
    def quarantine_schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema([(s, pa.string()) for s in self.sources] + [
            ("_source_file", pa.string()), ("_record", pa.int64()), ("_run_id", pa.string()),
            ("_errors", pa.list_(pa.string())),
        ])

    # ------------------------------------------------------------------------------- steps

    def apply(self, chunk: Chunk, layout: ObjectLayout, uri: str) -> StepResult:
        import pyarrow as pa
        import pyarrow.compute as pc

        table = chunk.table
        n = table.num_rows
        table = table.append_column("_source_file", pa.repeat(pa.scalar(uri, pa.string()), n))
        validate, errors = self._validation(layout)
        con = self.con
        con.register(_SRC, table)
        try:
            checked = con.sql(validate).to_arrow_table()
        finally:
            con.unregister(_SRC)
        ok = checked.column("_ok")
        bad = n - pc.sum(pc.cast(ok, pa.int64())).as_py() if n else 0
        quarantine: list[pa.Table] = []
        if bad:
            bad_records = pc.filter(checked.column("_record"), pc.invert(ok))
            bad_src = table.filter(pc.is_in(table.column("_record"), value_set=bad_records.combine_chunks()))
            con.register(_SRC, bad_src)
            try:
                q = con.sql(errors).to_arrow_table()
            finally:
                con.unregister(_SRC)
            quarantine.append(self._quarantine_rows(q))
            checked = checked.filter(ok)
        valid = checked.drop_columns(["_ok"])
        if chunk.rejects:
            quarantine.append(self._reject_rows(chunk.rejects, uri))
        before = valid.num_rows
        valid = self._transform(valid)
        rows_in = n + len(chunk.rejects)
        rejected = bad + len(chunk.rejects)
        q_table = pa.concat_tables(quarantine) if quarantine else None
        return StepResult(valid, q_table, rows_in, rejected, before - valid.num_rows)

    def _transform(self, valid: pa.Table) -> pa.Table:
        import pyarrow as pa

        sql = self.transform_sql
        if sql is not None and valid.num_rows:
            self.con.register(_VALID, valid)
            try:
                valid = self.con.sql(sql).to_arrow_table()
            finally:
                self.con.unregister(_VALID)
        elif sql is not None:
            valid = self._empty_transformed(valid)
        n = valid.num_rows
        valid = valid.append_column("_run_id", pa.repeat(pa.scalar(self.run_id, pa.string()), n))
        valid = valid.append_column("_ingested_at", pa.repeat(pa.scalar(self.ingested_at, pa.timestamp("us")), n))
        if self.hook is not None:
            valid = self._run_hook(valid)
        return valid

    def _empty_transformed(self, valid: pa.Table) -> pa.Table:
        self.con.register(_VALID, valid)
        try:
            return self.con.sql(self.transform_sql or "").to_arrow_table()
        finally:
            self.con.unregister(_VALID)

    def _run_hook(self, table: pa.Table) -> pa.Table:
        import pyarrow as pa

        assert self.hook is not None
        out = self.hook(table)
        ref = self.spec.hooks.arrow
        if not isinstance(out, pa.Table):
            raise LockgateError(f"the arrow hook {ref!r} returned {type(out).__name__}, not a pyarrow.Table",
                                where="hooks.arrow")
        if out.num_rows > table.num_rows:
            raise LockgateError(f"the arrow hook {ref!r} added rows ({table.num_rows} -> {out.num_rows}); "
                                "hooks may only remove rows", where="hooks.arrow")
        lost = [m for m in semantics.METADATA_COLUMNS if m not in out.column_names]
        if lost:
            raise LockgateError(f"the arrow hook {ref!r} dropped {', '.join(lost)}; hooks must keep the "
                                "metadata columns", where="hooks.arrow")
        meta = list(semantics.METADATA_COLUMNS)
        return out.select([c for c in out.column_names if c not in meta] + meta)

    def _quarantine_rows(self, q: pa.Table) -> pa.Table:
        import pyarrow as pa

        n = q.num_rows
        q = q.append_column("_run_id", pa.repeat(pa.scalar(self.run_id, pa.string()), n))
        return q.select([f.name for f in self.quarantine_schema]).cast(self.quarantine_schema)

    def _reject_rows(self, rejects: list[Reject], uri: str) -> pa.Table:
        import pyarrow as pa

        cols: dict[str, Any] = {s: pa.array([r.values.get(s) for r in rejects], pa.string()) for s in self.sources}
        cols["_source_file"] = pa.array([uri] * len(rejects), pa.string())
        cols["_record"] = pa.array([r.record for r in rejects], pa.int64())
        cols["_run_id"] = pa.array([self.run_id] * len(rejects), pa.string())
        cols["_errors"] = pa.array([[r.reason] for r in rejects], pa.list_(pa.string()))
        return pa.table(cols, schema=self.quarantine_schema)
