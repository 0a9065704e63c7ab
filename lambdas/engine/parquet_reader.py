"""Parquet in record batches (``iter_batches``), so memory follows the batch size, not the file.

Columns whose Parquet type already is the target type are taken as they are (``typed``); any other
column is turned into text and cast by the same rules as CSV. ``_record`` is the 0-based row index.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from orchestration.core.errors import DataError
from orchestration.core.semantics.parquet import column_names_problem

from .chunks import Chunk, ObjectLayout, Reject, int_range

if TYPE_CHECKING:
    import pyarrow as pa

    from orchestration.core.spec.models import Spec
    from orchestration.core.spec.types import ColumnType
    from orchestration.core.storage import Storage

__all__ = ["ParquetReader", "matches_type"]


def matches_type(arrow_type: pa.DataType, ct: ColumnType) -> bool:
    """Whether a Parquet column of ``arrow_type`` already holds values of the column type."""
    import pyarrow as pa

    t = arrow_type
    return {
        "string": pa.types.is_string(t) or pa.types.is_large_string(t),
        "boolean": pa.types.is_boolean(t),
        "int": pa.types.is_int32(t),
        "bigint": pa.types.is_int64(t),
        "float": pa.types.is_float32(t),
        "double": pa.types.is_float64(t),
        "decimal": pa.types.is_decimal(t) and (t.precision, t.scale) == (ct.precision, ct.scale),
        "date": pa.types.is_date32(t),
        "timestamp": pa.types.is_timestamp(t) and t.unit == "us" and t.tz is None,
    }[ct.name]


class ParquetReader:
    """Reads one Parquet object as Chunks of the spec's source columns."""

    def __init__(self, storage: Storage, uri: str, spec: Spec, rows_per_chunk: int) -> None:
        self.storage = storage
        self.uri = uri
        self.rows_per_chunk = rows_per_chunk
        self.columns: dict[str, ColumnType] = {}
        for c in spec.columns:
            self.columns.setdefault(c.source_name, c.column_type)
        self.layout = ObjectLayout()
        self._file: Any = None
        self.stored_bytes: int | None = None
        """The object's size when it was opened (compared with the size its run planned)."""
        self.version: str | None = None
        """The object's version once every row was read (Arrow's file gives none: asked of the store then)."""

    def _open(self) -> Any:
        import pyarrow.parquet as pq

        fs = self.storage.arrow_filesystem()
        try:
            self._file = fs.open_input_file(self.storage.arrow_path(self.uri))
            self.stored_bytes = int(self._file.size())
            # INT96 (Hive's, Impala's and old Spark's timestamps) read as nanoseconds wraps outside 1677-2262:
            # 1500-01-01 came out as 2084-07-20 and 9999-12-31 as 1816, without a word. Microseconds hold them.
            return pq.ParquetFile(self._file, coerce_int96_timestamp_unit="us")
        except FileNotFoundError:
            from orchestration.core.storage import ObjectNotFoundError

            raise ObjectNotFoundError("no such object", where=self.uri) from None
        except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for a non-Parquet file
            raise DataError(f"not a readable Parquet file: {e}", where=self.uri) from None

    def chunks(self) -> Iterator[Chunk]:
        from orchestration.core.storage import ObjectNotFoundError

        try:
            yield from self._chunks()
        finally:
            if self._file is not None:
                self._file.close()
        # A rewrite of the same size changes only the version: asked once the rows are read (one HEAD on S3),
        # as the Glue job asks after its reads. An object deleted since is no change to what was read.
        try:
            self.version = self.storage.stat(self.uri).version
        except ObjectNotFoundError:
            self.version = None

    def _chunks(self) -> Iterator[Chunk]:
        import pyarrow as pa

        pf = self._open()
        schema = pf.schema_arrow
        names = schema.names
        problem = column_names_problem(names)
        if problem:
            raise DataError(problem, where=self.uri)
        present = [s for s in self.columns if s in names]
        self.layout.missing = {s for s in self.columns if s not in names}
        self.layout.extra = [n for n in names if n not in self.columns]
        self.layout.typed = {s for s in present if matches_type(schema.field(s).type, self.columns[s])
                             or _coercible(schema.field(s).type, self.columns[s])}
        if pf.metadata.num_rows == 0:
            return
        row = 0
        try:
            batches = pf.iter_batches(batch_size=self.rows_per_chunk, columns=present, use_threads=True)
            for batch in batches:
                arrays = []
                bad: dict[int, str] = {}  # row -> the first source column whose bytes are not UTF-8 text
                for s in present:
                    col = batch.column(s)
                    if s in self.layout.typed:
                        arrays.append(_coerce(col, self.columns[s]))
                    elif pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
                        text, invalid = _binary_text(col)
                        arrays.append(text)
                        for i in invalid:
                            bad.setdefault(i, s)
                    else:
                        arrays.append(_as_text(col, self.columns[s]))
                n = batch.num_rows
                arrays.append(int_range(row, n))
                table = pa.table(arrays, names=[*present, "_record"])
                rejects = []
                if bad:
                    keep = pa.array([i not in bad for i in range(n)])
                    rejects = [Reject(row + i, {}, f"parse:invalid utf-8 in {s}") for i, s in sorted(bad.items())]
                    table = table.filter(keep)
                row += n
                yield Chunk(table, rejects)
        except (OSError, pa.ArrowException) as e:
            raise DataError(f"cannot read Parquet data near row {row}: {e}", where=self.uri) from None


def _coercible(arrow_type: pa.DataType, ct: ColumnType) -> bool:
    """Types that hold the target's values in another physical form: any timestamp (unit, zone) for a
    timestamp (the UTC instant, fraction truncated to microseconds), date64 for a date, large strings."""
    import pyarrow as pa

    t = pa.types
    return ((ct.name == "timestamp" and t.is_timestamp(arrow_type))
            or (ct.name == "date" and t.is_date64(arrow_type))
            or (ct.name == "string" and t.is_large_string(arrow_type)))


def _coerce(col: Any, ct: ColumnType) -> Any:
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if ct.name == "timestamp" and pa.types.is_timestamp(t) and (t.unit != "us" or t.tz is not None):
        return _utc_micros(col)
    if ct.name == "date" and pa.types.is_date64(t):
        return pc.cast(col, pa.date32())
    if ct.name == "string" and pa.types.is_large_string(t):
        return pc.cast(col, pa.string())
    return col


def _as_text(col: Any, ct: ColumnType) -> Any:
    """The canonical text of each value: what Spark's ``CAST(x AS STRING)`` gives (the Glue engine casts
    so), JSON for nested values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if pa.types.is_boolean(t):
        return pc.if_else(col, "true", "false")
    if pa.types.is_floating(t):
        if ct.name in ("float", "double", "decimal"):  # only the value counts: pyarrow's text, Java's spellings
            text = pc.replace_substring_regex(pc.cast(col, pa.string()), r"^(-?)inf$", r"\1Infinity")
            return pc.replace_substring_regex(text, r"^-?nan$", "NaN")
        # Java's layout (1.0, 1.0E20, NaN, Infinity): the text a string column keeps, and why 1.0 is no int.
        return pa.array([None if v is None else java_float_text(v, single=pa.types.is_float32(t))
                         for v in col.to_pylist()], pa.string())
    if pa.types.is_timestamp(t):
        return _timestamp_text(col)
    if pa.types.is_nested(t):
        return pa.array([None if v is None else nested_json(v, t) for v in col.to_pylist()], pa.string())
    try:
        return pc.cast(col, pa.string())
    except pa.ArrowNotImplementedError:
        return pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())


def java_float_text(value: float, *, single: bool = False) -> str:
    """``value`` as Java's ``Double.toString`` (``Float.toString`` when ``single``) lays it out, which is what
    Spark's ``CAST(x AS STRING)`` gives: the shortest digits that read back as the same value, plain between
    1e-3 and 1e7 with at least one digit after the point, otherwise ``d.dddE<n>``. (Java 17, Glue 5's, gives
    longer digits for a few values such as 1e23 and the smallest subnormals; those texts differ.)"""
    import math
    import struct
    from decimal import Decimal

    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    digits = repr(value)
    if single:
        for p in range(1, 10):
            digits = f"{value:.{p}g}"
            if struct.unpack("f", struct.pack("f", float(digits)))[0] == value:
                break
    d = Decimal(digits).normalize()
    sign, figures, exponent = d.as_tuple()
    assert isinstance(exponent, int)
    if 1e-3 <= abs(value) < 1e7:
        text = format(d, "f")
        return text if "." in text else text + ".0"
    mantissa = "".join(map(str, figures))
    return f"{'-' if sign else ''}{mantissa[0]}.{mantissa[1:] or '0'}E{len(mantissa) + exponent - 1}"


def nested_json(value: Any, arrow_type: Any) -> str:
    """A struct, list or map value (``to_pylist``'s form) as Spark's ``to_json`` writes it with null fields
    kept, which the Glue engine uses for the same columns: floats as Java writes them (``1.0E20``; NaN and
    the infinities quoted), decimals as Java's ``BigDecimal`` (``1E-7``: Python's ``Decimal`` text is the
    same), timestamps to the millisecond (``2024-01-05T01:02:03.450``, ``Z`` after a zoned one; nanosecond
    ones as their number, as Spark reads them), dates and binary (base64) as strings, map keys as strings."""
    import base64
    import datetime as dt

    import pyarrow as pa

    t = arrow_type
    if value is None:
        return "null"
    if pa.types.is_struct(t):
        return "{" + ",".join(json.dumps(f.name, ensure_ascii=False) + ":" + nested_json(value.get(f.name), f.type)
                              for f in t) + "}"
    if pa.types.is_map(t):
        return "{" + ",".join(json.dumps(str(k), ensure_ascii=False) + ":" + nested_json(v, t.item_type)
                              for k, v in value) + "}"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
        return "[" + ",".join(nested_json(v, t.value_type) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if pa.types.is_floating(t):
        text = java_float_text(value, single=pa.types.is_float32(t))
        return text if value == value and abs(value) != float("inf") else json.dumps(text)
    if pa.types.is_timestamp(t):
        if t.unit == "ns":
            return str(pa.scalar(value, t).cast(pa.int64()).as_py())
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return json.dumps(value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}"
                          + ("Z" if t.tz is not None else ""))
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    if isinstance(value, bytes):
        return json.dumps(base64.b64encode(value).decode("ascii"))
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)  # integers, decimals


def _binary_text(col: Any) -> tuple[Any, list[int]]:
    """A binary column as text, and the rows whose bytes are not UTF-8 (quarantined: replacing their bytes
    would publish text the file does not hold; the Glue engine finds the same rows)."""
    import pyarrow as pa

    try:
        return col.cast(pa.string()), []  # Arrow checks the bytes in C++
    except pa.ArrowInvalid:
        pass
    values, invalid = [], []
    for i, v in enumerate(col.to_pylist()):
        try:
            values.append(None if v is None else v.decode("utf-8"))
        except UnicodeDecodeError:
            values.append(None)
            invalid.append(i)
    return pa.array(values, pa.string()), invalid


def _timestamp_text(col: Any) -> Any:
    """Spark's text of a timestamp: the UTC wall clock to the microsecond, trailing zeros of the fraction
    dropped (``2024-01-05 01:02:03.45``, ``2024-01-05 00:00:00``)."""
    import pyarrow.compute as pc

    text = pc.strftime(_utc_micros(col), format="%Y-%m-%d %H:%M:%S")
    return pc.replace_substring_regex(pc.replace_substring_regex(text, r"(\.\d*?)0+$", r"\1"), r"\.$", "")


def _utc_micros(col: Any) -> Any:
    """Timestamps of any unit and zone as the UTC wall clock in microseconds (nanoseconds truncated)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = col.type
    if t.tz is not None:
        col = pc.cast(col, pa.timestamp(t.unit, tz="UTC")).cast(pa.timestamp(t.unit))
    return pc.cast(col, pa.timestamp("us"), safe=False)
