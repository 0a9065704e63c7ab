"""Which rows of the table a run replaces: the rows its window owns (docs/semantics.md section 7, ADR 0009).

A row belongs to the window of the source object it was read from (``_source_file``). A run of window W
owns every row whose ``_source_file`` lies under one of the source URIs W expands to (``source.uri`` with
its placeholders filled for W), wherever the row landed: a late row (yesterday's order in today's file)
is today's, in yesterday's partition. Re-running W therefore replaces exactly W's rows and never a row of
another window, whatever the partitioning.

To find W's earlier rows without reading the whole table, each table keeps a ledger
(``<location>/_lockgate/ledger.json``: source URI -> partitions its rows were written to), updated by every
commit. Only files of the partitions the ledger names for W (plus the partitions the run writes) are
inspected, and only their ``_source_file`` column is read (from the footer's statistics where they settle
it, see ``_source_counts``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from orchestration.core.contracts import Manifest
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import join_uri
from orchestration.core.spec.window import Window, expand_source_uris
from orchestration.core.storage import Storage, object_name

__all__ = ["owned_sources", "source_of", "FileRows", "inspect_file", "staged_sources", "ledger_uri", "read_ledger",
           "kept_name", "rewrite_without", "Ledger"]

log = logging.getLogger(__name__)

Ledger = dict[str, list[str]]
"""source URI -> sorted partitions (``k=v/...``, ``""`` for an unpartitioned table) holding its rows."""


def owned_sources(spec: Spec, manifest: Manifest) -> list[str]:
    """The source URIs the run's window expands to: the run owns the rows read from under them."""
    tz = spec.schedule.timezone if spec.schedule else "UTC"
    window = Window.from_json(dict(manifest.window), tz) if manifest.window else None
    return expand_source_uris(spec.source.s3_uri, window, tz)


def source_of(value: str, sources: list[str]) -> str | None:
    """The source URI of ``sources`` that ``value`` (a ``_source_file``) was read from, if any."""
    return next((s for s in sources if value.startswith(s)), None)


@dataclass(frozen=True)
class FileRows:
    """One table file, as far as ownership goes."""

    uri: str
    rows: int
    owned_rows: int
    owned_values: list[str] = field(default_factory=list)
    foreign_values: list[str] = field(default_factory=list)
    """``_source_file`` values of other windows; ``["<no _source_file column>"]`` for a file without it."""


def _source_counts(storage: Storage, uri: str) -> tuple[int, dict[str, int] | None]:
    """The file's rows and its rows per ``_source_file`` value (None without that column).

    A row group whose statistics say the column has no nulls and one value (min == max) is counted from
    its footer: both engines write one object's rows in a row, so that is nearly every row group, and the
    commit reads no column data for it. A conforming writer's bounds hold every value, truncated or not
    (a truncated max is above the min), so min == max means every value is that one. Row groups without
    such statistics (mixed sources, nulls, a writer that wrote none) have the column read and counted."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    with storage.arrow_filesystem().open_input_file(storage.arrow_path(uri)) as f:
        pf = pq.ParquetFile(f)
        meta = pf.metadata
        rows = meta.num_rows
        leaf = next((i for i in range(meta.num_columns) if meta.schema.column(i).path == "_source_file"), None)
        if leaf is None:  # no top-level _source_file column
            return rows, None
        counts: dict[str, int] = {}
        unsettled: list[int] = []
        for g in range(meta.num_row_groups):
            group = meta.row_group(g)
            stats = group.column(leaf).statistics
            if (stats is not None and stats.has_min_max and stats.has_null_count and stats.null_count == 0
                    and stats.min == stats.max and isinstance(stats.min, str)):
                counts[stats.min] = counts.get(stats.min, 0) + group.num_rows
            elif group.num_rows:
                unsettled.append(g)
        if unsettled:
            column = pf.read_row_groups(unsettled, columns=["_source_file"]).column(0)
            for c in pc.value_counts(column).to_pylist():
                value = str(c["values"])
                counts[value] = counts.get(value, 0) + int(c["counts"])
    return rows, counts


def inspect_file(storage: Storage, uri: str, sources: list[str]) -> FileRows:
    """How many of the file's rows the window owns (reads the ``_source_file`` column only)."""
    rows, counts = _source_counts(storage, uri)
    if counts is None:
        return FileRows(uri, rows, 0, [], ["<no _source_file column>"])
    owned = sorted(v for v in counts if source_of(v, sources) is not None)
    foreign = sorted(v for v in counts if v not in owned)
    return FileRows(uri, rows, sum(counts[v] for v in owned), owned, foreign)


def staged_sources(storage: Storage, staged: list[tuple[str, str]], sources: list[str]) -> Ledger:
    """source URI -> partitions the run writes its rows to, from the staged ``(uri, partition)`` files."""
    out: dict[str, set[str]] = {}
    for uri, partition in staged:
        _, counts = _source_counts(storage, uri)
        for value in counts or {}:
            src = source_of(value, sources)
            if src is None:  # not expected: the engines read only what plan listed for the window
                log.warning("staged file %s holds rows of %s, outside the run's sources", uri, value)
                src = value.rsplit("/", 1)[0] + "/"
            out.setdefault(src, set()).add(partition)
    return {s: sorted(p) for s, p in sorted(out.items())}


def ledger_uri(location: str) -> str:
    return join_uri(location, "_lockgate", "ledger.json")


def read_ledger(storage: Storage, location: str) -> Ledger | None:
    """The table's ledger, or None for a table without one (empty, or written before ledgers existed)."""
    uri = ledger_uri(location)
    if not storage.exists(uri):
        return None
    data = storage.read_json(uri)
    return {str(k): [str(p) for p in v] for k, v in dict(data.get("sources", {})).items()}


def kept_name(run_id: str, uri: str) -> str:
    """Deterministic name of the rewrite of ``uri`` that keeps the rows of other windows."""
    return f"part-{run_id}-kept-{hashlib.sha1(uri.encode()).hexdigest()[:16]}.parquet"


def rewrite_without(storage: Storage, src: str, dst: str, drop: list[str], compression: str) -> int:
    """Write ``src`` minus the rows whose ``_source_file`` is in ``drop`` to ``dst``; returns rows kept."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    fs = storage.arrow_filesystem()
    with fs.open_input_file(storage.arrow_path(src)) as f:
        table = pq.read_table(f)
    kept = table.filter(pc.invert(pc.is_in(table.column("_source_file"), value_set=pa.array(drop, pa.string()))))
    with storage.open_output(dst) as out:
        pq.write_table(kept, out, compression=compression)
    log.info("rewrote %s -> %s keeping %d of %d rows", object_name(src), object_name(dst), kept.num_rows, table.num_rows)
    return kept.num_rows
