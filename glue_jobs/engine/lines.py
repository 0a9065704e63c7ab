"""CSV objects whose lines are their records, read by Spark's own line reader instead of a Python worker.

Most large exports hold one record per line: no quoted field spans lines. For such an object (the range
scans prove it, ``boundaries.lines_are_records``) the JVM reads the lines in byte splits of a multiple of
the block size, splits each line at the delimiter, and only lines holding the quote character are
tokenized by a regular expression that follows ``csv.reader``'s rules (a quote opens a quoted field only at
a field's start, a doubled quote inside one is a quote, text after the closing quote is kept). No row
crosses into Python, which was the largest cost of reading a wide numeric object.

Line numbers stay exact and equal to the Python reader's: Spark cuts a file at multiples of
``spark.sql.files.maxPartitionBytes`` (``split_bytes``, a multiple of the block size) and, with
``openCostInBytes`` as large, gives every split its own task (``split_conf``). A split that starts at
byte ``s > 0`` skips the line holding ``s`` (the split before reads it whole), so its first line is line
``LF(0, s) + 2``; the scans counted the LFs before every block start. The row's position in its task comes
from ``monotonically_increasing_id`` evaluated right over the scan. The count and the sum of the line
numbers every object reports are checked against its line count (``LineObject.check``), so a split read
twice, lost, or numbered from the wrong base fails the run instead of misplacing a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orchestration.core.errors import AccountingError

from .lake import spark_path
from .textparse import Layout, ParseOptions

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, Observation, SparkSession

__all__ = ["LineObject", "LineRead", "line_rows", "split_conf", "split_bytes", "MIN_SPLIT_BYTES"]

_ROW_BITS = (1 << 33) - 1
"""``monotonically_increasing_id`` keeps the row's position within its task in its lower 33 bits."""

_SPLIT_META = '.$|()[{^?*+\\'


MIN_SPLIT_BYTES = 4 * 2**20
"""Spark's splits of an object read by lines are the smallest multiple of the block size at least this
large: a task per few bytes would cost more than its work (tests lower it to cut objects everywhere)."""


def split_bytes(block: int) -> int:
    """The size of Spark's splits for the block size ``block`` (the scans counted LFs at every multiple)."""
    return block * max(1, -(-MIN_SPLIT_BYTES // block))


def split_conf(block: int) -> dict[str, str]:
    """Session settings under which Spark cuts files at multiples of ``split_bytes(block)`` and reads each
    cut in a task of its own (the line numbering depends on both)."""
    size = split_bytes(block)
    return {"spark.sql.files.maxPartitionBytes": str(size), "spark.sql.files.openCostInBytes": str(size),
            # Spark 3.5 packs splits together again when a job has more than this many; never here.
            "spark.sql.files.maxPartitionNum": str(2**31 - 1)}


@dataclass(frozen=True)
class LineObject:
    """One object read line by line: the LFs before each block start and its physical line count."""

    uri: str
    seq: int
    layout: Layout
    before: tuple[int, ...]
    lines: int

    def check(self, seen: int, total: int) -> None:
        """Fail when the lines Spark read (``seen`` of them, their numbers adding up to ``total``) are not
        exactly the object's lines 1..n."""
        n = self.lines
        if seen != n or total != n * (n + 1) // 2:
            raise AccountingError(
                f"read {seen} lines numbered to a sum of {total}, but the object has {n} lines (sum "
                f"{n * (n + 1) // 2}); Spark did not read it in splits of split_bytes(), one task each", where=self.uri)


@dataclass
class LineRead:
    """The objects read line by line and, once the rows were computed, what each observed."""

    objects: list[tuple[LineObject, Observation]]

    def infos(self, columns: tuple[str, ...]) -> list[dict[str, Any]]:
        """One ``_info`` record per object (as a read task reports), after checking its line numbers."""
        out = []
        for obj, observation in self.objects:
            got = observation.get
            obj.check(int(got["lines"]), int(got["total"] or 0))
            names, wanted = obj.layout.names, set(columns)
            out.append({"uri": obj.uri, "seq": obj.seq, "start": 0, "extra": [n for n in names if n not in wanted],
                        "missing": _missing(obj.layout, columns), "fatal": None, "rows": int(got["records"])})
        return out


def _missing(layout: Layout, columns: tuple[str, ...]) -> list[str]:
    return [c for c, p in zip(columns, layout.positions, strict=True) if p is None]


def _hex(ch: str) -> str:
    return f"\\x{{{ord(ch):X}}}"


def _fields(value: Column, opts: ParseOptions) -> Column:
    """The fields of one line as ``csv.reader(strict=False, doublequote=True)`` reads them."""
    from pyspark.sql import functions as F

    d = opts.delimiter
    plain = F.split(value, d if d not in _SPLIT_META else "\\" + d, -1)
    if not opts.quote:
        return plain
    q, dx = _hex(opts.quote), _hex(d)
    # A quoted field (a doubled quote inside is a quote; the closing quote is not followed by another, and
    # text after it up to the delimiter is kept), a plain one, or an empty one.
    field = f"(?<=^|{dx})(?:{q}(?:[^{q}]|{q}{q})*{q}(?!{q})[^{dx}]*|[^{q}{dx}][^{dx}]*|)(?={dx}|$)"
    inner = f"^{q}((?:[^{q}]|{q}{q})*){q}(.*)$"
    keep = opts.quote if opts.quote not in "$\\" else "\\" + opts.quote

    def unquote(f: Column) -> Column:
        return F.when(f.startswith(opts.quote), F.concat(
            F.regexp_replace(F.regexp_extract(f, inner, 1), q + q, keep), F.regexp_extract(f, inner, 2))
        ).otherwise(f)

    quoted = F.transform(F.regexp_extract_all(value, F.lit(field), F.lit(0)), unquote)
    return F.when(F.instr(value, opts.quote) > 0, quoted).otherwise(plain)


def _object_rows(spark: SparkSession, obj: LineObject, opts: ParseOptions, block: int,
                 observation: Observation) -> DataFrame:
    from pyspark.sql import functions as F

    step = split_bytes(block) // block
    split = (F.col("_metadata.file_block_start") / F.lit(step * block)).cast("int")
    starts = obj.before[::step]  # LFs before each of Spark's splits
    first = F.element_at(F.array(*[F.lit(1 if k == 0 else b + 2) for k, b in enumerate(starts)]), split + 1)
    local = F.monotonically_increasing_id().bitwiseAND(F.lit(_ROW_BITS))
    lines = spark.read.text(spark_path(obj.uri)).select("value", (first + local).cast("bigint").alias("_record"))
    record = (F.col("_record") > 1) & (F.col("value") != "")
    lines = lines.observe(observation, F.count(F.lit(1)).alias("lines"), F.sum("_record").alias("total"),
                          F.count_if(record).alias("records"))
    parts = lines.where(record).select(_fields(F.col("value"), opts).alias("p"), "_record")
    width = obj.layout.width
    count = F.size("p")
    missing = _missing(obj.layout, opts.columns)
    cols = [
        F.lit(obj.uri).alias("_source_file"), F.col("_record"),
        F.when(count != width, F.concat(F.lit("parse:field count "), count.cast("string"),
                                        F.lit(f", expected {width}"))).alias("_parse_error"),
        (F.array(*[F.lit(m) for m in missing]) if missing else F.lit(None).cast("array<string>")).alias("_missing"),
        F.lit(None).cast("string").alias("_info"),
    ]
    for i, p in enumerate(obj.layout.positions):
        value = F.lit(None).cast("string") if p is None else F.get(F.col("p"), p)
        cols.append(value.alias(f"_raw_{i}"))
    return parts.select(*cols)


def line_rows(spark: SparkSession, objects: list[LineObject], opts: ParseOptions,
              block: int) -> tuple[DataFrame | None, LineRead]:
    """The text rows (``readers`` schema, no ``_info`` rows) of objects read line by line, lazily; the
    session must carry ``split_conf(block)`` when they are computed."""
    from pyspark.sql import Observation

    read = LineRead([])
    frames = []
    for obj in objects:
        observation = Observation()
        frames.append(_object_rows(spark, obj, opts, block, observation))
        read.objects.append((obj, observation))
    if not frames:
        return None, read
    rows = frames[0]
    for f in frames[1:]:
        rows = rows.unionByName(f)
    return rows, read
