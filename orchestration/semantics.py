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
- ``errors_sql(...)``: one SELECT for the rejected rows: the raw values as text plus ``_errors`` (every
  failed rule name, in column order then rule order);
- ``spark_pattern_to_strftime``/``spark_pattern_regex``: Spark datetime patterns for DuckDB.

Kept light: sqlglot only (no pyarrow, no DuckDB); it ships in every Lambda package and the Glue job.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from .errors import SpecError
from .spec.models import Column, Spec
from .spec.types import ColumnType

__all__ = [
    "Dialect", "METADATA_COLUMNS", "QUARANTINE_COLUMNS", "quarantine_schema", "output_schema",
    "cast_sql", "null_sql", "validation_sql", "errors_sql", "rule_names", "to_duckdb", "sql_type",
    "spark_pattern_to_strftime", "spark_pattern_regex", "quote_ident", "literal", "RuleSet",
    "derive_sql", "filter_sql", "dedupe_order_sql", "ISO_TIMESTAMP_REGEX", "WHITESPACE",
]

Dialect = Literal["spark", "duckdb"]

METADATA_COLUMNS: tuple[str, ...] = ("_source_file", "_record", "_run_id", "_ingested_at")
"""Added to every output row, in this order, after the spec's and derived columns."""
QUARANTINE_COLUMNS: tuple[str, ...] = ("_source_file", "_record", "_run_id", "_errors")
"""Follow the source columns (all text) in every quarantine row."""

WHITESPACE = " \t\r\n"
"""Trimmed from both ends of text before casting to any type but string."""

FLOAT_MAX = "3.4028235e38"
_NUMBER_RE = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"
_INT_RE = "^[+-]?[0-9]+$"
_DECIMAL_RE = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)$"
ISO_TIMESTAMP_REGEX = (
    "^([0-9]{4}-[0-9]{2}-[0-9]{2})"
    "([ T]([0-9]{2}):([0-9]{2})(:([0-9]{2})([.]([0-9]+))?)?)?"
    "(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
"""``yyyy-MM-dd[( |T)HH:mm[:ss[.fraction]]][Z|±HH:MM]``; groups: 1 date, 3 hour, 4 minute, 6 second,
8 fraction, 9 offset."""
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")


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


# ------------------------------------------------------------------------- Spark datetime patterns

_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.S)
# letter run -> (strftime, regex); None strftime for fraction handled separately
_PATTERNS: dict[str, tuple[str, str]] = {
    "yyyy": ("%Y", "[0-9]{4}"), "y": ("%Y", "[0-9]{4}"), "yy": ("%y", "[0-9]{2}"),
    "uuuu": ("%Y", "[0-9]{4}"),
    "MM": ("%m", "[0-9]{2}"), "M": ("%m", "[0-9]{1,2}"), "MMM": ("%b", "[A-Za-z]{3}"),
    "MMMM": ("%B", "[A-Za-z]{3,9}"), "LL": ("%m", "[0-9]{2}"), "L": ("%m", "[0-9]{1,2}"),
    "dd": ("%d", "[0-9]{2}"), "d": ("%d", "[0-9]{1,2}"), "DDD": ("%j", "[0-9]{3}"),
    "HH": ("%H", "[0-9]{2}"), "H": ("%H", "[0-9]{1,2}"),
    "hh": ("%I", "[0-9]{2}"), "h": ("%I", "[0-9]{1,2}"),
    "mm": ("%M", "[0-9]{2}"), "m": ("%M", "[0-9]{1,2}"),
    "ss": ("%S", "[0-9]{2}"), "s": ("%S", "[0-9]{1,2}"),
    "SSS": ("%g", "[0-9]{3}"), "SSSSSS": ("%f", "[0-9]{6}"), "SSSSSSSSS": ("%n", "[0-9]{9}"),
    "a": ("%p", "[AaPp][Mm]"),
    "E": ("%a", "[A-Za-z]{3}"), "EEE": ("%a", "[A-Za-z]{3}"), "EEEE": ("%A", "[A-Za-z]{6,9}"),
    "XXX": ("%z", "(Z|[+-][0-9]{2}:[0-9]{2})"), "xxx": ("%z", "[+-][0-9]{2}:[0-9]{2}"),
    "XX": ("%z", "(Z|[+-][0-9]{4})"), "xx": ("%z", "[+-][0-9]{4}"),
    "Z": ("%z", "[+-][0-9]{4}"), "X": ("%z", "(Z|[+-][0-9]{2}([0-9]{2})?)"),
}
_OFFSET_LETTERS = ("X", "x", "Z")


@dataclass(frozen=True)
class _Pattern:
    strftime: str
    regex: str
    has_offset: bool
    zulu: bool  # 'Z' text may stand for +00:00


@lru_cache(maxsize=256)
def _compile_pattern(pattern: str) -> _Pattern:
    fmt: list[str] = []
    rx: list[str] = []
    has_offset = zulu = False
    for m in _TOKEN.finditer(pattern):
        tok = m.group(0)
        if tok.startswith("'"):
            text = "'" if tok == "''" else tok[1:-1].replace("''", "'")
            fmt.append(text.replace("%", "%%"))
            rx.append(re.escape(text).replace("\\ ", " "))
        elif m.group(1):
            if tok not in _PATTERNS:
                raise SpecError(
                    f"datetime pattern {pattern!r}: {tok!r} is not supported; use yyyy MM dd HH mm ss SSS "
                    "SSSSSS a E MMM XXX and quoted literals such as 'T'"
                )
            f, r = _PATTERNS[tok]
            fmt.append(f)
            rx.append(r)
            if tok[0] in _OFFSET_LETTERS:
                has_offset = True
                zulu = zulu or tok[0] == "X"
        elif tok in "[]{}#":
            raise SpecError(f"datetime pattern {pattern!r}: optional sections and {tok!r} are not supported")
        else:
            fmt.append(tok.replace("%", "%%"))
            rx.append(re.escape(tok).replace("\\ ", " ").replace("\\-", "-").replace("\\:", ":"))
    return _Pattern("".join(fmt), "^" + "".join(rx) + "$", has_offset, zulu)


def spark_pattern_to_strftime(pattern: str) -> str:
    """A Spark datetime pattern (``yyyy-MM-dd'T'HH:mm:ss``) as a strftime format (``%Y-%m-%dT%H:%M:%S``);
    SpecError for letters Lockgate does not support."""
    return _compile_pattern(pattern).strftime


def spark_pattern_regex(pattern: str) -> str:
    """The exact shape text must have for ``pattern`` (both engines check it before parsing, so field
    widths mean the same in Spark and DuckDB)."""
    return _compile_pattern(pattern).regex


# ---------------------------------------------------------------------------------------- casting


def null_sql(raw: str, null_values: Sequence[str], dialect: Dialect) -> str:
    """True when the raw value is NULL or one of ``null_values`` (compared exactly, before trimming)."""
    if not null_values:
        return f"({raw} IS NULL)"
    vals = ", ".join(literal(v, dialect) for v in null_values)
    return f"({raw} IS NULL OR {raw} IN ({vals}))"


_TS_MIN = "0001-01-01 00:00:00"
_TS_MAX = "9999-12-31 23:59:59.999999"
_ISO_FAST = "^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}$"
_BOOL_RE = "^(?i)(true|false|t|f|yes|no|y|n|1|0)$"
_FLOAT_RE = "^(?i)([+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)(e[+-]?[0-9]+)?|nan|[+-]?infinity)$"


@dataclass(frozen=True)
class _Cast:
    """How one type casts: the shape the (trimmed) text must have, the conversion of text of that
    shape (NULL when it still does not fit, e.g. overflow or 2024-02-30), and an optional range check
    on the converted value."""

    shape: str
    convert: Callable[[str], str]
    in_range: Callable[[str], str] | None = None


def _parse_with_pattern(t: str, pattern: str, ct: ColumnType, dialect: Dialect) -> str:
    p = _compile_pattern(pattern)
    if dialect == "spark":
        parsed = f"to_timestamp({t}, {literal(pattern, dialect)})"
    else:
        src = f"regexp_replace({t}, 'Z$', '+00:00')" if p.zulu else t
        parsed = f"try_strptime({src}, {literal(p.strftime, dialect)})"
        if p.has_offset:
            parsed = f"timezone('UTC', {parsed})"
    return f"CAST({parsed} AS {sql_type(ct, dialect)})"


def _parse_iso(t: str, ct: ColumnType, dialect: Dialect) -> str:
    """ISO 8601 text (ISO_TIMESTAMP_REGEX) as a UTC timestamp: offsets applied, fraction truncated to
    microseconds. The plain ``yyyy-MM-dd HH:mm:ss`` form takes a fast path."""

    def g(i: int) -> str:
        return _extract(t, ISO_TIMESTAMP_REGEX, i, dialect)

    def or_default(i: int, default: str) -> str:
        return f"coalesce(nullif({g(i)}, ''), '{default}')"

    text = f"concat({g(1)}, ' ', {or_default(3, '00')}, ':', {or_default(4, '00')}, ':', {or_default(6, '00')})"
    base = (f"to_timestamp({text}, 'yyyy-MM-dd HH:mm:ss')" if dialect == "spark"
            else f"try_strptime({text}, '%Y-%m-%d %H:%M:%S')")
    frac = f"CAST(rpad(substr({g(8)}, 1, 6), 6, '0') AS BIGINT)"
    off = g(9)
    offset_us = (
        f"(CASE WHEN {off} IN ('', 'Z') THEN 0 ELSE "
        f"(CASE WHEN substr({off}, 1, 1) = '-' THEN -1 ELSE 1 END) * "
        f"(CAST(substr({off}, 2, 2) AS BIGINT) * 60 + CAST(substr({off}, 5, 2) AS BIGINT)) * 60000000 END)"
    )
    general = _from_micros(f"({_micros(base, dialect)} + {frac} - {offset_us})", dialect)
    if dialect == "spark":
        fast = f"to_timestamp(translate({t}, 'T', ' '), 'yyyy-MM-dd HH:mm:ss')"
    else:
        fast = f"try_strptime({t}, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S'])"
    ts = f"CASE WHEN {_rlike(t, _ISO_FAST, dialect)} THEN {fast} ELSE {general} END"
    return f"CAST({ts} AS {sql_type(ct, dialect)})"


def _cast_rule(column: Column, dialect: Dialect) -> _Cast | None:
    """The cast of a column type; None for strings (kept exactly as read)."""
    ct = column.column_type
    if ct.name == "string":
        return None
    if ct.name == "boolean":
        trues = ", ".join(f"'{v}'" for v in _TRUE)
        return _Cast(_BOOL_RE, lambda t: f"(lower({t}) IN ({trues}))")
    if ct.name in ("int", "bigint"):
        return _Cast(_INT_RE, lambda t: _try_cast(t, ct, dialect))
    if ct.name == "decimal":
        return _Cast(_DECIMAL_RE, lambda t: _try_cast(t, ct, dialect))
    if ct.name in ("float", "double"):
        target = sql_type(ct, dialect)
        limit = FLOAT_MAX if ct.name == "float" else "1.7976931348623157e308"

        def number(t: str) -> str:
            lt = f"lower({t})"
            return (
                f"CASE WHEN {lt} = 'nan' THEN CAST('NaN' AS {target}) "
                f"WHEN {lt} IN ('infinity', '+infinity') THEN CAST('Infinity' AS {target}) "
                f"WHEN {lt} = '-infinity' THEN CAST('-Infinity' AS {target}) "
                f"WHEN abs(TRY_CAST({t} AS DOUBLE)) <= {limit} THEN {_try_cast(t, ct, dialect)} END"
            )

        return _Cast(_FLOAT_RE, number)
    low, high = (("0001-01-01", "9999-12-31") if ct.name == "date" else (_TS_MIN, _TS_MAX))
    typ = sql_type(ct, dialect)

    def in_range(v: str) -> str:
        return f"({v} BETWEEN CAST('{low}' AS {typ}) AND CAST('{high}' AS {typ}))"

    if column.format or ct.name == "date":
        pattern = column.format or "yyyy-MM-dd"
        return _Cast(_compile_pattern(pattern).regex, lambda t: _parse_with_pattern(t, pattern, ct, dialect), in_range)
    return _Cast(ISO_TIMESTAMP_REGEX, lambda t: _parse_iso(t, ct, dialect), in_range)


def _converted(rule: _Cast, raw: str, dialect: Dialect) -> str:
    """The converted value of raw text: as it is when it has the shape, else trimmed (the trim only
    runs for text that needs it); NULL when neither has the shape."""
    t = _trim(raw, dialect)
    return (f"CASE WHEN {_rlike(raw, rule.shape, dialect)} THEN {rule.convert(raw)} "
            f"WHEN {_rlike(t, rule.shape, dialect)} THEN {rule.convert(t)} END")


def cast_sql(column: Column, raw: str, dialect: Dialect, *, null_values: Sequence[str] = ()) -> str:
    """The typed value of ``column`` from the raw text expression ``raw``: NULL when the raw value is
    NULL-like (``null_values``) or does not cast (section 2 of docs/semantics.md). One expression;
    ``validation_sql`` computes the same in layers so nothing is evaluated twice."""
    isnull = null_sql(raw, null_values, dialect)
    rule = _cast_rule(column, dialect)
    if rule is None:
        return f"CASE WHEN {isnull} THEN NULL ELSE {raw} END"
    value = _converted(rule, raw, dialect)
    if rule.in_range is not None:
        value = f"CASE WHEN {rule.in_range(value)} THEN {value} END"
    return f"CASE WHEN {isnull} THEN NULL ELSE {value} END"


# ----------------------------------------------------------------------------- rules per column


def _allowed_literal(value: object, ct: ColumnType, dialect: Dialect) -> str:
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
        return text if ct.name == "boolean" else literal(str(value).lower(), dialect)
    if ct.name == "string":
        return literal(str(value), dialect)
    if ct.name == "boolean":
        return "TRUE" if str(value).strip().lower() in _TRUE else "FALSE"
    return f"CAST({literal(str(value), dialect)} AS {sql_type(ct, dialect)})"


@dataclass(frozen=True)
class RuleSet:
    """The rule expressions of one column, over a relation with ``__n_i`` (input NULL), ``__c_i`` (cast
    failed) flags and the typed values under the target names. Each expression is TRUE when the rule
    FAILS. ``checks`` pairs each check's rule name with its failing condition."""

    name: str
    missing: bool
    cast: str | None
    not_null: str | None
    allowed: str | None
    checks: tuple[tuple[str, str], ...]


def rule_names(column: Column) -> list[str]:
    """Every rule name a column can produce, in the order ``_errors`` lists them."""
    out = [f"missing_column:{column.name}", f"cast:{column.name}"]
    if not column.nullable:
        out.append(f"not_null:{column.name}")
    if column.allowed is not None:
        out.append(f"allowed:{column.name}")
    out += [f"check:{c}" for c in column.checks]
    return out


def _referenced(sql: str) -> set[str]:
    from .spec.expressions import parse_expression, referenced_columns

    return referenced_columns([parse_expression(sql)])


def _rules(spec: Spec, dialect: Dialect, missing: frozenset[str], typed: frozenset[str]) -> list[RuleSet]:
    index = {c.name: i for i, c in enumerate(spec.columns)}
    out: list[RuleSet] = []
    for i, col in enumerate(spec.columns):
        is_missing = col.source_name in missing
        v = _ident(col.name, dialect)
        cast = None if is_missing or col.source_name in typed or col.type == "string" else f"__c{i}"
        not_null = None if col.nullable or is_missing else f"__n{i}"
        allowed = None
        if col.allowed is not None and not is_missing:
            lits = ", ".join(_allowed_literal(a, col.column_type, dialect) for a in col.allowed)
            allowed = f"({v} IS NOT NULL AND NOT ({v} IN ({lits})))"
        checks: list[tuple[str, str]] = []
        for check in col.checks:
            cols = sorted(c for c in _referenced(check) if c in index)
            blockers = []
            for c in cols:
                j = index[c]
                if spec.columns[j].source_name in missing:
                    blockers.append("TRUE")
                elif spec.columns[j].source_name not in typed and spec.columns[j].type != "string":
                    blockers.append(f"__c{j}")
            expr = check if dialect == "spark" else to_duckdb(check)
            cond = f"(NOT coalesce(({expr}), TRUE))"
            if blockers:
                cond = f"(NOT ({' OR '.join(blockers)}) AND {cond})"
            checks.append((f"check:{check}", cond))
        out.append(RuleSet(col.name, is_missing, cast, not_null, allowed, tuple(checks)))
    return out


def _inner(spec: Spec, dialect: Dialect, relation: str, null_values: Sequence[str], missing: frozenset[str],
           typed: frozenset[str], extra: Iterable[str], raw_text: bool = False) -> str:
    """Layer 1 over the raw relation: __n{i} (the value is NULL-like), __p{i} (the converted value,
    before any range check) or, for strings and typed columns, the value under its target name."""
    items: list[str] = []
    for i, col in enumerate(spec.columns):
        src = col.source_name
        name = _ident(col.name, dialect)
        if src in missing:
            items += [f"CAST(NULL AS {sql_type(col.column_type, dialect)}) AS {name}", f"TRUE AS __n{i}",
                      f"FALSE AS __c{i}"]
            continue
        raw = f"__src.{_ident(src, dialect)}"
        if src in typed:
            items += [f"{raw} AS {name}", f"({raw} IS NULL) AS __n{i}", f"FALSE AS __c{i}"]
            continue
        isnull = null_sql(raw, null_values, dialect)
        rule = _cast_rule(col, dialect)
        if rule is None:
            items += [f"CASE WHEN {isnull} THEN NULL ELSE {raw} END AS {name}", f"{isnull} AS __n{i}"]
        else:
            items += [f"CASE WHEN {isnull} THEN NULL ELSE {_converted(rule, raw, dialect)} END AS __p{i}",
                      f"{isnull} AS __n{i}"]
    items += [f"__src.{_ident(e, dialect)}" for e in extra]
    if raw_text:
        text_type = "STRING" if dialect == "spark" else "VARCHAR"
        for k, src in enumerate(_source_columns(spec)):
            value = "NULL" if src in missing else f"__src.{_ident(src, dialect)}"
            items.append(f"CAST({value} AS {text_type}) AS __raw{k}")
    return f"SELECT {', '.join(items)} FROM {relation} AS __src"


def _flags(spec: Spec, dialect: Dialect, missing: frozenset[str], typed: frozenset[str]) -> str:
    """Layer 2: the typed value under the target name (range-checked) and __c{i} (the cast failed)."""
    out = []
    for i, col in enumerate(spec.columns):
        if col.source_name in missing or col.source_name in typed:
            continue
        rule = _cast_rule(col, dialect)
        if rule is None:
            continue
        name = _ident(col.name, dialect)
        p = f"__p{i}"
        if rule.in_range is None:
            out += [f"{p} AS {name}", f"(NOT __n{i} AND {p} IS NULL) AS __c{i}"]
        else:
            ok = rule.in_range(p)
            out += [f"CASE WHEN {ok} THEN {p} END AS {name}", f"(NOT __n{i} AND NOT coalesce({ok}, FALSE)) AS __c{i}"]
    return ", ".join(out)


def _layers(spec: Spec, dialect: Dialect, relation: str, null_values: Sequence[str], missing: frozenset[str],
            typed: frozenset[str], extra: Sequence[str], raw_text: bool = False) -> str:
    inner = _inner(spec, dialect, relation, null_values, missing, typed, extra, raw_text)
    flags = _flags(spec, dialect, missing, typed)
    return f"SELECT *{', ' + flags if flags else ''} FROM ({inner}) AS __v"


def validation_sql(spec: Spec, dialect: Dialect, relation: str, *, null_values: Sequence[str] = (),
                   missing: Iterable[str] = (), typed: Iterable[str] = (),
                   extra: Sequence[str] = ("_source_file", "_record")) -> str:
    """One SELECT over ``relation`` (raw source columns) giving every target column typed, the ``extra``
    columns passed through, and ``_ok``: TRUE when the row passes every rule. ``missing``: source
    columns the object does not have; ``typed``: source columns already of the target type."""
    missing_f, typed_f = frozenset(missing), frozenset(typed)
    rules = _rules(spec, dialect, missing_f, typed_f)
    fails: list[str] = []
    for r in rules:
        if r.missing:
            fails.append("TRUE")
            continue
        fails += [x for x in (r.cast, r.not_null, r.allowed) if x]
        fails += [cond for _, cond in r.checks]
    ok = f"NOT ({' OR '.join(fails)})" if fails else "TRUE"
    cols = [_ident(c.name, dialect) for c in spec.columns] + [_ident(e, dialect) for e in extra]
    body = _layers(spec, dialect, relation, null_values, missing_f, typed_f, extra)
    return f"SELECT {', '.join(cols)}, {ok} AS _ok FROM ({body}) AS __f"


def errors_sql(spec: Spec, dialect: Dialect, relation: str, *, null_values: Sequence[str] = (),
               missing: Iterable[str] = (), typed: Iterable[str] = (),
               extra: Sequence[str] = ("_source_file", "_record")) -> str:
    """One SELECT over ``relation`` giving quarantine rows: every source column as text (NULL stays
    NULL; missing ones NULL), the ``extra`` columns, and ``_errors`` (every failed rule name)."""
    missing_f, typed_f = frozenset(missing), frozenset(typed)
    rules = _rules(spec, dialect, missing_f, typed_f)
    names: list[str] = []
    for r in rules:
        if r.missing:
            names.append(f"CASE WHEN TRUE THEN {literal('missing_column:' + r.name, dialect)} END")
            continue
        for label, cond in ((f"cast:{r.name}", r.cast), (f"not_null:{r.name}", r.not_null),
                            (f"allowed:{r.name}", r.allowed)):
            if cond:
                names.append(f"CASE WHEN {cond} THEN {literal(label, dialect)} END")
        names += [f"CASE WHEN {cond} THEN {literal(label, dialect)} END" for label, cond in r.checks]
    arr = f"array({', '.join(names)})" if dialect == "spark" else f"[{', '.join(names)}]"
    errors = (f"filter({arr}, __e -> __e IS NOT NULL)" if dialect == "spark"
              else f"list_filter({arr}, lambda __e: __e IS NOT NULL)")
    raw_cols = [f"__raw{k} AS {_ident(src, dialect)}" for k, src in enumerate(_source_columns(spec))]
    body = _layers(spec, dialect, relation, null_values, missing_f, typed_f, extra, raw_text=True)
    passthrough = [_ident(e, dialect) for e in extra]
    return f"SELECT {', '.join(raw_cols + passthrough)}, {errors} AS _errors FROM ({body}) AS __f"


def _source_columns(spec: Spec) -> list[str]:
    return [c.source_name for c in spec.columns]


def quarantine_schema(spec: Spec) -> list[tuple[str, str]]:
    """(name, Spark type) of quarantine rows: source columns as text, then the metadata and errors."""
    return [(s, "string") for s in _source_columns(spec)] + [
        ("_source_file", "string"), ("_record", "bigint"), ("_run_id", "string"), ("_errors", "array<string>"),
    ]


def output_schema(spec: Spec) -> list[tuple[str, str]]:
    """(name, Spark type) of the target columns and metadata (derived and hook columns are typed by
    their expressions and come between the two)."""
    return [(c.name, str(c.column_type)) for c in spec.columns] + [
        ("_source_file", "string"), ("_record", "bigint"), ("_run_id", "string"), ("_ingested_at", "timestamp"),
    ]


# ------------------------------------------------------------------------ spec expressions (Spark SQL)


@lru_cache(maxsize=1024)
def to_duckdb(spark_sql: str) -> str:
    """One Spark SQL expression (or ORDER BY list) as DuckDB SQL. Parsing functions that raise in DuckDB
    but return NULL in Spark (``to_timestamp``) become their ``try_`` forms; casts become TRY_CAST."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(spark_sql, read="spark")

    def soften(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.StrToTime):
            node.set("safe", True)
        return node

    tree = tree.transform(soften)
    return tree.sql(dialect="duckdb")


def derive_sql(spec: Spec, relation: str, dialect: Dialect, *, guard: str | None = None) -> str:
    """SELECT adding the derived columns in spec order (each sees the ones before it). With ``guard``
    (a boolean column), derived values are only computed where it is TRUE (NULL elsewhere)."""
    sql = f"SELECT * FROM {relation}"
    for name, expr in spec.derive.items():
        e = expr if dialect == "spark" else to_duckdb(expr)
        value = f"CASE WHEN {guard} THEN ({e}) END" if guard else f"({e})"
        sql = f"SELECT *, {value} AS {_ident(name, dialect)} FROM ({sql}) AS __d"
    return sql


def filter_sql(spec: Spec, dialect: Dialect) -> str | None:
    """The filter as a condition that is TRUE exactly for kept rows (false and NULL drop)."""
    if spec.filter is None:
        return None
    e = spec.filter if dialect == "spark" else to_duckdb(spec.filter)
    return f"coalesce(({e}), FALSE)"


def dedupe_order_sql(spec: Spec, dialect: Dialect) -> str:
    """The ORDER BY list choosing the kept row per key: the spec's order_by (NULLs as Spark sorts them:
    first for ASC, last for DESC) then ``_source_file``, ``_record``."""
    assert spec.dedupe is not None
    tail = "_source_file, _record"
    if not spec.dedupe.order_by:
        return tail
    if dialect == "spark":
        return f"{spec.dedupe.order_by}, {tail}"
    select = to_duckdb(f"SELECT 1 ORDER BY {spec.dedupe.order_by}")
    return select.split(" ORDER BY ", 1)[1] + ", " + tail
