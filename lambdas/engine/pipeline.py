"""One run's compiled pipeline: DuckDB connection, SQL compiled once, and the per-chunk steps.

``Pipeline.apply(chunk, layout, uri)`` turns one chunk of source values into valid rows (cast,
validated, derived, filtered, hooked, with metadata columns) and quarantine rows. The SQL comes from
``orchestration.core.semantics`` (the same rules the Glue engine runs) and is built once per object
layout, not per chunk.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from orchestration.core import semantics

from .chunks import Chunk, ObjectLayout, Reject
from .hooks import ArrowHook, load_arrow_hook, run_arrow_hook

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from orchestration.core.contracts import Manifest
    from orchestration.core.spec import Spec

__all__ = ["Pipeline", "StepResult", "connect", "ingested_at"]


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for the engine: UTC, spill directory, Spark-style lambdas."""
    import duckdb

    threads = int(os.environ.get("LOCKGATE_DUCKDB_THREADS", os.cpu_count() or 1))
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": True})
    con.execute("SET TimeZone = 'UTC'")
    # Give memory back instead of caching it: peak RSS should follow the block size, not the input.
    con.execute("SET allocator_flush_threshold = '16MB'")
    con.execute("SET allocator_bulk_deallocation_flush_threshold = '64MB'")
    lambda_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    if lambda_mb:
        con.execute(f"SET memory_limit = '{max(int(lambda_mb) // 2, 128)}MB'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/lockgate-duckdb-{os.getpid()}'")
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


class _SwapSource:
    """An Arrow stream DuckDB reads anew at every execution (the Arrow PyCapsule interface), so one
    prepared statement runs over whichever chunk is current."""

    def __init__(self, table: pa.Table | None) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        assert self.table is not None, "no chunk is current"
        return self.table.__arrow_c_stream__(requested_schema)


@dataclass
class _Statements:
    main: str
    errors: str
    rows: _SwapSource
    bad: _SwapSource


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
        self._prepared: dict[tuple[frozenset[str], frozenset[str]], _Statements] = {}

    def close(self) -> None:
        """Release DuckDB (its memory and spill files) at the end of an invocation."""
        for n in range(len(self._prepared)):
            self.con.unregister(f"__lg_src_{n}")
            self.con.unregister(f"__lg_bad_{n}")
        self._prepared.clear()
        self.con.close()

    # --------------------------------------------------------------------- SQL, compiled once

    def _sql(self, layout: ObjectLayout, relation: str, uri_sql: str) -> tuple[str, str]:
        """(main, errors) SQL over ``relation`` (raw source columns and ``_record``). ``main`` gives every
        row its typed target columns, derived columns, metadata, ``_ok`` (passes every rule) and
        ``_keep`` (valid and kept by the filter) in one pass; ``errors`` gives quarantine rows for the
        rows that are not ok. ``uri_sql`` is the SQL of the object's URI (a literal or a parameter)."""
        spec = self.spec
        kw: dict[str, Any] = {"null_values": self.null_values, "missing": layout.missing, "typed": layout.typed}
        src = f"(SELECT *, CAST({uri_sql} AS VARCHAR) AS _source_file FROM {relation})"
        checked = semantics.validation_sql(spec, "duckdb", src, **kw)
        derived = semantics.derive_sql(spec, f"({checked})", "duckdb", guard="_ok")
        cond = semantics.filter_sql(spec, "duckdb")
        keep = f"(_ok AND {cond})" if cond else "_ok"
        cols = [semantics.quote_ident(c) for c in spec.output_columns]
        stamp = self.ingested_at.isoformat(sep=" ")
        main = (
            f"SELECT {', '.join(cols)}, _source_file, _record, "
            f"{semantics.literal(self.run_id, 'duckdb')} AS _run_id, TIMESTAMP '{stamp}' AS _ingested_at, "
            f"_ok, CASE WHEN _ok THEN coalesce({keep}, FALSE) ELSE FALSE END AS _keep FROM ({derived}) AS __m"
        )
        errors = (f"SELECT *, {semantics.literal(self.run_id, 'duckdb')} AS _run_id "
                  f"FROM ({semantics.errors_sql(spec, 'duckdb', src, **kw)}) AS __q")
        return main, errors

    def _statements(self, layout: ObjectLayout, table: pa.Table) -> _Statements:
        """The prepared statements of one object layout, prepared once per invocation: DuckDB parses,
        binds and plans the (large) validation SQL once, not once per chunk."""
        key = (frozenset(layout.missing), frozenset(layout.typed))
        found = self._prepared.get(key)
        if found is not None:
            return found
        n = len(self._prepared)
        found = _Statements(f"__lg_main_{n}", f"__lg_errors_{n}", _SwapSource(table), _SwapSource(table))
        self.con.register(f"__lg_src_{n}", found.rows)
        self.con.register(f"__lg_bad_{n}", found.bad)
        main, _ = self._sql(layout, f"__lg_src_{n}", "$1")
        _, errors = self._sql(layout, f"__lg_bad_{n}", "$1")
        self.con.execute(f"PREPARE {found.main} AS {main}")
        self.con.execute(f"PREPARE {found.errors} AS {errors}")
        found.rows.table = found.bad.table = None
        self._prepared[key] = found
        return found

    @cached_property
    def hook(self) -> ArrowHook | None:
        return load_arrow_hook(self.spec)

    @cached_property
    def quarantine_schema(self) -> pa.Schema:
        import pyarrow as pa

        return pa.schema([(s, pa.string()) for s in self.sources] + [
            ("_source_file", pa.string()), ("_record", pa.int64()), ("_run_id", pa.string()),
            ("_errors", pa.list_(pa.string())),
        ])

    # ------------------------------------------------------------------------------- steps

    def _run(self, statement: str, source: _SwapSource, table: pa.Table, uri: str) -> pa.Table:
        source.table = table
        try:
            return self.con.sql(f"EXECUTE {statement}({semantics.literal(uri, 'duckdb')})").to_arrow_table()
        finally:
            source.table = None

    def apply(self, chunk: Chunk, layout: ObjectLayout, uri: str) -> StepResult:
        import pyarrow as pa
        import pyarrow.compute as pc

        table = chunk.table
        n = table.num_rows
        stmts = self._statements(layout, table)
        out = self._run(stmts.main, stmts.rows, table, uri)
        ok, keep = out.column("_ok"), out.column("_keep")
        n_ok = pc.sum(ok).as_py() or 0 if n else 0
        n_keep = pc.sum(keep).as_py() or 0 if n else 0
        quarantine: list[pa.Table] = []
        if n_ok < n:
            bad_records = pc.filter(out.column("_record"), pc.invert(ok)).combine_chunks()
            bad_src = table.filter(pc.is_in(table.column("_record"), value_set=bad_records))
            quarantine.append(self._quarantine_rows(self._run(stmts.errors, stmts.bad, bad_src, uri)))
        if chunk.rejects:
            quarantine.append(self._reject_rows(chunk.rejects, uri))
        if n_keep < n:
            out = out.filter(keep)
        valid = out.drop_columns(["_ok", "_keep"])
        hooked = 0
        if self.hook is not None:
            before = valid.num_rows
            valid = self._run_hook(valid)
            hooked = before - valid.num_rows
        q_table = pa.concat_tables(quarantine) if quarantine else None
        return StepResult(valid, q_table, n + len(chunk.rejects), (n - n_ok) + len(chunk.rejects),
                          (n_ok - n_keep) + hooked)

    def _run_hook(self, table: pa.Table) -> pa.Table:
        assert self.hook is not None
        return run_arrow_hook(self.spec, self.hook, table)

    def _quarantine_rows(self, q: pa.Table) -> pa.Table:
        return q.select([f.name for f in self.quarantine_schema]).cast(self.quarantine_schema)

    def _reject_rows(self, rejects: list[Reject], uri: str) -> pa.Table:
        import pyarrow as pa

        cols: dict[str, Any] = {s: pa.array([r.values.get(s) for r in rejects], pa.string()) for s in self.sources}
        cols["_source_file"] = pa.array([uri] * len(rejects), pa.string())
        cols["_record"] = pa.array([r.record for r in rejects], pa.int64())
        cols["_run_id"] = pa.array([self.run_id] * len(rejects), pa.string())
        cols["_errors"] = pa.array([[r.reason] for r in rejects], pa.list_(pa.string()))
        return pa.table(cols, schema=self.quarantine_schema)
