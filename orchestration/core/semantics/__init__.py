"""docs/semantics.md as data: the casts and rules both engines run, in Spark SQL and in DuckDB SQL.

One definition per rule, rendered per dialect: the Glue engine runs the ``spark`` text natively, the
Lambda engine runs the ``duckdb`` text over Arrow batches. Casts never fail a query: a value that does
not cast is NULL, and the rule ``cast:COL`` says why. Spec expressions (checks, derive, filter, dedupe
order) are written in Spark SQL and transpiled with ``to_duckdb`` (sqlglot, cached).

The building blocks, all over a relation whose columns are the *source* names holding raw text (or,
for Parquet, values whose type already matches the target, listed in ``typed``):

- ``cast_sql(column, raw, dialect)``: the typed value of one column, NULL when the text is NULL-like or
  does not cast;
- ``validation_sql(...)``: one SELECT giving every target column typed plus ``_ok`` (all rules pass);
  with ``clean=`` (DuckDB), columns whose text has none of ``cast_breakers(column)`` take one cast; in
  Spark each row's numeric text is tested once per type family (``casts.spark_chars_sql``) and a row
  made of the plain characters alone takes one parse per value;
- ``errors_sql(...)``: one SELECT for the rejected rows: the raw values as text plus ``_errors`` (every
  failed rule name, in column order then rule order);
- ``spark_pattern_to_strftime``/``spark_pattern_regex``: Spark datetime patterns for DuckDB;
- ``jsontext.decode_record``: one JSON Lines record as the text of each column (both engines' readers).

Kept light: sqlglot only (no pyarrow, no DuckDB); it ships in every Lambda package and the Glue job.
"""

from ..spec.patterns import spark_pattern_regex, spark_pattern_to_strftime
from .casts import FLOAT_MAX, ISO_TIMESTAMP_REGEX, cast_breakers, cast_sql, null_sql
from .expressions import dedupe_order_sql, derive_columns, derive_sql, filter_sql, to_duckdb
from .rules import RuleSet, errors_sql, output_schema, quarantine_schema, rule_names, validation_sql
from .sql import (
    METADATA_COLUMNS,
    QUARANTINE_COLUMNS,
    WHITESPACE,
    Dialect,
    derive_sql_type,
    literal,
    quote_ident,
    sql_type,
)

__all__ = [
    "Dialect", "METADATA_COLUMNS", "QUARANTINE_COLUMNS", "quarantine_schema", "output_schema",
    "cast_sql", "cast_breakers", "null_sql", "validation_sql", "errors_sql", "rule_names", "to_duckdb", "sql_type",
    "spark_pattern_to_strftime", "spark_pattern_regex", "quote_ident", "literal", "RuleSet",
    "derive_sql", "derive_columns", "derive_sql_type", "filter_sql", "dedupe_order_sql", "ISO_TIMESTAMP_REGEX", "WHITESPACE", "FLOAT_MAX",
]
