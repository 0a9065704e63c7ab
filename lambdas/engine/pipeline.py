"""One run's compiled pipeline: DuckDB connection, SQL compiled once, and the per-chunk steps.

``Pipeline.apply(chunk, layout, uri)`` turns one chunk of source values into valid rows (cast,
validated, derived, filtered, hooked, with metadata columns) and quarantine rows; ``flush()`` gives the
quarantine rows still pending at the end of an object. The SQL comes from ``orchestration.core.semantics``
(the same rules the Glue engine runs) and is prepared once per object layout, not per chunk.

Two things keep the cost per value near DuckDB's own cast (wide numeric files):

- Before a chunk runs, each numeric column's text buffer is searched once for the characters that make
  DuckDB's cast differ from the spec's (``semantics.cast_breakers``: ``_``, ``+``, VT, FF, and for
  integers ``.``/``e``/``x``/``b``). Columns without them are *clean*: the statement prepared for that set
  casts them with one ``TRY_CAST`` and leaves the exact shape check to values that fail it.
- Executing the (large) validation SQL has a fixed cost of some milliseconds, so the rows that fail a
  rule are collected over chunks and their quarantine rows (every failed rule) computed in one execution
  per ``ERRORS_BATCH_ROWS`` rows or per object.

Chunks run in parallel: ``compute`` (the main statement) may be called from several threads at once, each
on its own DuckDB connection to the same database with its own prepared statements (``_Session``), and
``complete`` then takes the results in chunk order on one thread (counts, failed rows, quarantine, hook),
so the output does not depend on which thread finished first. ``apply`` is both in one call.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from orchestration.core import semantics
from orchestration.core.semantics.clean import breakers, clean_columns

from .chunks import Chunk, ObjectLayout, Reject
from .hooks import ArrowHook, load_arrow_hook, run_arrow_hook

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from orchestration.core.contracts import Manifest
    from orchestration.core.spec import Spec

__all__ = ["Pipeline", "StepResult", "connect", "ingested_at", "ERRORS_BATCH_ROWS", "MAX_STATEMENTS"]

ERRORS_BATCH_ROWS = 65536
"""Failed rows collected before their quarantine rows are computed (one execution of the errors SQL)."""
MAX_STATEMENTS = 16
"""Prepared main statements (one per object layout and set of clean columns) before new sets of clean
columns fall back to the exact casts."""


def _arrow_memory_pool() -> None:
    """Arrow allocates from jemalloc, unless ``ARROW_DEFAULT_MEMORY_POOL`` says otherwise. pyarrow's default,
    mimalloc, returns freed pages to the OS and the kernel zeroes them again for the next chunk: a fifth
    of the engine's CPU on a wide CSV, and a higher peak RSS."""
    import pyarrow as pa

    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except NotImplementedError:  # a pyarrow built without jemalloc
        pa.set_memory_pool(pa.system_memory_pool())


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection set up for the engine: UTC, spill directory, Spark-style lambdas (and Arrow's
    memory pool, see ``_arrow_memory_pool``)."""
    import duckdb

    _arrow_memory_pool()
    threads = int(os.environ.get("LOCKGATE_DUCKDB_THREADS", os.cpu_count() or 1))
    con = duckdb.connect(config={"threads": threads, "preserve_insertion_order": True})
    # Give memory back instead of caching it: peak RSS should follow the block size, not the input.
    con.execute("SET allocator_flush_threshold = '16MB'")
    con.execute("SET allocator_bulk_deallocation_flush_threshold = '64MB'")
    lambda_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
    if lambda_mb:
        con.execute(f"SET memory_limit = '{max(int(lambda_mb) // 2, 128)}MB'")
    con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/lockgate-duckdb-{os.getpid()}'")
    _session_settings(con)
    return con


def _session_settings(con: duckdb.DuckDBPyConnection) -> None:
    """What every connection (the first, and each worker thread's cursor) must say: UTC, and Spark-style
    lambdas (sqlglot writes them as `x -> ...`, which DuckDB >= 1.3 only accepts when asked)."""
    import duckdb

    con.execute("SET TimeZone = 'UTC'")
    with contextlib.suppress(duckdb.Error):
        con.execute("SET lambda_syntax = 'ENABLE_SINGLE_ARROW'")


def ingested_at(manifest: Manifest) -> datetime:
    """The run's start as a naive UTC datetime (``_ingested_at``)."""
    text = manifest.started_at.replace("Z", "+00:00")
    dt = datetime.fromisoformat(text)
    if dt.tzinfo is not None:
        dt = dt.astimezone(UTC).replace(tzinfo=None)
    return dt


def _text_scalar(text: str) -> pa.Scalar:
    """A string scalar built from its bytes: ``pa.scalar`` converts a Python object, and pyarrow's
    conversion imports pandas where it is installed (1.5 s, once per process)."""
    import array

    import pyarrow as pa

    data = text.encode()
    offsets = array.array("i", [0, len(data)])
    return pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)])[0]


class _SwapSource:
    """An Arrow stream DuckDB reads anew at every execution (the Arrow PyCapsule interface), so one
    prepared statement runs over whichever chunk is current."""

    def __init__(self, table: pa.Table | None) -> None:
        self.table = table

    def __arrow_c_stream__(self, requested_schema: object = None) -> object:
        assert self.table is not None, "no chunk is current"
        return self.table.__arrow_c_stream__(requested_schema)


@dataclass
class _Statement:
    name: str
    source: _SwapSource


@dataclass
class _Session:
    """One DuckDB connection and the statements prepared on it (prepared statements and registered
    sources belong to a connection, so each thread that computes chunks has its own)."""

    con: duckdb.DuckDBPyConnection
    prepared: dict[tuple[str, frozenset[str], frozenset[str], frozenset[str]], _Statement]
    sources: int = 0


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
        self._owner = threading.get_ident()
        self._main = _Session(self.con, {})
        self._sessions: list[_Session] = [self._main]
        self._local = threading.local()
        self._lock = threading.Lock()
        self._breakers = breakers(spec)
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._pending_at: tuple[ObjectLayout, str] | None = None

    def close(self) -> None:
        """Release DuckDB (its memory and spill files) at the end of an invocation."""
        for session in reversed(self._sessions):
            for n in range(session.sources):
                session.con.unregister(f"__lg_src_{n}")
            session.prepared.clear()
            session.con.close()
        self._sessions.clear()

    def _session(self) -> _Session:
        """This thread's session: the pipeline's own connection on the thread that made it, a cursor (a
        second connection to the same database) on any other."""
        found: _Session | None = getattr(self._local, "session", None)
        if found is None:
            if threading.get_ident() == self._owner:
                found = self._main
            else:
                with self._lock:
                    cursor = self.con.cursor()
                    _session_settings(cursor)
                    found = _Session(cursor, {})
                    self._sessions.append(found)
            self._local.session = found
        return found

    # --------------------------------------------------------------------- SQL, compiled once

    def _sql(self, layout: ObjectLayout, relation: str, uri_sql: str,
             clean: frozenset[str] = frozenset()) -> tuple[str, str]:
        """(main, errors) SQL over ``relation`` (raw source columns and ``_record``). ``main`` gives every
        row its typed target columns, derived columns, ``_record``, ``_ok`` (passes every rule) and
        ``_keep`` (valid and kept by the filter) in one pass (``complete`` adds the other metadata);
        ``errors`` gives quarantine rows for the rows that are not ok. ``uri_sql`` is the SQL of the object's
        URI (a literal or a parameter)."""
        spec = self.spec
        kw: dict[str, Any] = {"null_values": self.null_values, "missing": layout.missing, "typed": layout.typed}
        src = f"(SELECT *, CAST({uri_sql} AS VARCHAR) AS _source_file FROM {relation})"
        checked = semantics.validation_sql(spec, "duckdb", src, clean=clean, **kw)
        derived = semantics.derive_sql(spec, f"({checked})", "duckdb", guard="_ok")
        cond = semantics.filter_sql(spec, "duckdb")
        keep = f"(_ok AND {cond})" if cond else "_ok"
        cols = [semantics.quote_ident(c) for c in spec.output_columns]
        # _source_file, _run_id and _ingested_at are the same on every row: ``complete`` adds them to the
        # kept rows in Arrow (DuckDB's Arrow output copies a constant string once per row).
        main = (
            f"SELECT {', '.join(cols)}, _record, "
            f"_ok, CASE WHEN _ok THEN coalesce({keep}, FALSE) ELSE FALSE END AS _keep FROM ({derived}) AS __m"
        )
        errors = (f"SELECT *, {semantics.literal(self.run_id, 'duckdb')} AS _run_id "
                  f"FROM ({semantics.errors_sql(spec, 'duckdb', src, **kw)}) AS __q")
        return main, errors

    def _clean(self, layout: ObjectLayout, table: pa.Table) -> frozenset[str]:
        """Target columns whose text in ``table`` holds none of their cast breakers."""
        return clean_columns(self._breakers, table, layout.missing | layout.typed)

    def _statement(self, session: _Session, kind: str, layout: ObjectLayout, table: pa.Table,
                   clean: frozenset[str]) -> _Statement:
        """The prepared ``main`` or ``errors`` statement of one object layout (and, for ``main``, set of
        clean columns) on ``session``: DuckDB parses, binds and plans the (large) validation SQL once per
        connection, not per chunk."""
        key = (kind, frozenset(layout.missing), frozenset(layout.typed), clean)
        found = session.prepared.get(key)
        if found is not None:
            return found
        if clean and len(session.prepared) >= MAX_STATEMENTS:
            return self._statement(session, kind, layout, table, frozenset())
        n = session.sources
        session.sources += 1
        found = _Statement(f"__lg_{kind}_{n}", _SwapSource(table))
        session.con.register(f"__lg_src_{n}", found.source)
        main, errors = self._sql(layout, f"__lg_src_{n}", "$1", clean)
        # DuckDB plans a prepared statement again at every EXECUTE; its optimizer inlines the layered
        # projections into one large expression tree, which then costs ~20 ms per chunk to plan. The
        # layers as written run as fast per row, and plan in a quarter of the time.
        session.con.execute("PRAGMA disable_optimizer")
        try:
            session.con.execute(f"PREPARE {found.name} AS {main if kind == 'main' else errors}")
        finally:
            session.con.execute("PRAGMA enable_optimizer")
        found.source.table = None
        session.prepared[key] = found
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

    @staticmethod
    def _run(session: _Session, statement: _Statement, table: pa.Table, uri: str) -> pa.Table:
        statement.source.table = table
        try:
            return session.con.sql(
                f"EXECUTE {statement.name}({semantics.literal(uri, 'duckdb')})").to_arrow_table()
        finally:
            statement.source.table = None

    def flush(self) -> pa.Table | None:
        """The quarantine rows of the failed rows collected so far (call at the end of every object)."""
        import pyarrow as pa

        if not self._pending or self._pending_at is None:
            return None
        layout, uri = self._pending_at
        bad = pa.concat_tables(self._pending)
        self._pending, self._pending_rows, self._pending_at = [], 0, None
        statement = self._statement(self._main, "errors", layout, bad, frozenset())
        return self._quarantine_rows(self._run(self._main, statement, bad, uri))

    def apply(self, chunk: Chunk, layout: ObjectLayout, uri: str) -> StepResult:
        """``compute`` then ``complete``, on this thread."""
        return self.complete(chunk, self.compute(chunk, layout, uri), layout, uri)

    def compute(self, chunk: Chunk, layout: ObjectLayout, uri: str) -> pa.Table:
        """The main statement over one chunk: typed, derived columns, metadata, ``_ok`` and ``_keep``.
        Safe to call from several threads at once (each uses its own connection)."""
        session = self._session()
        table = chunk.table
        return self._run(session, self._statement(session, "main", layout, table, self._clean(layout, table)),
                         table, uri)

    def complete(self, chunk: Chunk, out: pa.Table, layout: ObjectLayout, uri: str) -> StepResult:
        """Turns ``compute``'s result into a StepResult: counts, failed rows collected for quarantine,
        rejects, the filter and the hook. Called on one thread, in chunk order."""
        import pyarrow as pa
        import pyarrow.compute as pc

        table = chunk.table
        n = table.num_rows
        quarantine: list[pa.Table] = []
        if self._pending_at is not None and (self._pending_at[0] is not layout or self._pending_at[1] != uri):
            flushed = self.flush()  # another object: its failed rows get its layout and URI
            if flushed is not None:
                quarantine.append(flushed)
        ok, keep = out.column("_ok"), out.column("_keep")
        n_ok = pc.sum(ok).as_py() or 0 if n else 0
        n_keep = pc.sum(keep).as_py() or 0 if n else 0
        if n_ok < n:
            bad_records = pc.filter(out.column("_record"), pc.invert(ok)).combine_chunks()
            self._pending.append(table.filter(pc.is_in(table.column("_record"), value_set=bad_records)))
            self._pending_rows += n - n_ok
            self._pending_at = (layout, uri)
            if self._pending_rows >= ERRORS_BATCH_ROWS:
                flushed = self.flush()
                if flushed is not None:
                    quarantine.append(flushed)
        if chunk.rejects:
            quarantine.append(self._reject_rows(chunk.rejects, uri))
        if n_keep < n:
            out = out.filter(keep)
        valid = self._with_metadata(out.drop_columns(["_ok", "_keep"]), uri)
        hooked = 0
        if self.hook is not None:
            before = valid.num_rows
            valid = self._run_hook(valid)
            hooked = before - valid.num_rows
        q_table = pa.concat_tables(quarantine) if quarantine else None
        return StepResult(valid, q_table, n + len(chunk.rejects), (n - n_ok) + len(chunk.rejects),
                          (n_ok - n_keep) + hooked)

    def _with_metadata(self, table: pa.Table, uri: str) -> pa.Table:
        """``table`` (target and derived columns, ``_record``) with ``_source_file`` before ``_record`` and
        ``_run_id``, ``_ingested_at`` after it: the output's column order."""
        import pyarrow as pa

        n = table.num_rows
        at = table.schema.get_field_index("_record")
        run_id, stamp = self._metadata_scalars
        table = table.add_column(at, "_source_file", pa.repeat(_text_scalar(uri), n))
        table = table.append_column("_run_id", pa.repeat(run_id, n))
        return table.append_column("_ingested_at", pa.repeat(stamp, n))

    @cached_property
    def _metadata_scalars(self) -> tuple[pa.Scalar, pa.Scalar]:
        """``_run_id`` and ``_ingested_at`` as Arrow scalars."""
        import array

        import pyarrow as pa

        micros = (self.ingested_at - datetime(1970, 1, 1)) // timedelta(microseconds=1)
        stamp = pa.Array.from_buffers(pa.timestamp("us"), 1, [None, pa.py_buffer(array.array("q", [micros]))])
        return _text_scalar(self.run_id), stamp[0]

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
