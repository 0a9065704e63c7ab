"""SQL rendering per dialect: identifiers, literals, types and the few functions whose spelling differs."""

from __future__ import annotations

from typing import Literal

from ..spec.metadata import METADATA_COLUMNS, QUARANTINE_COLUMNS
from ..spec.types import ColumnType, parse_type

__all__ = ["Dialect", "METADATA_COLUMNS", "QUARANTINE_COLUMNS", "WHITESPACE", "quote_ident", "literal", "sql_type",
           "derive_sql_type"]

Dialect = Literal["spark", "duckdb"]


WHITESPACE = " \t\r\n"
"""Trimmed from both ends of text before casting to any type but string."""


# ----------------------------------------------------------------------------------- SQL rendering


def quote_ident(name: str) -> str:
    """``name`` as a quoted identifier (backticks in Spark, double quotes in DuckDB)."""
    return '"' + name.replace('"', '""') + '"'


def _ident(name: str, dialect: Dialect) -> str:
    if dialect == "spark":
        return "`" + name.replace("`", "``") + "`"
    return quote_ident(name)


def literal(value: str, dialect: Dialect) -> str:
    """A string literal. Spark literals treat backslash as an escape; DuckDB literals do not."""
    if dialect == "spark":
        out = value.replace("\\", "\\\\").replace("'", "\\'")
        out = out.replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")
        return f"'{out}'"
    return "'" + value.replace("'", "''") + "'"


def sql_type(ct: ColumnType, dialect: Dialect) -> str:
    """The SQL type of a column type. Spark timestamps are TIMESTAMP_NTZ (UTC wall clock, no zone)."""
    return {
        "string": "STRING" if dialect == "spark" else "VARCHAR",
        "boolean": "BOOLEAN",
        "int": "INT",
        "bigint": "BIGINT",
        "float": "FLOAT",
        "double": "DOUBLE",
        "decimal": f"DECIMAL({ct.precision},{ct.scale})",
        "date": "DATE",
        "timestamp": "TIMESTAMP_NTZ" if dialect == "spark" else "TIMESTAMP",
    }[ct.name]


def derive_sql_type(glue_type: str, dialect: Dialect) -> str:
    """The SQL type of a derived column's type (``decimal(10,1)``, ``array<string>``). Spark derives keep
    ``TIMESTAMP`` (UTC session), as the other timestamps do until the writer stores them without a zone."""
    if glue_type.startswith("array<") and glue_type.endswith(">"):
        inner = derive_sql_type(glue_type[6:-1], dialect)
        return f"ARRAY<{inner}>" if dialect == "spark" else f"{inner}[]"
    ct = parse_type(glue_type)
    return "TIMESTAMP" if dialect == "spark" and ct.name == "timestamp" else sql_type(ct, dialect)


def _rlike(x: str, pattern: str, dialect: Dialect) -> str:
    if dialect == "spark":
        return f"({x} RLIKE {literal(pattern, dialect)})"
    return f"regexp_full_match({x}, {literal(pattern, dialect)})"


def _extract(x: str, pattern: str, group: int, dialect: Dialect) -> str:
    return f"regexp_extract({x}, {literal(pattern, dialect)}, {group})"


def _trim(x: str, dialect: Dialect) -> str:
    if dialect == "spark":
        return f"trim(BOTH {literal(WHITESPACE, dialect)} FROM {x})"
    return f"trim({x}, {literal(WHITESPACE, dialect)})"


def _try_cast(x: str, ct: ColumnType, dialect: Dialect) -> str:
    # Spark (non-ANSI) CAST already yields NULL on failure; TRY_CAST keeps it so under ANSI mode too.
    return f"TRY_CAST({x} AS {sql_type(ct, dialect)})"


def _micros(ts: str, dialect: Dialect) -> str:
    return f"unix_micros({ts})" if dialect == "spark" else f"epoch_us({ts})"


def _from_micros(us: str, dialect: Dialect) -> str:
    return f"timestamp_micros({us})" if dialect == "spark" else f"make_timestamp({us})"
