"""Casting raw text to each column type (docs/semantics.md section 2), rendered per dialect."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..spec.models import Column
from ..spec.patterns import compile_pattern
from ..spec.types import ColumnType
from .sql import (
    Dialect,
    _extract,
    _from_micros,
    _micros,
    _rlike,
    _trim,
    _try_cast,
    literal,
    sql_type,
)

__all__ = ["cast_sql", "null_sql", "cast_breakers", "ISO_TIMESTAMP_REGEX", "FLOAT_MAX"]

FLOAT_MAX = "3.4028235e38"
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


class _Plain(Protocol):
    def __call__(self, t: str, pre: str | None = None) -> tuple[str, str]: ...


@dataclass(frozen=True)
class _Cast:
    """How one type casts: the shape the (trimmed) text must have, the conversion of text of that
    shape (NULL when it still does not fit, e.g. overflow or 2024-02-30), and an optional range check
    on the converted value."""

    shape: str
    convert: Callable[[str], str]
    in_range: Callable[[str], str] | None = None
    plain: _Plain | None = None
    """DuckDB only: ``plain(text, pre=None)``: ``(condition, value)`` for text that is plainly valid,
    decided without a regex (``pre``: the name of ``pre(text)`` when computed below). The condition may be FALSE for valid text (the exact path then decides) but is TRUE only for text that
    has the shape and converts to ``value``, or whose ``value`` the range check rejects (``10000-01-01``,
    ``infinity``): see ``_plain_*`` below."""
    clean: Callable[[str, str], str] | None = None
    """DuckDB only: ``clean(text, pre)``, the value, or NULL (the exact path then decides), for text known
    to hold none of ``breakers``: for such text DuckDB's own cast accepts exactly what the shape accepts.
    ``pre`` is ``pre(text)``."""
    pre: Callable[[str], str] | None = None
    """DuckDB only: the one cast that ``plain`` and ``clean`` read (``TRY_CAST(text AS <type>)``, for floats
    ``AS DOUBLE``). ``rules._inner`` computes it once per value in a layer below and passes that column's
    name to them: the engine's SQL runs unoptimised, so an expression written twice is evaluated twice."""
    breakers: str = ""
    spark_plain: Callable[[str], tuple[str, str]] | None = None
    """Spark only: ``(condition, value)``, the condition TRUE only for text that has the shape as it is (no
    trimming needed) and converts to ``value``; decided without the regex (``_spark_plain_number``)."""
    spark_chars: str = ""
    """Spark only: the characters (a regex class body) of text that Spark's own cast, where it parses at
    all, reads exactly as the shape says; ``spark_parsed`` gives (parsed, value) for such text. A row whose
    text of every such column is made of them alone takes the plain path without per-value character
    tests (``rules._inner`` tests the row once, ``_converted(row_plain=...)``)."""
    spark_parsed: Callable[[str, str], tuple[str, str]] | None = None
    """Spark only: ``spark_parsed(text, pre)``: (parsed, value), where ``pre`` is ``spark_pre(text)``,
    computed once a layer below (Spark evaluates an expression written in a CASE condition and again in its
    value twice, and a number's parse is the dearest part of the check)."""
    spark_pre: Callable[[str], str] | None = None


# ------------------------------------------------------------------------- DuckDB fast paths
# Every value of a wide numeric file used to pay two regular expressions before its cast. These
# conditions let plainly valid text skip them; everything else (spaces, signs, exponents, odd forms,
# failures) still takes the exact path, so results are unchanged (tests/engine/test_fast_path.py
# compares both paths over every short string of a numeric alphabet).


def _plain_canonical(sql_t: str, width: int | None = None) -> _Plain:
    """Text that is exactly DuckDB's own rendering of the value it casts to. Integers render as
    ``-?[0-9]+``, decimals as ``-?[0-9]+.[0-9]{s}``, dates as ``yyyy-MM-dd``, timestamps as ``yyyy-MM-dd
    HH:mm:ss[.ffffff]``: each matches the type's shape, and casting it gives that value back. ``width``
    pins the length (a pattern without a fraction)."""

    def plain(t: str, pre: str | None = None) -> tuple[str, str]:
        v = pre or f"TRY_CAST({t} AS {sql_t})"
        cond = f"CAST({v} AS VARCHAR) = {t}"
        return (f"(length({t}) = {width} AND {cond})" if width else f"({cond})"), v

    return plain


def _plain_float(sql_t: str, limit: str) -> _Plain:
    """Finite numbers in range whose text starts with ``-``, ``.`` or a digit (ASCII 45..57: no sign
    ``+``, no leading whitespace) and has no ``_`` and no vertical tab or form feed. DuckDB's double cast
    accepts exactly the shape's finite numbers plus ``_`` digit groups, a ``+`` before a ``-`` and
    surrounding whitespace (of which the spec trims only space, tab, CR and LF), so what remains has the
    shape."""

    def plain(t: str, pre: str | None = None) -> tuple[str, str]:
        d = pre or f"TRY_CAST({t} AS DOUBLE)"
        cond = (f"(abs({d}) <= {limit} AND ascii({t}) BETWEEN 45 AND 57 AND NOT "
                f"(contains({t}, '_') OR contains({t}, chr(11)) OR contains({t}, chr(12))))")
        return cond, (d if sql_t == "DOUBLE" else f"TRY_CAST({t} AS {sql_t})")

    return plain


# DuckDB's numeric casts accept more than the spec: digit groups (1_000), '+' before '-', VT and FF as
# whitespace; integers also take decimals (1.5 -> 2), exponents, 0x/0b prefixes; decimals exponents.
# Text without these characters casts in DuckDB exactly as the shape decides (test_fast_path.py).
_INT_BREAKERS = "._eExXbB+\v\f"
_DECIMAL_BREAKERS = "_eE+\v\f"
_FLOAT_BREAKERS = "_+\v\f"


def _clean_float(sql_t: str, limit: str) -> Callable[[str, str], str]:
    def clean(t: str, as_double: str) -> str:  # non-finite text ('inf', NaN, 1e400) is left to the exact path
        value = as_double if sql_t == "DOUBLE" else f"TRY_CAST({t} AS {sql_t})"
        return f"CASE WHEN abs({as_double}) <= {limit} THEN {value} END"

    return clean


def _plain_bool(t: str, pre: str | None = None) -> tuple[str, str]:
    words = [w for pair in zip(_TRUE, _FALSE, strict=True) for w in pair]
    forms = sorted({f for w in words for f in (w, w.upper(), w.capitalize())})
    trues = sorted({f for w in _TRUE for f in (w, w.upper(), w.capitalize())})
    return (f"({t} IN ({', '.join(literal(f, 'duckdb') for f in forms)}))",
            f"({t} IN ({', '.join(literal(f, 'duckdb') for f in trues)}))")


def _parse_with_pattern(t: str, pattern: str, ct: ColumnType, dialect: Dialect) -> str:
    p = compile_pattern(pattern)
    if dialect == "spark" and pattern == "yyyy-MM-dd" and ct.name == "date":
        # The shape check has already pinned the text to 4-2-2 digits; Spark's own date cast then
        # decides exactly what the pattern parser would (NULL for 2023-02-29) at a fraction of its cost.
        return f"TRY_CAST({t} AS DATE)"
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
        # Shape already checked (_ISO_FAST), session time zone UTC: the plain cast equals the pattern
        # parser here and is several times cheaper.
        fast = f"TRY_CAST({t} AS TIMESTAMP)"
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
        return _Cast(_BOOL_RE, lambda t: f"(lower({t}) IN ({trues}))", plain=_plain_bool)
    if ct.name in ("int", "bigint"):
        return _Cast(_INT_RE, lambda t: _try_cast(t, ct, dialect), plain=_plain_canonical(sql_type(ct, dialect)),
                     clean=lambda t, pre: pre, pre=lambda t: _try_cast(t, ct, dialect), breakers=_INT_BREAKERS,
                     spark_plain=lambda t: (_spark_plain_number(t, f"{_try_cast(t, ct, dialect)} IS NOT NULL",
                                                                "[+-0-9]", "[0-9]", "."), _try_cast(t, ct, dialect)),
                     spark_chars=_SPARK_INT_CHARS, spark_pre=lambda t: _try_cast(t, ct, dialect),
                     spark_parsed=lambda t, pre: (f"{pre} IS NOT NULL", pre))
    if ct.name == "decimal":
        return _Cast(_DECIMAL_RE, lambda t: _try_cast(t, ct, dialect), plain=_plain_canonical(sql_type(ct, dialect)),
                     clean=lambda t, pre: pre, pre=lambda t: _try_cast(t, ct, dialect), breakers=_DECIMAL_BREAKERS,
                     spark_plain=lambda t: (_spark_plain_number(t, f"{_try_cast(t, ct, dialect)} IS NOT NULL",
                                                                "[+-.0-9]", "[.0-9]", "eE", ascii_only=True),
                                            _try_cast(t, ct, dialect)),
                     spark_chars=_SPARK_DECIMAL_CHARS, spark_pre=lambda t: _try_cast(t, ct, dialect),
                     spark_parsed=lambda t, pre: (f"{pre} IS NOT NULL", pre))
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

        return _Cast(_FLOAT_RE, number, plain=_plain_float(target, limit), clean=_clean_float(target, limit),
                     pre=lambda t: f"TRY_CAST({t} AS DOUBLE)", breakers=_FLOAT_BREAKERS,
                     spark_plain=lambda t: (_spark_plain_number(t, f"abs(TRY_CAST({t} AS DOUBLE)) <= {limit}",
                                                                "[+-.0-9]", "[.0-9]", "xX"), _try_cast(t, ct, dialect)),
                     spark_chars=_SPARK_FLOAT_CHARS, spark_pre=lambda t: f"TRY_CAST({t} AS DOUBLE)",
                     spark_parsed=lambda t, pre: (f"abs({pre}) <= {limit}",
                                                  pre if ct.name == "double" else _try_cast(t, ct, dialect)))
    low, high = (("0001-01-01", "9999-12-31") if ct.name == "date" else (_TS_MIN, _TS_MAX))
    typ = sql_type(ct, dialect)

    def in_range(v: str) -> str:
        return f"({v} BETWEEN CAST('{low}' AS {typ}) AND CAST('{high}' AS {typ}))"

    if column.format or ct.name == "date":
        pattern = column.format or "yyyy-MM-dd"
        canonical = {"yyyy-MM-dd": 10, "yyyy-MM-dd HH:mm:ss": 19}.get(pattern)
        return _Cast(compile_pattern(pattern).regex, lambda t: _parse_with_pattern(t, pattern, ct, dialect), in_range,
                     plain=_plain_canonical(typ, canonical) if canonical else None,
                     pre=(lambda t: f"TRY_CAST({t} AS {typ})") if canonical else None)
    return _Cast(ISO_TIMESTAMP_REGEX, lambda t: _parse_iso(t, ct, dialect), in_range, plain=_plain_canonical(typ),
                 pre=lambda t: f"TRY_CAST({t} AS {typ})")


def cast_breakers(column: Column) -> str | None:
    """The characters whose absence from a column's text lets the DuckDB rendering cast it with DuckDB's
    own cast alone (``validation_sql(clean=...)``); None when the type has no such shortcut."""
    rule = _cast_rule(column, "duckdb")
    return rule.breakers if rule is not None and rule.clean is not None else None


_CHARS = {"[+-0-9]": "43, 45", "[+-.0-9]": "43, 45, 46", "[.0-9]": "46", "[0-9]": ""}

# Text made of these characters alone, where Spark's cast parses it at all, has the type's shape and the
# shape's value: Spark reads integers with its own parser (sign and digits; a '.' would truncate, so it is
# left out), decimals with Java's BigDecimal (sign, digits, '.'; no exponent, which the shape lacks) and
# floats with Java's Double.parseDouble (sign, digits, '.', exponent). Spaces are in every set: each of
# these casts trims spaces at both ends, as the spec's trim does, and fails on a space inside the number
# ('1 2', '- 1'), as the shape does, so space-padded exports (' 12.50') take the plain path too. Other
# whitespace (tab, CR, LF, which the spec also trims, and VT, FF, NUL, which Spark would trim but the spec
# does not), type suffixes (1d, 1f), hex, NaN/Infinity words and non-ASCII digits all need a character
# outside these sets. ('-' belongs to every set; ``spark_chars_sql`` adds it, last in the class.)
_SPARK_INT_CHARS = "0-9+ "
_SPARK_DECIMAL_CHARS = "0-9.+ "
_SPARK_FLOAT_CHARS = "0-9.eE+ "


def _row_chars(chars: str) -> str:
    """The regex class body of a row test: ``chars``, the ',' that joins the texts, and '-' (last)."""
    return f"{chars},-"


def spark_chars_sql(texts: Sequence[str], chars: str) -> str:
    """Spark: TRUE when every non-NULL text of ``texts`` is made of ``chars`` (and '-') alone. One regex
    over the texts joined by ',' (a character none of the casts accepts, so a text holding one still
    fails its own cast and takes the exact path)."""
    return f"(NOT (concat_ws(',', {', '.join(texts)}) RLIKE {literal(f'[^{_row_chars(chars)}]', 'spark')}))"


def passes_row_test(text: str, chars: str) -> bool:
    """What ``spark_chars_sql`` decides for one text, in Python."""
    return re.fullmatch(f"[{_row_chars(chars)}]*", text) is not None


def _spark_plain_number(t: str, parsed: str, first: str, last: str, absent: str, *, ascii_only: bool = False) -> str:
    """TRUE when Spark's own cast parses ``t`` (``parsed`` is TRUE) and ``t`` starts with a ``first``
    and ends with a ``last`` character and holds none of ``absent``: then Spark's parser (Java's
    number grammar, without surrounding whitespace, type suffixes, hex or NaN/Infinity words, which
    all start or end with other characters or contain an absent one) has read text of the regex's
    shape. ``ascii_only``: also no character outside ASCII (Java's BigDecimal reads any Unicode digit)."""

    def one_of(code: str, chars: str) -> str:
        extra = _CHARS[chars]
        return f"({code} BETWEEN 48 AND 57{f' OR {code} IN ({extra})' if extra else ''})"

    tests = [f"coalesce({parsed}, FALSE)", one_of(f"ascii({t})", first), one_of(f"ascii(substr({t}, -1))", last)]
    tests += [f"NOT contains({t}, '{c}')" for c in absent]
    if ascii_only:
        tests.append(f"length({t}) = octet_length({t})")
    return "(" + " AND ".join(tests) + ")"


def _converted(rule: _Cast, raw: str, dialect: Dialect, clean: bool = False, pre: str | None = None,
               row_plain: tuple[str, str] | None = None, quick: bool = False) -> str:
    """The converted value of raw text: as it is when it has the shape, else trimmed (the trim only
    runs for text that needs it); NULL when neither has the shape. ``clean``: the text is known to hold
    none of ``rule.breakers``. ``pre`` (DuckDB): the name of ``rule.pre(raw)`` computed in a layer below.
    ``row_plain`` (Spark): (a condition TRUE when the row's text is made of ``rule.spark_chars`` alone,
    ``rule.spark_pre(raw)``), both computed in a layer below. ``quick``: only the plain path, where the
    type has one (other types convert in full); NULL where it gives no value, also for valid text the
    exact rendering would convert, so a caller must decide every NULL again with the exact one."""
    if clean and dialect == "duckdb" and rule.clean is not None:
        assert rule.pre is not None, "a clean path reads the rule's one cast"
        value = rule.clean(raw, pre or rule.pre(raw))
        return f"coalesce({value}, {_converted(rule, raw, dialect, pre=pre)})"
    t = _trim(raw, dialect)
    fast = ""
    if dialect == "spark" and row_plain is not None and rule.spark_parsed is not None:
        row_ok, spark_pre = row_plain
        parsed, value = rule.spark_parsed(raw, spark_pre)
        fast = f"WHEN ({row_ok} AND {parsed}) THEN {value} "  # a NULL condition is not taken
    elif dialect == "duckdb" and rule.plain is not None:
        cond, value = rule.plain(raw, pre)
        fast = f"WHEN {cond} THEN {value} "
    elif dialect == "spark" and rule.spark_plain is not None:
        cond, value = rule.spark_plain(raw)
        fast = f"WHEN {cond} THEN {value} "
    if quick and fast:
        return f"CASE {fast}END"
    return (f"CASE {fast}WHEN {_rlike(raw, rule.shape, dialect)} THEN {rule.convert(raw)} "
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
