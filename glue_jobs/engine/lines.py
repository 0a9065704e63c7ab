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
from ``monotonically_increasing_id`` evaluated right over the scan.

All objects of one header layout are one scan (``read.text`` of their paths), so a year of daily exports is
one DataFrame to build and plan, not 365. Each line finds its split's first line and its object's URI in
a broadcast table of every planned split, keyed by the file path and split start Spark reports. The scan
observes its line count, the sum of its line numbers and the lines of splits the table does not hold;
they are checked against the objects' line counts, so a split read twice, lost, or numbered from the wrong
base fails the run instead of misplacing a row (when they disagree, the lines are counted again per
object to name the one that is wrong: ``LineObject.check``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orchestration.core.errors import AccountingError

from .lake import listed_uris, path_forms, read_path, uri_column
from .textparse import Layout, ParseOptions

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, Observation, SparkSession

__all__ = ["LineObject", "LineGroup", "LineRead", "line_rows", "split_conf", "split_bytes", "MIN_SPLIT_BYTES",
           "OWN_SCAN_BYTES", "OWN_SCANS"]

_ROW_BITS = (1 << 33) - 1
"""``monotonically_increasing_id`` keeps the row's position within its task in its lower 33 bits."""

_WRAP = 1 << 64
"""Spark's sum of longs wraps; the line-number sums are compared modulo this."""

_SPLIT_META = '.$|()[{^?*+\\'


MIN_SPLIT_BYTES = 4 * 2**20
"""Spark's splits of an object read by lines are the smallest multiple of the block size at least this
large: a task per few bytes would cost more than its work (tests lower it to cut objects everywhere)."""


OWN_SCAN_BYTES = 128 * 2**20
"""The largest objects of a run (``OWN_SCANS`` at most), when at least this large, are scans of their own,
numbered without a lookup: looking up every line's file path cost 10-15% (one 2.5 GB object, 16 million
lines: 248-261 s against 229 s), building and planning a scan 0.1-0.45 s. Past ``OWN_SCANS`` objects the
planning, paid on the driver one object after another, would cost more than the lookups spread over the
executors."""
OWN_SCANS = 8


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
class LineGroup:
    """Objects of one header layout, read by one scan; what the scan observed once it was computed."""

    objects: list[LineObject]
    observation: Observation
    numbered: DataFrame
    """Every line of the scan with its object (``_obj``, None for a split the run did not plan) and line
    number: what the check reads again, only when the observed sums are wrong, to name the object."""
    records: int | None = None
    """Set by ``check``."""

    def check(self) -> int:
        """The group's record count, after checking that the lines Spark read are exactly each object's
        lines 1..n, once each (the counts and sums of all objects together; when they disagree, an
        ``AccountingError`` names an object whose own lines are wrong)."""
        if self.records is not None:
            return self.records
        got = self.observation.get
        lines = sum(o.lines for o in self.objects)
        total = sum(o.lines * (o.lines + 1) // 2 for o in self.objects)
        if (int(got["lines"]), int(got["unplanned"]), int(got["total"] or 0) % _WRAP) == (lines, 0, total % _WRAP):
            self.records = int(got["records"])
            return self.records
        from pyspark.sql import functions as F

        per = {r["_obj"]: (int(r["n"]), int(r["s"] or 0)) for r in self.numbered.groupBy("_obj").agg(
            F.count(F.lit(1)).alias("n"), F.sum("_record").alias("s")).collect()}
        for k, obj in enumerate(self.objects):
            obj.check(*per.get(k, (0, 0)))
        raise AccountingError(f"read {got['lines']} lines, {got['unplanned']} of them in splits the run did not "
                              f"plan, but the objects have {lines}; Spark did not read them in splits of "
                              "split_bytes(), one task each", where=self.objects[0].uri)


@dataclass
class LineRead:
    """The objects read line by line, by one scan per header layout (``groups``)."""

    objects: list[LineObject]
    groups: list[LineGroup]

    def infos(self, columns: tuple[str, ...]) -> list[dict[str, Any]]:
        """One ``_info`` record per object (as a read task reports, without rows: see ``records``), after
        checking every group's line numbers."""
        for group in self.groups:
            group.check()
        return [{"uri": obj.uri, "seq": obj.seq, "start": 0, "fatal": None,
                 "extra": [n for n in obj.layout.names if n not in set(columns)],
                 "missing": _missing(obj.layout, columns)} for obj in self.objects]

    def records(self) -> int:
        """The records the objects hold (checked once per group, by whichever of this and ``infos`` comes first)."""
        return sum(group.check() for group in self.groups)


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


def _group_rows(spark: SparkSession, objects: list[LineObject], opts: ParseOptions,
                block: int) -> tuple[LineGroup, DataFrame]:
    """One ``read.text`` over objects of one layout. Each line's number is its split's first line (looked
    up by the split's file and start in a broadcast table of every planned split; for a scan of one object,
    by the split's index) plus its position in its task; ``_source_file`` is the object's URI from the same
    table. The table is keyed by the forms of the paths Spark listed (``lake.path_forms``); a line whose path
    has another form is looked up again by its URI, decoded from the path on that row only
    (``lake.uri_column``)."""
    from pyspark.sql import functions as F

    size = split_bytes(block)
    step = size // block
    scan = spark.read.text([read_path(o.uri) for o in objects])
    local = F.monotonically_increasing_id().bitwiseAND(F.lit(_ROW_BITS))
    if len(objects) == 1:  # no lookup: the split's first line by its index, the URI a literal
        obj = objects[0]
        nth = (F.col("_metadata.file_block_start") / F.lit(size)).cast("int")
        first = F.element_at(F.array(*[F.lit(1 if n == 0 else b + 2) for n, b in enumerate(obj.before[::step])]),
                             nth + 1)  # NULL for a split past the planned ones: counted as unplanned
        numbered = scan.select("value", F.when(first.isNotNull(), F.lit(0)).alias("_obj"),
                               F.lit(obj.uri).alias("_source_file"), (first + local).alias("_record"))
        return _finish(objects, opts, numbered)
    index = {o.uri: k for k, o in enumerate(objects)}
    splits, by_uri = [], []
    for path, uri in listed_uris(scan.inputFiles(), list(index)):
        k = index[uri]
        obj = objects[k]
        for n, before in enumerate(obj.before[::step]):  # LFs before each of Spark's splits
            split = (n * size, 1 if n == 0 else before + 2, k, obj.uri)
            splits += [(form, *split) for form in path_forms(path)]
            by_uri.append((obj.uri, *split))
    planned = spark.createDataFrame(splits, "_p string, _s bigint, _first bigint, _obj int, _source_file string")
    again = spark.createDataFrame(by_uri, "_u string, _us bigint, _ufirst bigint, _uobj int, _usource_file string")
    lines = scan.select("value", F.col("_metadata.file_path").alias("_p"), F.col("_metadata.file_block_start").alias("_s"),
                        local.alias("_local"))
    found = lines.join(F.broadcast(planned), ["_p", "_s"], "left")
    found = found.withColumns({"_u": F.when(F.col("_first").isNull(), uri_column(F.col("_p"))), "_us": F.col("_s")})
    found = found.join(F.broadcast(again), ["_u", "_us"], "left")
    numbered = found.select(
        "value", F.coalesce("_obj", "_uobj").alias("_obj"), F.coalesce("_source_file", "_usource_file").alias(
            "_source_file"), (F.coalesce("_first", "_ufirst") + F.col("_local")).alias("_record"))
    return _finish(objects, opts, numbered)


def _finish(objects: list[LineObject], opts: ParseOptions, numbered: DataFrame) -> tuple[LineGroup, DataFrame]:
    """The observed checks and the text rows over numbered lines (``value``, ``_obj``, ``_source_file``,
    ``_record``)."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    observation = Observation()
    # A line of a split the table does not hold has no number; it stays a row (the check fails the run).
    record = F.coalesce(F.col("_record") > 1, F.lit(True)) & (F.col("value") != "")
    observed = numbered.observe(
        observation, F.count(F.lit(1)).alias("lines"), F.count_if(F.col("_obj").isNull()).alias("unplanned"),
        F.sum("_record").alias("total"), F.count_if(record).alias("records"))
    parts = observed.where(record).select(_fields(F.col("value"), opts).alias("p"), "_source_file", "_record")
    layout = objects[0].layout
    width = layout.width
    count = F.size("p")
    missing = _missing(layout, opts.columns)
    cols = [
        F.col("_source_file"), F.col("_record"),
        F.when(count != width, F.concat(F.lit("parse:field count "), count.cast("string"),
                                        F.lit(f", expected {width}"))).alias("_parse_error"),
        (F.array(*[F.lit(m) for m in missing]) if missing else F.lit(None).cast("array<string>")).alias("_missing"),
        F.lit(None).cast("string").alias("_info"),
    ]
    for i, p in enumerate(layout.positions):
        value = F.lit(None).cast("string") if p is None else F.get(F.col("p"), p)
        cols.append(value.alias(f"_raw_{i}"))
    return LineGroup(objects, observation, numbered), parts.select(*cols)


def line_rows(spark: SparkSession, objects: list[LineObject], opts: ParseOptions,
              block: int) -> tuple[DataFrame | None, LineRead]:
    """The text rows (``readers`` schema, no ``_info`` rows) of objects read line by line, lazily: one scan
    per header layout, not a DataFrame per object (whose building and planning cost 0.1-0.45 s each: 256
    objects took 118 s). The session must carry ``split_conf(block)`` when they are computed."""
    size = {k: len(obj.before) * block for k, obj in enumerate(objects)}  # to within a block
    own = set(sorted((k for k in size if size[k] >= OWN_SCAN_BYTES), key=lambda k: -size[k])[:OWN_SCANS])
    layouts: dict[Layout | int, list[LineObject]] = {}
    for k, obj in enumerate(objects):
        layouts.setdefault(k if k in own else obj.layout, []).append(obj)
    read = LineRead(list(objects), [])
    rows: DataFrame | None = None
    for group in layouts.values():
        found, frame = _group_rows(spark, group, opts, block)
        read.groups.append(found)
        rows = frame if rows is None else rows.unionByName(frame)
    return rows, read
