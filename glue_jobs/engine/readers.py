"""Read the run's source objects into Spark with the reading rules of docs/semantics.md §1.

CSV and JSON Lines: every object is read whole (``binaryFile``: one row per object, so gzip and other
non-splittable objects are handled the same way), then parsed by ``textparse`` inside a Python worker
(``mapInArrow``) into one text column per spec column, ``_source_file`` and ``_record`` (line numbers),
``_parse_error`` and ``_missing`` (the spec columns the object lacks). Besides rows, each object emits
one info row (``_info`` JSON: extra/missing columns, or the whole-file error) that the driver
collects from the cached checked rows. Parquet: read natively with its own types and ``_metadata.row_index`` as ``_record``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.contracts import SourceObject
from orchestration.errors import DataError
from orchestration.spec import Spec

from .lake import lake_root, spark_path
from .textparse import (
    FileInfo,
    ParseOptions,
    decode,
    decompress,
    fast_csv,
    header_info,
    parse_csv,
    parse_jsonl,
)

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame, SparkSession

__all__ = ["SourceRead", "text_rows", "account_text", "read_parquet_sources", "raw_column"]

_BATCH_ROWS = 20_000


def raw_column(index: int) -> str:
    """Name of the text column holding spec column ``index`` before casting."""
    return f"_raw_{index}"


@dataclass
class SourceRead:
    """What the objects reported about themselves (their ``_info`` rows), once the rows were read."""

    rows_in: int = 0
    extra_columns: dict[str, list[str]] = field(default_factory=dict)
    missing_columns: dict[str, list[str]] = field(default_factory=dict)

    @property
    def missing_sets(self) -> list[tuple[str, ...]]:
        """The distinct lists of spec columns (in spec order, as ``_missing`` holds them) some objects lack."""
        return sorted({tuple(m) for m in self.missing_columns.values()})


def parse_options(spec: Spec) -> ParseOptions:
    csv_opts = spec.source.csv
    return ParseOptions(
        columns=tuple(c.source_name for c in spec.columns), format=spec.source.format, header=csv_opts.header,
        delimiter=csv_opts.delimiter, quote=csv_opts.quote, null_values=tuple(csv_opts.null_values),
        encoding=csv_opts.encoding if spec.source.format == "csv" else "utf-8",
    )


def _text_schema(n: int) -> str:
    raw = ", ".join(f"{raw_column(i)} string" for i in range(n))
    return (f"_source_file string, _record bigint, _parse_error string, _missing array<string>, "
            f"_info string{', ' + raw if raw else ''}")


def _parser(opts: ParseOptions, compression: Mapping[str, str],
            root: Path | None) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each Python worker runs over ``binaryFile`` batches (path, content)."""
    n = len(opts.columns)

    def parse(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow as pa

        from glue_jobs.engine.lake import lake_uri as to_uri

        schema = pa.schema([("_source_file", pa.string()), ("_record", pa.int64()), ("_parse_error", pa.string()),
                            ("_missing", pa.list_(pa.string())), ("_info", pa.string())]
                           + [(raw_column(i), pa.string()) for i in range(n)])
        pending: list[tuple[Any, ...]] = []  # (uri, line, error, missing, info, values)

        def flush() -> pa.RecordBatch:
            uris, lines, errors, missing, infos, values = zip(*pending, strict=True)
            columns = [list(uris), list(lines), list(errors), list(missing), list(infos)]
            columns += [list(c) for c in zip(*values, strict=True)] if n else []
            pending.clear()
            return pa.RecordBatch.from_arrays([pa.array(c, type=schema.field(i).type) for i, c in enumerate(columns)],
                                              schema=schema)

        none_row = (None,) * n
        for batch in batches:
            paths = batch.column("path").to_pylist()
            for i, path in enumerate(paths):
                uri = to_uri(path, root)
                info = FileInfo(uri)
                count = 0
                try:
                    content = batch.column("content")[i].as_py() or b""
                    text = decode(decompress(content, compression.get(uri, "none"), uri), opts.encoding, uri)
                    fast = fast_csv(text, uri, opts) if opts.format == "csv" else None
                    if fast is not None:
                        table, first_line = fast
                        header_info(text, uri, opts, info)
                        count = table.num_rows
                        if count:
                            yield from _fast_batches(pa, schema, table, uri, first_line, info.missing_columns)
                        raise _Done
                    records = parse_csv if opts.format == "csv" else parse_jsonl
                    missing: list[str] | None = None
                    first = True
                    for line, values, error in records(text, uri, opts, info):
                        if first:
                            missing, first = info.missing_columns or None, False
                        pending.append((uri, line, error, missing, None, values))
                        count += 1
                        if len(pending) >= _BATCH_ROWS:
                            yield flush()
                except _Done:
                    pass
                except ValueError as e:
                    info.fatal = str(e)
                pending.append((uri, None, None, None, json.dumps({
                    "uri": uri, "extra": info.extra_columns, "missing": info.missing_columns, "fatal": info.fatal,
                    "rows": count}), none_row))
        if pending:
            yield flush()

    return parse


class _Done(Exception):
    """An object was read by the fast path."""


def _fast_batches(pa: Any, schema: Any, table: Any, uri: str, first_line: int,
                  missing: list[str]) -> Iterator[Any]:
    n = table.num_rows
    meta = [
        pa.repeat(uri, n).cast(pa.string()), pa.array(range(first_line, first_line + n), pa.int64()),
        pa.nulls(n, pa.string()),
        pa.repeat(pa.scalar(missing, pa.list_(pa.string())), n) if missing else pa.nulls(n, pa.list_(pa.string())),
        pa.nulls(n, pa.string()),
    ]
    out = pa.Table.from_arrays(meta + [table.column(i) for i in range(table.num_columns)], schema=schema)
    yield from out.to_batches(max_chunksize=_BATCH_ROWS)


def _raise_fatal(infos: list[dict[str, Any]]) -> None:
    fatal = [i for i in infos if i.get("fatal")]
    if fatal:
        first = fatal[0]["fatal"]
        more = f" (and {len(fatal) - 1} more objects)" if len(fatal) > 1 else ""
        raise DataError(f"{first}{more}", where=fatal[0]["uri"])


def text_rows(spark: SparkSession, spec: Spec, objects: list[SourceObject]) -> DataFrame:
    """CSV or JSON Lines objects as text rows, lazily: one row per record plus one ``_info`` row per
    object (``_info`` NULL on record rows). Nothing runs until the caller acts on the result, so the
    caller decides where the parse is cached (the Spark engine caches the checked rows instead)."""
    opts = parse_options(spec)
    compression = {o.uri: o.compression for o in objects}
    files = spark.read.format("binaryFile").load([spark_path(o.uri) for o in objects])
    return files.select("path", "content").mapInArrow(_parser(opts, compression, lake_root()),
                                                      _text_schema(len(opts.columns)))


def account_text(infos: list[dict[str, Any]], objects: list[SourceObject]) -> SourceRead:
    """The objects' ``_info`` records as a ``SourceRead``; DataError for an object that could not be
    read or that Spark did not read at all."""
    _raise_fatal(infos)
    seen = {i["uri"] for i in infos}
    # Spark's file sources skip zero-byte files: those are empty objects, not lost ones.
    infos = infos + [{"uri": o.uri, "extra": [], "missing": [], "fatal": None, "rows": 0}
                     for o in objects if o.uri not in seen and o.size == 0]
    lost = [o.uri for o in objects if o.uri not in seen and o.size > 0]
    if lost:
        raise DataError(f"{len(lost)} object(s) of the manifest were not read, e.g. {lost[0]}; "
                        "check that they still exist", where=lost[0])
    return SourceRead(
        rows_in=sum(i["rows"] for i in infos),
        extra_columns={i["uri"]: i["extra"] for i in infos if i["extra"]},
        missing_columns={i["uri"]: i["missing"] for i in infos if i["missing"]},
    )


def read_parquet_sources(spark: SparkSession, spec: Spec,
                         objects: list[SourceObject]) -> tuple[list[tuple[DataFrame, list[str]]], dict[str, list[str]]]:
    """Parquet objects grouped by identical schema: (rows, missing spec columns) per group, and the
    extra (unused) columns per object.

    Each group has ``_source_file``, ``_record`` (0-based row index in its file), ``_parse_error``
    (always NULL), ``_missing`` and one column per spec column (``raw_column(i)``) with the file's own
    type; a missing column is a NULL string.
    """
    from pyspark.sql import functions as F

    groups: dict[str, list[str]] = {}
    schemas: dict[str, Any] = {}
    extra: dict[str, list[str]] = {}
    wanted = {c.source_name for c in spec.columns}
    for o in objects:
        try:
            schema = spark.read.parquet(spark_path(o.uri)).schema
        except Exception as e:
            raise DataError(f"cannot read as Parquet ({str(e).splitlines()[0][:300]}); the object is not a "
                            "Parquet file or is truncated", where=o.uri) from None
        key = schema.json()
        unused = [n for n in schema.fieldNames() if n not in wanted]
        if unused:
            extra[o.uri] = unused
        groups.setdefault(key, []).append(o.uri)
        schemas[key] = schema
    out: list[tuple[DataFrame, list[str]]] = []
    for key, uris in groups.items():
        names = set(schemas[key].fieldNames())
        df = spark.read.parquet(*[spark_path(u) for u in uris])
        missing = [c.source_name for c in spec.columns if c.source_name not in names]
        source = _uri_column(F.col("_metadata.file_path"))
        cols = [source.alias("_source_file"), F.col("_metadata.row_index").cast("bigint").alias("_record"),
                F.lit(None).cast("string").alias("_parse_error"),
                (F.array(*[F.lit(m) for m in missing]) if missing else F.lit(None).cast("array<string>")).alias("_missing")]
        for i, c in enumerate(spec.columns):
            if c.source_name in names:
                cols.append(F.col(f"`{c.source_name}`").alias(raw_column(i)))
            else:
                cols.append(F.lit(None).cast("string").alias(raw_column(i)))
        out.append((df.select(*cols), missing))
    return out, extra


def _uri_column(path: Column) -> Column:
    """``s3://`` URIs from the paths Spark reports, natively (see ``lake.lake_uri``)."""
    from pyspark.sql import functions as F

    root = lake_root()
    if root is None:
        return F.regexp_replace(path, r"^s3[an]?://", "s3://")
    return F.regexp_replace(path, "^file:(//)?" + re.escape(root.as_posix().rstrip("/")) + "/", "s3://")
