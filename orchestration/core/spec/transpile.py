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

    from .patterns import compile_pattern, format_pattern, parse_shape

    tree = sqlglot.parse_one(spark_sql, read=_spark_dialect())

    def soften(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.StrToTime):
            node.set("safe", True)
        if isinstance(node, exp.DayOfWeek):  # Spark counts Sunday as 1, DuckDB as 0
            return exp.Paren(this=exp.Add(this=node.copy(), expression=exp.Literal.number(1)))
        fmt = node.args.get("format")
        if isinstance(node, exp.TimeToStr) and isinstance(fmt, exp.Literal) and fmt.is_string:
            node.set("format", exp.Literal.string(format_pattern(fmt.this)))
        elif isinstance(node, exp.StrToTime | exp.TsOrDsToDate) and isinstance(fmt, exp.Literal) and fmt.is_string:
            # The text must have the shape Spark's parser takes (``parse_shape``): DuckDB's strptime also takes
            # one digit for MM and surrounding spaces. A 'Z' offset is +00:00 to DuckDB.
            pattern = compile_pattern(fmt.this)
            text = node.this
            shape = exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(parse_shape(fmt.this)))
            if pattern.zulu:
                node.set("this", exp.Anonymous(this="regexp_replace", expressions=[
                    text, exp.Literal.string("Z$"), exp.Literal.string("+00:00")]))
            node.set("format", exp.Literal.string(pattern.strftime))
            return exp.Case(ifs=[exp.If(this=shape, true=node)])
        if type(node) is exp.Cast:  # non-ANSI Spark casts give NULL on bad input, as TRY_CAST does
            return exp.TryCast(this=node.this, to=node.args["to"])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "make_date":
            return exp.Anonymous(this="TRY", expressions=[node.copy()])
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.TIMESTAMPTZ:
            return exp.DataType.build("TIMESTAMP")
        return node

    return tree.transform(soften).sql(dialect="duckdb")


@lru_cache(maxsize=1)
def _spark_dialect() -> type:
    """sqlglot's Spark dialect leaving datetime patterns as written, for ``to_duckdb`` to convert with
    Lockgate's own rules (``spec.patterns``). sqlglot's mapping left ``SSS``, ``LL``, ``L`` and the offset
    letters as text and kept the quotes of a quoted literal (``'T'``), so ``date_format`` wrote them and
    ``to_timestamp`` of such text was NULL on Lambda only; it read ``DDD`` as two days of the year."""
    from sqlglot.dialects.spark import Spark

    class LockgateSpark(Spark):
        TIME_MAPPING: dict[str, str] = {}  # patterns stay Spark's text; ``to_duckdb`` converts them itself

    return LockgateSpark


def duckdb_problem(spark_sql: str) -> str | None:
    """Why the DuckDB form of an accepted expression would not parse in DuckDB, or None."""
    import sqlglot

    try:
        text = to_duckdb(spark_sql)
        sqlglot.parse_one(text, read="duckdb")
    except (sqlglot.errors.SqlglotError, ValueError) as e:
        return f"{spark_sql!r} cannot be translated for the Lambda engine (DuckDB): {e}"
    return None
