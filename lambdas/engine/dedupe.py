"""Run-wide dedupe (ADR 0002): keep the first row per key by ``order_by``, then ``_source_file``,
``_record``; the same rows survive whether the run had one batch or fifty.

- One batch: ``Accumulator`` collects the batch's rows in DuckDB (which spills to disk when needed)
  and dedupes them when the batch is done.
- Several batches: process_batch hash-partitions rows by key into ``RunPaths.shuffle_bucket(k)``, and
  ``dedupe_bucket`` dedupes one bucket: every row of a key lands in the same bucket.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from orchestration.core import semantics
from orchestration.core.contracts import BatchResult

from .pipeline import connect
from .writer import PartitionedWriter, WriterSettings, unit_name

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from orchestration.core.contracts import Manifest
    from orchestration.core.spec import Spec
    from orchestration.core.storage import Storage

__all__ = ["Accumulator", "dedupe_bucket", "dedupe_sql"]

_ACC = "__lg_acc"
_OUT_BATCH_ROWS = 256 * 1024


def dedupe_sql(spec: Spec, relation: str) -> str:
    """DuckDB SELECT keeping the first row per dedupe key of ``relation``, in a stable order."""
    assert spec.dedupe is not None
    keys = ", ".join(semantics.quote_ident(k) for k in spec.dedupe.keys)
    order = semantics.dedupe_order_sql(spec, "duckdb")
    return (f"SELECT * FROM {relation} QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {order}) = 1 "
            f"ORDER BY _source_file, _record")


class Accumulator:
    """Collects rows in a DuckDB table and yields them deduplicated."""

    def __init__(self, con: duckdb.DuckDBPyConnection, spec: Spec, name: str = _ACC) -> None:
        self.con = con
        self.spec = spec
        self.name = name
        self.rows_in = 0
        self._created = False

    def add(self, table: pa.Table) -> None:
        self.con.register("__lg_add", table)
        try:
            if not self._created:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.name} AS SELECT * FROM __lg_add")
                self._created = True
            else:
                self.con.execute(f"INSERT INTO {self.name} SELECT * FROM __lg_add")
        finally:
            self.con.unregister("__lg_add")
        self.rows_in += table.num_rows

    def result(self) -> Iterator[pa.Table]:
        if not self._created:
            return
        reader = self.con.sql(dedupe_sql(self.spec, self.name)).to_arrow_reader(_OUT_BATCH_ROWS)
        import pyarrow as pa

        for batch in reader:
            yield pa.Table.from_batches([batch])
        self.con.execute(f"DROP TABLE IF EXISTS {self.name}")


def dedupe_bucket(spec: Spec | None, manifest: Manifest, bucket: int, storage: Storage | None = None) -> BatchResult:
    """Dedupe shuffle bucket ``bucket``: write its kept rows to staging and its BatchResult."""
    import pyarrow.parquet as pq

    from orchestration.core.spec import Spec as SpecModel
    from orchestration.core.storage import get_storage

    started = time.monotonic()
    spec = spec if spec is not None else SpecModel.model_validate(manifest.spec)
    storage = storage or get_storage()
    paths = manifest.paths
    unit = unit_name("dedupe", bucket)
    con = connect()
    acc = Accumulator(con, spec)
    out = PartitionedWriter(storage, paths.staging_data, unit, list(spec.target.partition_by),
                            WriterSettings(compression=spec.target.compression))
    try:
        fs = storage.arrow_filesystem()
        for obj in storage.list(paths.shuffle_bucket(bucket), "*.parquet"):
            with fs.open_input_file(storage.arrow_path(obj.uri)) as f:
                for batch in pq.ParquetFile(f).iter_batches(batch_size=_OUT_BATCH_ROWS):
                    acc.add(_table(batch))
        for table in acc.result():
            out.write(table)
        out.close()
    except BaseException:
        out.abort()
        raise
    finally:
        con.close()
    result = BatchResult(
        run_id=manifest.run_id, engine="lambda", unit=unit, rows_written=out.rows_written,
        rows_deduplicated=acc.rows_in - out.rows_written, files_written=list(out.files),
        partitions=sorted(out.partitions), duration_s=round(time.monotonic() - started, 3),
        **{"import": manifest.import_},
    )
    storage.write_json(paths.dedupe_result(bucket), result.model_dump(mode="json", by_alias=True))
    return result


def _table(batch: Any) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_batches([batch])
