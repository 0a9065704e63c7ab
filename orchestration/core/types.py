"""Glue Data Catalog column types: from Arrow (what the crawler reads in Parquet footers), from the
spec (what the table should have), and to DuckDB (what the local Athena stand-in casts to).

pyarrow is imported on first use only, so the Lambda handlers that never map Arrow types start fast.

Glue type strings are Hive DDL: ``bigint int smallint tinyint double float decimal(p,s) string
boolean date timestamp binary array<T> struct<name:T,...> map<K,V>``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["arrow_to_glue", "spark_to_glue", "glue_to_duckdb", "split_top_level", "is_widening"]


@cache
def _arrow_scalars() -> dict[pa.DataType, str]:
    import pyarrow as pa

    return {
        pa.int8(): "tinyint", pa.int16(): "smallint", pa.int32(): "int", pa.int64(): "bigint",
        pa.uint8(): "smallint", pa.uint16(): "int", pa.uint32(): "bigint", pa.uint64(): "bigint",
        pa.float16(): "float", pa.float32(): "float", pa.float64(): "double",
        pa.bool_(): "boolean", pa.string(): "string", pa.large_string(): "string", pa.utf8(): "string",
        pa.binary(): "binary", pa.large_binary(): "binary", pa.date32(): "date", pa.date64(): "date",
        pa.null(): "string",
    }


_DUCKDB_SCALARS = {
    "tinyint": "TINYINT", "smallint": "SMALLINT", "int": "INTEGER", "integer": "INTEGER",
    "bigint": "BIGINT", "float": "FLOAT", "real": "FLOAT", "double": "DOUBLE", "string": "VARCHAR",
    "varchar": "VARCHAR", "char": "VARCHAR", "boolean": "BOOLEAN", "date": "DATE",
    "timestamp": "TIMESTAMP", "binary": "BLOB",
}

# (from, to) pairs a reader can widen without losing values; anything else is a breaking retype.
_WIDENINGS = {
    ("tinyint", "smallint"), ("tinyint", "int"), ("tinyint", "bigint"), ("smallint", "int"),
    ("smallint", "bigint"), ("int", "bigint"), ("float", "double"), ("int", "double"),
    ("date", "timestamp"),
}


def arrow_to_glue(dtype: pa.DataType) -> str:
    """The Glue type a crawler records for an Arrow (Parquet) type: the one mapping the crawlers, commit
    and the hook checks share."""
    import pyarrow as pa

    scalars = _arrow_scalars()
    if dtype in scalars:
        return scalars[dtype]
    if pa.types.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"
    if pa.types.is_timestamp(dtype):
        return "timestamp"
    if pa.types.is_time(dtype):
        return "string"
    if pa.types.is_dictionary(dtype):
        return arrow_to_glue(dtype.value_type)
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype) or pa.types.is_fixed_size_list(dtype):
        return f"array<{arrow_to_glue(dtype.value_type)}>"
    if pa.types.is_map(dtype):
        return f"map<{arrow_to_glue(dtype.key_type)},{arrow_to_glue(dtype.item_type)}>"
    if pa.types.is_struct(dtype):
        fields = ",".join(f"{dtype.field(i).name}:{arrow_to_glue(dtype.field(i).type)}"
                          for i in range(dtype.num_fields))
        return f"struct<{fields}>"
    if pa.types.is_fixed_size_binary(dtype):
        return "binary"
    return "string"


def spark_to_glue(simple_string: str) -> str:
    """The Glue type of a Spark type, given its ``DataType.simpleString()`` (``int``, ``decimal(10,1)``,
    ``array<string>``, ``struct<a:int>``): Spark already speaks Hive DDL, except that both of its
    timestamps are one Glue ``timestamp``."""
    return re.sub(r"\btimestamp_ntz\b", "timestamp", simple_string.lower())


def split_top_level(text: str) -> list[str]:
    """Split ``a,b<c,d>,e`` on the commas that are not nested inside ``<>`` or ``()``."""
    parts: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch in "<(":
            depth += 1
        elif ch in ">)":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def glue_to_duckdb(glue_type: str) -> str:
    """The DuckDB type for a Glue type string; raises ValueError naming an unknown type."""
    t = glue_type.strip()
    low = t.lower()
    if low in _DUCKDB_SCALARS:
        return _DUCKDB_SCALARS[low]
    if low.startswith("decimal"):
        return low.upper()
    if low.startswith(("varchar(", "char(")):
        return "VARCHAR"
    if low.startswith("array<") and low.endswith(">"):
        return glue_to_duckdb(t[6:-1]) + "[]"
    if low.startswith("map<") and low.endswith(">"):
        key, value = split_top_level(t[4:-1])
        return f"MAP({glue_to_duckdb(key)}, {glue_to_duckdb(value)})"
    if low.startswith("struct<") and low.endswith(">"):
        fields = []
        for part in split_top_level(t[7:-1]):
            name, _, ftype = part.partition(":")
            fields.append(f'"{name.strip()}" {glue_to_duckdb(ftype)}')
        return f"STRUCT({', '.join(fields)})"
    raise ValueError(f"unknown Glue type {glue_type!r}; expected a Hive type such as bigint, string, "
                     "decimal(12,2), array<string>")


def is_widening(old: str, new: str) -> bool:
    """True when values of Glue type ``old`` fit ``new`` unchanged (int -> bigint, float -> double,
    decimal(p,s) -> decimal(p',s) with p' >= p)."""
    old, new = old.lower().replace(" ", ""), new.lower().replace(" ", "")
    if (old, new) in _WIDENINGS:
        return True
    if old.startswith("decimal(") and new.startswith("decimal("):
        p1, s1 = (int(x) for x in old[8:-1].split(","))
        p2, s2 = (int(x) for x in new[8:-1].split(","))
        return s2 >= s1 and p2 - s2 >= p1 - s1
    return False
