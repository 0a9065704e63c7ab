"""process_batch: one batch of source objects -> staging Parquet (or dedupe shuffle buckets)."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from orchestration.core.contracts import BatchResult
from orchestration.core.errors import LockgateError
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import join_uri

from .chunks import ObjectLayout
from .pipeline import Pipeline
from .threads import BackgroundWriter, chunk_pool, ordered_map, prefetch
from .writer import PartitionedWriter, WriterSettings, unit_name

if TYPE_CHECKING:
    from orchestration.core.contracts import Manifest
    from orchestration.core.storage import Storage

__all__ = ["process_batch", "open_reader", "Settings", "shuffles", "unit_name"]

log = logging.getLogger("lockgate.engine")


class Settings:
    """Engine sizes, overridable through the environment for tuning and tests."""

    block_bytes = int(os.environ.get("LOCKGATE_BLOCK_BYTES", 8 * 1024 * 1024))
    rows_per_chunk = int(os.environ.get("LOCKGATE_ROWS_PER_CHUNK", 256 * 1024))
    threads = os.environ.get("LOCKGATE_ENGINE_THREADS", "1") != "0"
    workers = int(os.environ.get("LOCKGATE_ENGINE_WORKERS", "0")) or len(os.sched_getaffinity(0))
    """Chunks validated at once, each on its own DuckDB connection: the vCPUs this process may use,
    unless ``LOCKGATE_ENGINE_WORKERS`` says otherwise (the calibration benchmark pins both)."""


def shuffles(spec: Spec, manifest: Manifest) -> bool:
    """Whether this run dedupes over more than one batch (rows go to shuffle buckets, ADR 0002)."""
    if spec.dedupe is None or len(manifest.batches) <= 1:
        return False
    if manifest.dedupe_buckets <= 0:
        raise LockgateError(
            f"run {manifest.run_id} dedupes over {len(manifest.batches)} batches but its manifest has no "
            "dedupe buckets; plan must set dedupe_buckets >= 1", where="manifest.dedupe_buckets")
    return True


def open_reader(spec: Spec, storage: Storage, uri: str, settings: type[Settings] = Settings) -> Any:
    """The reader for one object (CsvReader, JsonlReader or ParquetReader): ``.chunks()``, ``.layout``."""
    fmt = spec.source.format
    if fmt == "parquet":
        from .parquet_reader import ParquetReader

        return ParquetReader(storage, uri, spec, settings.rows_per_chunk)
    from .source import open_source

    stream = open_source(storage, uri, spec.source.compression)
    if fmt == "csv":
        from .csv_reader import CsvReader

        return CsvReader(stream, spec, settings.block_bytes)
    from .jsonl_reader import JsonlReader

    return JsonlReader(stream, spec, settings.block_bytes)


def _spec(spec: Spec | None, manifest: Manifest) -> Spec:
    return spec if spec is not None else Spec.model_validate(manifest.spec)


def process_batch(spec: Spec | None, manifest: Manifest, batch_index: int, storage: Storage | None = None) -> BatchResult:
    """Read, validate, transform and write one batch; writes and returns its BatchResult."""
    from orchestration.core.storage import get_storage

    started = time.monotonic()
    spec = _spec(spec, manifest)
    storage = storage or get_storage()
    batch = next((b for b in manifest.batches if b.index == batch_index), None)
    if batch is None:
        raise LockgateError(f"run {manifest.run_id} has no batch {batch_index} "
                            f"(it has {len(manifest.batches)})", where="manifest.batches")
    unit = unit_name("batch", batch_index)
    paths = manifest.paths
    pipe = Pipeline(spec, manifest)
    shuffle = shuffles(spec, manifest)
    inline_dedupe = spec.dedupe is not None and not shuffle
    ws = WriterSettings(compression=spec.target.compression)
    quarantine = PartitionedWriter(storage, join_uri(spec.target.quarantine_uri, f"run_id={manifest.run_id}"),
                                   unit, [], ws)
    if shuffle:
        out = PartitionedWriter(storage, join_uri(paths.staging, "shuffle"), unit, ["__lg_bucket"],
                                WriterSettings(compression="zstd"), dir_names=["bucket"])
    else:
        out = PartitionedWriter(storage, paths.staging_data, unit, list(spec.target.partition_by), ws)
    result = BatchResult(run_id=manifest.run_id, engine="lambda", unit=unit, **{"import": manifest.import_})
    dedupe_acc = None
    if inline_dedupe:
        from .dedupe import Accumulator

        dedupe_acc = Accumulator(pipe.con, spec)
    # Parquet encoding runs in a writer thread while the next chunk is cast (pyarrow releases the GIL).
    sink = BackgroundWriter(out.write) if Settings.threads else None
    emit = sink.submit if sink is not None else out.write
    workers = Settings.workers if Settings.threads else 1
    pool = chunk_pool(workers)
    try:
        # One pipeline over the batch's objects: the reader opens and reads the next object while the
        # workers still validate the last chunks of this one, so a batch of many small objects keeps every
        # core busy (per object, only its first chunk waited for the reader, its last for the workers).
        items = _batch_chunks(spec, storage, manifest, batch.objects)
        if Settings.threads:
            items = prefetch(items)
        rows_before = 0
        for (obj, layout, chunk), computed in ordered_map(_compute(pipe), items, pool, workers):
            if chunk is _OBJECT_START:
                result.bytes_in += obj.size
                rows_before = result.rows_in
                continue
            if chunk is _OBJECT_END:
                pending = pipe.flush()  # the object's failed rows not yet turned into quarantine rows
                if pending is not None and pending.num_rows:
                    quarantine.write(pending)
                if layout.extra:
                    result.extra_columns[obj.uri] = list(layout.extra)
                if result.rows_in == rows_before:
                    log.warning("%s contributed no rows (empty or header-only)", obj.uri)
                continue
            step = pipe.complete(chunk, computed, layout, obj.uri)
            result.rows_in += step.rows_in
            result.rows_rejected += step.rows_rejected
            result.rows_filtered += step.rows_filtered
            if step.quarantine is not None and step.quarantine.num_rows:
                quarantine.write(step.quarantine)
            if step.valid.num_rows == 0:
                continue
            if shuffle:
                emit(_with_bucket(pipe, step.valid, manifest.dedupe_buckets))
            elif dedupe_acc is not None:
                dedupe_acc.add(step.valid)
            else:
                emit(step.valid)
        if sink is not None:
            sink.close()
            sink = None
        if dedupe_acc is not None:
            for table in dedupe_acc.result():
                out.write(table)
        out.close()
        quarantine.close()
    except BaseException:
        if sink is not None:
            with contextlib.suppress(BaseException):
                sink.close()
        out.abort()
        quarantine.abort()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # before their connections close
        pipe.close()
    if not shuffle:
        result.rows_written = out.rows_written
        result.files_written = list(out.files)
        result.partitions = sorted(out.partitions)
    if dedupe_acc is not None:
        result.rows_deduplicated = dedupe_acc.rows_in - out.rows_written
    result.duration_s = round(time.monotonic() - started, 3)
    storage.write_json(paths.batch_result(batch_index), result.model_dump(mode="json", by_alias=True))
    return result


_OBJECT_START = object()
_OBJECT_END = object()


def _batch_chunks(spec: Spec, storage: Storage, manifest: Manifest, objects: list[int]) -> Iterator[tuple[Any, ObjectLayout, Any]]:
    """``(object, layout, chunk)`` for every chunk of the batch's objects in order, each object's chunks
    between an ``_OBJECT_START`` and an ``_OBJECT_END`` item (an empty object has only those two)."""
    for obj_index in objects:
        obj = manifest.objects[obj_index]
        reader = open_reader(spec, storage, obj.uri)
        layout: ObjectLayout = reader.layout
        yield obj, layout, _OBJECT_START
        for chunk in reader.chunks():
            yield obj, layout, chunk
        # The object read must be the object planned: the Glue job reads only the planned bytes (its ranges
        # come from the size), so reading on would give the routes different rows.
        obj.check_unchanged(reader.stored_bytes, reader.version)
        yield obj, layout, _OBJECT_END


def _compute(pipe: Pipeline) -> Callable[[tuple[Any, ObjectLayout, Any]], Any]:
    """The workers' part of an item: the main statement over a chunk; nothing for an object's markers."""
    def compute(item: tuple[Any, ObjectLayout, Any]) -> Any:
        obj, layout, chunk = item
        if chunk is _OBJECT_START or chunk is _OBJECT_END:
            return None
        return pipe.compute(chunk, layout=layout, uri=obj.uri)
    return compute


def _with_bucket(pipe: Pipeline, table: Any, buckets: int) -> Any:
    """Adds ``__lg_bucket``: hash of the dedupe key modulo the bucket count (NULL keys hash alike)."""
    assert pipe.spec.dedupe is not None
    keys = ", ".join(f'"{k}"' for k in pipe.spec.dedupe.keys)
    pipe.con.register("__lg_shuffle", table)
    try:
        return pipe.con.sql(
            f"SELECT *, CAST(hash({keys}) % {buckets} AS INTEGER) AS __lg_bucket FROM __lg_shuffle"
        ).to_arrow_table()
    finally:
        pipe.con.unregister("__lg_shuffle")
