"""Spec expressions (Spark SQL) as DuckDB SQL for the Lambda engine: sqlglot, imported on first use so
that modules which only read specs start fast."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["to_duckdb", "duckdb_problem"]


@lru_cache(maxsize=1024)
def to_duckdb(spark_sql: str) -> str:
    """One Spark SQL expression (or ``SELECT 1 ORDER BY`` list) as DuckDB SQL. Parsing functions that raise
    in DuckDB but return NULL in Spark (``to_timestamp``) become their ``try_`` forms, ``make_date`` of a
    day that does not exist is wrapped in DuckDB's ``TRY``; casts become TRY_CAST; timestamps stay
    zone-less (UTC instants, docs/semantics.md)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(spark_sql, read="spark")

    def soften(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.StrToTime):
            node.set("safe", True)
        if type(node) is exp.Cast:  # non-ANSI Spark casts give NULL on bad input, as TRY_CAST does
            return exp.TryCast(this=node.this, to=node.args["to"])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "make_date":
            return exp.Anonymous(this="TRY", expressions=[node.copy()])
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.TIMESTAMPTZ:
            return exp.DataType.build("TIMESTAMP")
        return node

    return tree.transform(soften).sql(dialect="duckdb")


def duckdb_problem(spark_sql: str) -> str | None:
    """Why the DuckDB form of an accepted expression would not parse in DuckDB, or None."""
    import sqlglot

    try:
        text = to_duckdb(spark_sql)
        sqlglot.parse_one(text, read="duckdb")
    except (sqlglot.errors.SqlglotError, ValueError) as e:
        return f"{spark_sql!r} cannot be translated for the Lambda engine (DuckDB): {e}"
    return None
