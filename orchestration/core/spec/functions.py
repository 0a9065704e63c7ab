"""Which functions a spec expression may call: an allow-list of those both engines run alike.

Spec expressions are Spark SQL; the Glue engine runs them natively and the Lambda engine runs the
sqlglot transpilation to DuckDB. A function is allowed only when Spark knows it, sqlglot translates it to
a DuckDB function of the same meaning, and it reads nothing but the row (no files, environment,
settings, clock or randomness). Everything else is refused at ``validate``: a function sqlglot does not
know (``frobnicate``, DuckDB's ``current_setting``, ``getenv``), one it knows but that reads files
(``read_csv``) or the session, and aggregates and window functions (expressions are per row).

The list is keyed by sqlglot's expression class (``nvl``, ``ifnull`` and ``coalesce`` are all
``Coalesce``) plus the few names sqlglot leaves as anonymous calls that both engines define. Adding a
function means adding it here and to the parity corpus (tests/parity) so both engines prove it.
"""

from __future__ import annotations

import difflib

from sqlglot import exp

__all__ = ["ALLOWED_FUNCTIONS", "function_problem", "written_name"]

# sqlglot class name -> the Spark spelling shown to users
ALLOWED_FUNCTIONS: dict[str, str] = {
    # conditionals and NULL handling
    "Case": "case", "If": "if", "Coalesce": "coalesce", "Nullif": "nullif", "Nvl2": "nvl2",
    "Greatest": "greatest", "Least": "least", "IsNan": "isnan",
    # casts
    "Cast": "cast", "TryCast": "try_cast",
    # text
    "Upper": "upper", "Lower": "lower", "Trim": "trim", "Length": "length", "Substring": "substr",
    "Concat": "concat", "ConcatWs": "concat_ws", "Replace": "replace", "Pad": "lpad", "Left": "left",
    "Right": "right", "Reverse": "reverse", "StrPosition": "instr", "StartsWith": "startswith",
    "EndsWith": "endswith", "Contains": "contains", "RegexpExtract": "regexp_extract",
    "RegexpReplace": "regexp_replace", "RegexpLike": "rlike", "Repeat": "repeat", "Translate": "translate",
    "MD5": "md5", "Ascii": "ascii", "Chr": "chr",
    # numbers
    "Abs": "abs", "Round": "round", "Floor": "floor", "Ceil": "ceil", "Sqrt": "sqrt", "Exp": "exp",
    "Ln": "ln", "Log": "log", "Pow": "pow", "Sign": "sign",
    # dates and times
    "Year": "year", "Month": "month", "Day": "day", "DayOfMonth": "dayofmonth", "DayOfWeek": "dayofweek",
    "DayOfYear": "dayofyear", "Hour": "hour", "Minute": "minute", "Second": "second", "Quarter": "quarter",
    "WeekOfYear": "weekofyear", "TsOrDsToDate": "to_date", "StrToTime": "to_timestamp",
    "TimeToStr": "date_format", "TimeStrToTime": "date_format",  # the cast sqlglot puts inside date_format
    "DateDiff": "datediff", "TsOrDsAdd": "date_add",
    "AddMonths": "add_months", "LastDay": "last_day", "TimestampTrunc": "date_trunc",
    "UnixDate": "unix_date", "DateFromUnixDate": "date_from_unix_date", "TimestampFromParts": "make_timestamp",
    # arrays and lambdas
    "Array": "array", "ArraySize": "size", "ArrayContains": "array_contains", "Transform": "transform",
    "ArrayFilter": "filter",
}
# functions sqlglot parses as anonymous calls that Spark and DuckDB both define with the same meaning
ALLOWED_ANONYMOUS: frozenset[str] = frozenset({"make_date"})

# why a well-known refused function is refused, for a message better than "unknown"
_REASONS: dict[str, str] = {
    "current_setting": "a DuckDB-only function reading engine settings (the Glue engine rejects it)",
    "getenv": "it reads the environment", "env": "it reads the environment",
    "read_csv": "it reads files", "read_csv_auto": "it reads files", "read_parquet": "it reads files",
    "read_json": "it reads files", "read_json_auto": "it reads files", "read_text": "it reads files",
    "read_blob": "it reads files", "glob": "it reads the file system", "parquet_scan": "it reads files",
    "reflect": "it runs JVM code", "java_method": "it runs JVM code", "try_reflect": "it runs JVM code",
    "input_file_name": "it reads the engine's file context (use the _source_file column)",
    "current_user": "it reads the session", "user": "it reads the session", "session_user": "it reads the session",
    "current_database": "it reads the session", "current_catalog": "it reads the session",
    "current_schema": "it reads the session", "version": "it reads the engine version",
    "current_date": "it reads the clock, so a re-run gives other rows",
    "current_timestamp": "it reads the clock, so a re-run gives other rows",
    "now": "it reads the clock, so a re-run gives other rows",
    "rand": "it is random, so a re-run gives other rows", "random": "it is random, so a re-run gives other rows",
    "randn": "it is random, so a re-run gives other rows", "uuid": "it is random, so a re-run gives other rows",
    "monotonically_increasing_id": "it depends on Spark's partitioning",
    "spark_partition_id": "it depends on Spark's partitioning",
}


def written_name(node: exp.Func) -> str:
    """The function name as users write it: the anonymous call's own name, else sqlglot's SQL name."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _known_names() -> list[str]:
    return sorted({*ALLOWED_FUNCTIONS.values(), *ALLOWED_ANONYMOUS, "nvl", "ifnull", "substring", "rpad",
                   "date_sub", "to_timestamp", "log10", "power", "char_length", "position", "trunc"})


def function_problem(node: exp.Func) -> str | None:
    """Why ``node`` may not appear in a spec expression, or None when both engines run it alike."""
    if isinstance(node, exp.Binary | exp.Unary | exp.Connector):
        return None  # operators (AND, OR, +, ...) are not calls
    if isinstance(node, exp.Anonymous):
        name = str(node.name).lower()
        if name in ALLOWED_ANONYMOUS:
            return None
    else:
        if type(node).__name__ in ALLOWED_FUNCTIONS:
            return None
        name = written_name(node)
    reason = _REASONS.get(name)
    if reason:
        return f"{name}() is not allowed in spec expressions: {reason}"
    if isinstance(node, exp.AggFunc):
        return f"{name}() is an aggregate; expressions are evaluated per row"
    close = difflib.get_close_matches(name, _known_names(), n=1)
    what = "an unknown function" if isinstance(node, exp.Anonymous) else "not a function both engines run alike"
    hint = f" (did you mean {close[0]}()?)" if close else ""
    return (f"{name}() is {what}{hint}; spec expressions may only call the functions listed in "
            "docs/spec-reference.md, section Expressions")
