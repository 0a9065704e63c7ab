"""Read the run's source objects into Spark with the reading rules of docs/semantics.md §1.

CSV and JSON Lines are never read whole. ``text_rows`` plans read tasks (``pieces``) on the driver:

- an uncompressed object up to the block size: one piece;
- a larger one: byte ranges of the block size, scanned in parallel for record starts and line counts
  (``boundaries.scan_range``, speculative over the quote state), chained on the driver into pieces
  that each start at a record start with an exact first line number; or, for a UTF-8 CSV object whose
  lines are exactly its records, read by Spark's line reader instead (``lines``: no Python worker);
- a compressed object (gzip, bzip2, zstd: not splittable): one streaming task that decompresses and
  parses it block by block.

A ``mapInArrow`` Python function runs the tasks into one text column per spec column, ``_source_file``
and ``_record`` (line numbers), ``_parse_error`` and ``_missing``, plus one ``_info`` row per task that the
driver collects from the cached checked rows. When there are fewer tasks than cores, the rows are
repartitioned so the checks and writes use every core. Parquet: read natively with its own types and
``_metadata.row_index`` as ``_record``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.core.contracts import SourceObject
from orchestration.core.errors import ConfigError, DataError
from orchestration.core.semantics.parquet import column_names_problem
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import spark_can_open
from orchestration.core.storage import Storage

from .boundaries import (
    BOM,
    RangeScan,
    ascii_compatible,
    chain,
    last_record_start,
    lines_are_records,
    scan_range,
)
from .lake import lake_root, listed_uris, path_forms, read_path, uri_column
from .lines import LineObject, LineRead, line_rows
from .names import ident
from .pieces import TASK_COLUMNS, raw_column, run_task, storage_for
from .textparse import FileInfo, Layout, ParseOptions, decode, is_utf8, parse_csv

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

__all__ = ["SourceRead", "TextRows", "text_rows", "account_text", "read_parquet_sources", "raw_column", "block_size",
           "estimated_bytes", "DEFAULT_BLOCK_SIZE", "BLOCK_SIZE_ENV", "SHORT_RUN_BYTES"]

DEFAULT_BLOCK_SIZE = 32 * 2**20
"""Bytes per range of a splittable object and per block of a streamed one: a task's memory is bounded
by it (plus one record), not by the object's size."""
BLOCK_SIZE_ENV = "LOCKGATE_GLUE_BLOCK_BYTES"
"""Overrides the block size (tests force a few bytes so small objects span many ranges and blocks)."""


def block_size() -> int:
    """The block size for this run: ``LOCKGATE_GLUE_BLOCK_BYTES`` or ``DEFAULT_BLOCK_SIZE``."""
    value = os.environ.get(BLOCK_SIZE_ENV)
    if not value:
        return DEFAULT_BLOCK_SIZE
    try:
        size = int(value)
    except ValueError:
        size = 0
    if size < 1:
        raise ConfigError(f"{BLOCK_SIZE_ENV}={value!r} is not a positive number of bytes", where=BLOCK_SIZE_ENV)
    return size


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


_SLICES_PER_CORE = 4
"""Spark partitions per core for the read tasks (and range scans): enough to even out uneven tasks, few
enough that many small tasks share a partition (one Spark task each would cost more than their work)."""

_OWN_PARTITION_BYTES = 4 * 2**20

_TASK_SCHEMA = ("uri string, mode string, start bigint, stop bigint, line0 bigint, compression string, "
                "layout string, seq int")


def _task_runner(opts: ParseOptions, root: Path | None,
                 size: int) -> Callable[[Iterable[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function each Python worker runs over batches of read tasks."""

    def run(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        storage = storage_for(root)
        for batch in batches:
            for task in batch.to_pylist():
                yield from run_task(task, opts, storage, size)

    return run


def _range_scanner(opts: ParseOptions,
                   root: Path | None) -> Callable[[tuple[str, int, int, int]], tuple[str, RangeScan | str]]:
    """The function each Python worker runs over one byte range: its scan, or why it cannot be read."""
    csv = opts.format == "csv"

    def scan(item: tuple[str, int, int, int]) -> tuple[str, RangeScan | str]:
        uri, start, end, size = item
        base = max(start - 3, 0)
        try:
            buf = storage_for(root).read_range(uri, base, min(end + 4, size))
        except DataError as e:
            return uri, e.message
        return uri, scan_range(buf, base, start, end, csv=csv, quote=opts.quote, delimiter=opts.delimiter, size=size)

    return scan


_HEAD_READERS = 16
"""Heads of large CSV objects the driver reads at once (on S3, a request each: months of daily objects
read one after another would wait for hundreds of round trips)."""


def _layout(uri: str, size: int, opts: ParseOptions, root: Path | None) -> tuple[Layout | None, bool]:
    """What the first record of a CSV object fixes, read from its head on the driver (None: the
    object has no readable first record; the piece at byte 0 reports why), and whether that record is
    on line 1 (the object does not start with a blank line)."""
    storage = storage_for(root)
    n = 1 << 16
    while True:
        head = storage.read_range(uri, 0, min(n, size))
        final = n >= size
        first_line = head.removeprefix(BOM)[:1] not in (b"", b"\n", b"\r")
        cut = len(head) if final else last_record_start(head, csv=True, quote=opts.quote, delimiter=opts.delimiter)
        if cut is not None:
            info = FileInfo(uri)
            # Only the first record counts here. A byte the encoding does not allow further on is reported by
            # the piece holding it, with its position: failing the head over it left the layout unknown and
            # the object's later pieces unread, their rows dropped without a word.
            try:
                next(parse_csv(decode(head[:cut], opts.encoding, uri, errors="replace"), uri, opts, info), None)
            except ValueError:
                return None, first_line
            if info.layout is not None or info.fatal or final:
                return (None if info.fatal else info.layout), first_line
        n *= 4


def _line_object(uri: str, seq: int, scans: list[RangeScan], layout: Layout | None, first_line: bool,
                 opts: ParseOptions) -> LineObject | None:
    """The object as one Spark reads line by line, when its lines are exactly its records (after a
    header on line 1), its text is UTF-8 and Spark can open its name (`uris.spark_can_open`); else None
    (Python workers parse it)."""
    if (layout is None or not first_line or not opts.header or not is_utf8(opts.encoding)
            or not lines_are_records(scans) or not spark_can_open(uri)):
        return None
    before = [0]
    for scan in scans[:-1]:
        before.append(before[-1] + scan.newlines)
    lines = before[-1] + scans[-1].newlines + (0 if scans[-1].ends_lf else 1)
    return LineObject(uri, seq, layout, tuple(before), lines)


def _tasks(spark: SparkSession, opts: ParseOptions, objects: list[SourceObject], root: Path | None,
           size: int) -> tuple[list[tuple[Any, ...]], list[LineObject]]:
    """The read tasks of the run (``pieces.TASK_COLUMNS``), streamed objects first, and the objects
    Spark reads line by line (``lines``)."""
    by_lines: list[LineObject] = []
    streams: list[tuple[Any, ...]] = []
    pieces: list[tuple[Any, ...]] = []
    ranges: list[tuple[str, int, int, int]] = []
    order = {o.uri: i for i, o in enumerate(objects)}
    cuttable = opts.format != "csv" or ascii_compatible(opts.encoding)
    for i, o in enumerate(objects):
        if o.compression != "none" or not cuttable:
            streams.append((o.uri, "stream", 0, 0 if cuttable else -1, 0, o.compression, None, i))
        elif o.size <= size:
            pieces.append((o.uri, "piece", 0, o.size, 0, "none", None, i))
        else:
            ranges += [(o.uri, a, min(a + size, o.size), o.size) for a in range(0, o.size, size)]
    if ranges:
        scans: dict[str, list[RangeScan]] = {}
        slices = min(len(ranges), _SLICES_PER_CORE * spark.sparkContext.defaultParallelism)
        found = spark.sparkContext.parallelize(ranges, slices).map(_range_scanner(opts, root)).collect()
        for uri, scan in found:
            if isinstance(scan, str):
                raise DataError(f"{scan}; check that the object still exists", where=uri)
            scans.setdefault(uri, []).append(scan)
        heads: dict[str, tuple[Layout | None, bool]] = {uri: (None, False) for uri in scans}
        if opts.format == "csv":  # each object's head is a request on S3: _HEAD_READERS at once
            with ThreadPoolExecutor(max_workers=_HEAD_READERS) as pool:
                heads = dict(zip(scans, pool.map(lambda u: _layout(u, objects[order[u]].size, opts, root), scans),
                                 strict=True))
        for uri, got in scans.items():
            got.sort(key=lambda s: s.start)
            layout, first_line = heads[uri]
            line_object = _line_object(uri, order[uri], got, layout, first_line, opts)
            if line_object is not None:
                by_lines.append(line_object)
                continue
            text = json.dumps([list(layout.positions), layout.width, list(layout.names)]) if layout else None
            for piece in chain(got, objects[order[uri]].size):
                mode = "piece" if piece.start == 0 or opts.format != "csv" or layout else "skip"
                pieces.append((uri, mode, piece.start, piece.end, piece.line0, "none",
                               text if piece.start else None, order[uri]))
    assert len(TASK_COLUMNS) == len(_TASK_SCHEMA.split(","))
    return streams + sorted(pieces, key=lambda t: (t[7], t[2])), by_lines


_INFLATE_GUESS = 8
"""What a compressed byte is taken to inflate to when streams are spread over partitions: the demo's JSON
Lines events inflate 12.7x under gzip, the wide numeric CSV 2.7x, orders 3.8x. It spreads work only; a
stream is parsed in bounded blocks whatever it inflates to. (Deflate's hard bound, 1032:1, spread the
demo's 336 gzip objects of 2.6 KB over 28 partitions and its backfill took 34-39 s against 26-29 s with
8 partitions.)"""


SHORT_RUN_BYTES = DEFAULT_BLOCK_SIZE
"""A run estimated (``estimated_bytes``) to read less than this gets a quick-starting local JVM
(``session.QUICK_JIT``): below it, compiling less saves more than slower compiled code costs."""


def _inflated(stored: int, compression: str) -> int:
    return stored * (1 if compression == "none" else _INFLATE_GUESS)


def estimated_bytes(objects: Iterable[SourceObject]) -> int:
    """The text the objects are estimated to hold: a compressed object's stored size times ``_INFLATE_GUESS``."""
    return sum(_inflated(o.size, o.compression) for o in objects)


def partition_tasks(tasks: list[tuple[Any, ...]], size: int, spread: int,
                    stored: Mapping[str, int] | None = None) -> list[list[tuple[Any, ...]]]:
    """Read tasks grouped into Spark partitions, in their order. A task that weighs a quarter block or more
    gets a partition of its own; runs of lighter ones (small objects) share partitions of at most a block's
    weight, cut so that they spread over at least ``spread`` partitions when there are that many: a run of
    many small objects is a few Spark tasks, not one (and two Python tasks) per object.

    A range weighs its bytes. A stream weighs its stored size (``stored``, by URI) times ``_INFLATE_GUESS``,
    so a day of small gzip objects shares partitions; a stream of unknown stored size weighs a block."""
    stored = stored or {}

    def weight(t: tuple[Any, ...]) -> int:
        if t[1] != "stream":
            return int(t[3]) - int(t[2])
        n = stored.get(str(t[0]))
        return size if n is None else _inflated(n, str(t[5]))

    weights = [weight(t) for t in tasks]
    small = [w for w in weights if w * 4 < size]
    count = max(-(-sum(small) // size), min(len(small), spread), 1)
    target = max(-(-sum(small) // count), 1)
    groups: list[list[tuple[Any, ...]]] = []
    current: list[tuple[Any, ...]] = []
    held = 0
    for task, w in zip(tasks, weights, strict=True):
        if w * 4 >= size:
            if current:
                groups.append(current)
                current, held = [], 0
            groups.append([task])
            continue
        if current and held + w > target:
            groups.append(current)
            current, held = [], 0
        current.append(task)
        held += w
    if current:
        groups.append(current)
    return groups or [[]]


def _each(group: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return group


@dataclass
class TextRows:
    """The text rows of a run's objects and what the objects read line by line report once computed."""

    rows: DataFrame
    lines: LineRead
    columns: tuple[str, ...]

    def line_infos(self) -> list[dict[str, Any]]:
        """The ``_info`` records of the objects read line by line (without ``rows``: ``line_records``); call
        after the rows were computed."""
        return self.lines.infos(self.columns)

    def line_records(self) -> int:
        """The records of the objects read line by line; call after the rows were computed."""
        return self.lines.records()


def text_rows(spark: SparkSession, spec: Spec, objects: list[SourceObject], *, size: int | None = None) -> TextRows:
    """CSV or JSON Lines objects as text rows, lazily: one row per record plus one ``_info`` row per
    Python read task (``_info`` NULL on record rows; the objects Spark reads line by line report through
    ``TextRows.line_infos``). Only the range scans run here; the parse runs when the caller acts on the
    result, so the caller decides where it is cached (the Spark engine caches the checked rows instead).
    ``size`` is the block size (default ``block_size()``); the session must carry ``lines.split_conf(size)``
    when the rows are computed."""
    opts = parse_options(spec)
    root = lake_root()
    size = size or block_size()
    tasks, by_lines = _tasks(spark, opts, objects, root, size)
    lines, read = line_rows(spark, by_lines, opts, size)
    if not tasks and lines is not None:
        return TextRows(lines, read, opts.columns)
    sc = spark.sparkContext
    cores = sc.defaultParallelism
    if size >= _OWN_PARTITION_BYTES:
        groups = partition_tasks(tasks, size, _SLICES_PER_CORE * cores, {o.uri: o.size for o in objects})
        table = spark.createDataFrame(sc.parallelize(groups, len(groups)).flatMap(_each), _TASK_SCHEMA)
    else:  # forced tiny blocks (tests): every task is small; an even share per partition
        table = spark.createDataFrame(sc.parallelize(tasks, max(min(len(tasks), _SLICES_PER_CORE * cores), 1)),
                                      _TASK_SCHEMA)
    rows = table.mapInArrow(_task_runner(opts, root, size), _text_schema(len(opts.columns)))
    if len(tasks) < cores and lines is None:
        rows = rows.repartition(cores)
    return TextRows(rows if lines is None else rows.unionByName(lines), read, opts.columns)


def account_text(infos: list[dict[str, Any]], objects: list[SourceObject], more_rows: int = 0) -> SourceRead:
    """The read tasks' ``_info`` records as a ``SourceRead`` (with ``more_rows`` counted elsewhere: the
    objects read line by line report their records per scan, not per object); DataError for an object
    that could not be read or that was not read at all."""
    infos = sorted(infos, key=lambda i: (i.get("seq", 0), i.get("start", 0)))
    _raise_fatal(infos)
    seen = {i["uri"] for i in infos}
    lost = [o.uri for o in objects if o.uri not in seen]
    if lost:
        raise DataError(f"{len(lost)} object(s) of the manifest were not read, e.g. {lost[0]}; "
                        "check that they still exist", where=lost[0])
    extra: dict[str, dict[str, None]] = {}
    missing: dict[str, list[str]] = {}
    for i in infos:
        extra.setdefault(i["uri"], {}).update(dict.fromkeys(i["extra"]))
        if i["missing"]:
            missing[i["uri"]] = i["missing"]
    return SourceRead(
        rows_in=sum(i.get("rows", 0) for i in infos) + more_rows,
        extra_columns={u: list(e) for u, e in extra.items() if e},
        missing_columns=missing,
    )


def _raise_fatal(infos: list[dict[str, Any]]) -> None:
    fatal = [i for i in infos if i.get("fatal")]
    if fatal:
        uri = fatal[0]["uri"]
        first = fatal[0]["fatal"].removeprefix(f"{uri}: ")  # the error names the object once, as its ``where``
        more = f" (and {len(fatal) - 1} more)" if len(fatal) > 1 else ""
        raise DataError(f"{first}{more}", where=uri)


_FOOTER_READERS = 16
"""Footers read at once (S3 range requests)."""
_SPARK_SCHEMA_KEY = b"org.apache.spark.sql.parquet.row.metadata"


def _not_parquet(error: Exception, uri: str) -> DataError:
    return DataError(f"cannot read as Parquet ({str(error).splitlines()[0][:300]}); the object is not a "
                     "Parquet file or is truncated", where=uri)


def _footer_key(storage: Storage, fs: Any, obj: SourceObject) -> tuple[str, frozenset[str]]:
    """What decides the Spark schema of a Parquet object: its footer's Parquet schema and the Spark schema
    a Spark writer stored beside it. Read from the footer alone, through the storage's Arrow filesystem as
    the commit reads footers (``lambdas.commit.schema.parquet_signature``), without a Spark job (Spark's
    schema inference runs one per object: 75-110 ms each on 2 cores); and the top-level columns holding
    timestamps in nanoseconds, which Spark reads as longs (``session.SESSION_CONF``)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(storage.arrow_path(obj.uri), filesystem=fs)
    except Exception as e:
        raise _not_parquet(e, obj.uri) from None
    try:
        names = meta.schema.to_arrow_schema().names
    except Exception:  # noqa: BLE001 - a type Arrow cannot map; Spark's own read names the problem
        names = []
    problem = column_names_problem(names)
    if problem:
        raise DataError(problem, where=obj.uri)
    spark_schema = (meta.metadata or {}).get(_SPARK_SCHEMA_KEY, b"")
    text = str(meta.schema)  # the Parquet schema with its annotations, after a line naming the Python object
    leaves = (meta.schema.column(i) for i in range(len(meta.schema)))
    nanos = frozenset(c.path for c in leaves if "." not in c.path and c.physical_type == "INT64"
                      and _logical(c).get("timeUnit") == "nanoseconds")
    return text[text.index("\n") + 1:] + spark_schema.decode("utf-8", "replace"), nanos


def _spark_unreadable(storage: Storage, fs: Any, uri: str) -> list[str]:
    """The columns of a Parquet object, with their types, that Spark 3.5 refuses to read: TIME, and decimals
    of more than 38 digits."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_metadata(storage.arrow_path(uri), filesystem=fs).schema
    except Exception:  # noqa: BLE001 - the caller reports the object as unreadable
        return []
    out = []
    for i in range(len(schema)):
        col = schema.column(i)
        kind = _logical(col).get("Type")
        if kind == "Time" or (kind == "Decimal" and col.precision > 38):
            out.append(f"{col.path} ({col.logical_type})")
    return out


def _logical(column: Any) -> dict[str, Any]:
    """A Parquet leaf column's logical type as its fields (``{"Type": "Timestamp", "timeUnit": ...}``)."""
    return dict(json.loads(column.logical_type.to_json()))


def read_parquet_sources(spark: SparkSession, spec: Spec,
                         objects: list[SourceObject]) -> tuple[list[tuple[DataFrame, list[str]]], dict[str, list[str]]]:
    """Parquet objects grouped by identical schema: (rows, missing spec columns) per group, and the
    extra (unused) columns per object.

    Each group has ``_source_file``, ``_record`` (0-based row index in its file), ``_parse_error``
    (always NULL), ``_missing`` and one column per spec column (``raw_column(i)``) with the file's own
    type; a missing column is a NULL string.
    """
    from pyspark.sql import Column
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, BinaryType, MapType, StructType

    unreadable = [o.uri for o in objects if not spark_can_open(o.uri)]
    if unreadable:
        raise DataError(f"{len(unreadable)} Parquet object name(s) hold ':', which Spark's reader cannot open "
                        "(Hadoop paths); run this import on Lambda (--engine lambda) or rename the objects",
                        where=unreadable[0])
    storage = storage_for(lake_root())
    fs = storage.arrow_filesystem()
    with ThreadPoolExecutor(max_workers=_FOOTER_READERS) as pool:
        footers = list(pool.map(lambda o: _footer_key(storage, fs, o), objects))
    keys = [key for key, _ in footers]
    nanos = dict(footers)
    groups: dict[str, list[str]] = {}
    for o, key in zip(objects, keys, strict=True):
        groups.setdefault(key, []).append(o.uri)
    schemas: dict[str, Any] = {}
    for key, uris in groups.items():
        try:  # files of one footer schema have one Spark schema: Spark is asked once per group
            schemas[key] = spark.read.parquet(read_path(uris[0])).schema
        except Exception as e:
            unreadable = _spark_unreadable(storage, fs, uris[0])
            if unreadable:
                raise DataError(f"column(s) {', '.join(unreadable)}: Parquet types Spark cannot read, so the Glue "
                                "engine cannot read this object (even a column the spec does not use); convert "
                                "them upstream, or run this import on Lambda (--engine lambda)", where=uris[0]) from None
            raise _not_parquet(e, uris[0]) from None
    wanted = {c.source_name for c in spec.columns}
    unused = {key: [n for n in schema.fieldNames() if n not in wanted] for key, schema in schemas.items()}
    extra = {o.uri: unused[key] for o, key in zip(objects, keys, strict=True) if unused[key]}
    out: list[tuple[DataFrame, list[str]]] = []
    for key, uris in groups.items():
        names = set(schemas[key].fieldNames())
        df = spark.read.schema(schemas[key]).parquet(*[read_path(u) for u in uris])  # inferred once, above
        missing = [c.source_name for c in spec.columns if c.source_name not in names]
        # Only the spec's columns, beside the helpers, whose names no file column can take: a file's own "_p"
        # or "_uri" (even unused) made every reference to them ambiguous and failed the run.
        used = [ident(n) for n in dict.fromkeys(c.source_name for c in spec.columns) if n in names]
        # The file's metadata by the Dataset's own accessor: a file column named _metadata hides F.col("_metadata")
        meta = Column(df._jdf.metadataColumn("_metadata"))
        df = df.select(*used, meta.getField("file_path").alias(_PATH), meta.getField("row_index").alias(_ROW)).join(
            F.broadcast(_uri_table(spark, df.inputFiles(), uris)), _PATH, "left")
        source = F.coalesce(F.col(_URI), uri_column(F.col(_PATH)))
        # A binary column's bytes that are not UTF-8 (decoding them replaces what it cannot read): the row is
        # quarantined, as the Lambda engine does, instead of publishing bytes no string can hold.
        binary = [c.source_name for c in spec.columns if c.source_name in names
                  and isinstance(schemas[key][c.source_name].dataType, BinaryType)]

        def utf8(name: str) -> Column:  # decoding replaces what is not UTF-8, so encoding again differs
            b = F.col(ident(name))
            return F.encode(F.decode(b, "UTF-8"), "UTF-8") == b

        parse_error = F.lit(None).cast("string")
        for name in reversed(list(dict.fromkeys(binary))):
            parse_error = F.when(~utf8(name), F.lit(f"parse:invalid utf-8 in {name}")).otherwise(parse_error)
        cols = [source.alias("_source_file"), F.col(_ROW).cast("bigint").alias("_record"),
                parse_error.alias("_parse_error"),
                (F.array(*[F.lit(m) for m in missing]) if missing else F.lit(None).cast("array<string>")).alias("_missing")]
        for i, c in enumerate(spec.columns):
            if c.source_name in nanos[key]:  # a long of nanoseconds: microseconds, truncated toward zero as Arrow's cast
                cols.append(F.expr(f"timestamp_micros({ident(c.source_name)} div 1000)").alias(raw_column(i)))
            elif c.source_name in binary:  # NULL where not UTF-8: the quarantine row must not hold those bytes either
                cols.append(F.when(utf8(c.source_name), F.col(ident(c.source_name))).alias(raw_column(i)))
            elif c.source_name in names and isinstance(schemas[key][c.source_name].dataType, ArrayType | MapType | StructType):
                # JSON, as the Lambda engine writes a nested value (Spark's own text drops a struct's keys)
                nested = F.to_json(F.col(ident(c.source_name)), {"ignoreNullFields": "false"})
                cols.append(nested.alias(raw_column(i)))
            elif c.source_name in names:
                cols.append(F.col(ident(c.source_name)).alias(raw_column(i)))
            else:
                cols.append(F.lit(None).cast("string").alias(raw_column(i)))
        out.append((df.select(*cols), missing))
    return out, extra


_PATH, _ROW, _URI = "__lockgate_path", "__lockgate_row", "__lockgate_uri"
"""Helper columns of a Parquet read, named apart from any column a file may hold."""


def _uri_table(spark: SparkSession, listed: list[str], uris: list[str]) -> DataFrame:
    """(``_PATH``: a path as Spark's rows report it, ``_URI``: the object's URI) for the paths Spark listed
    for ``uris``: a broadcast join with it gives each row its object's URI without decoding the path on
    every row. A listed path that is none of ``uris`` fails the read (a key Spark took for a pattern)."""
    rows = [(form, uri) for path, uri in listed_uris(listed, uris) for form in path_forms(path)]
    return spark.createDataFrame(rows, f"{_PATH} string, {_URI} string")
