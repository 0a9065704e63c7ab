"""The rules of docs/semantics.md section 3 as one validation SELECT and one errors SELECT per dialect."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..spec.derive_types import METADATA_TYPES, derive_types
from ..spec.models import Column, Spec
from ..spec.types import ColumnType
from .casts import _TRUE, _cast_rule, _converted, null_sql, passes_row_test, spark_chars_sql
from .expressions import to_duckdb
from .sql import Dialect, _ident, literal, sql_type

__all__ = ["RuleSet", "rule_names", "validation_sql", "errors_sql", "quarantine_schema", "output_schema"]


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
    from ..spec.expressions import parse_expression, referenced_columns

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
           typed: frozenset[str], extra: Iterable[str], raw_text: bool = False,
           clean: frozenset[str] = frozenset(), raw_as: Sequence[str] = (), quick: bool = False) -> str:
    """Layer 1 over the raw relation: __n{i} (the value is NULL-like), __p{i} (the converted value,
    before any range check) or, for strings and typed columns, the value under its target name. In DuckDB
    each column's NULL test and its rule's one cast (``_Cast.pre``, ``__d{i}``) come from a layer below,
    so each is computed once per value. In
    Spark that layer also tests each row's text once per set of plain characters (``__sc{k}``: NULL-like
    or made of them alone) and parses each number once (``__t{i}``); the plain path then costs one parse
    per value, not four character tests (``casts._converted``)."""
    items: list[str] = []
    below: list[str] = []
    groups = _chars_groups(spec, dialect, missing, typed, null_values)
    row_chars = {chars: f"__sc{k}" for k, chars in enumerate(groups)}
    parsed: list[str] = []
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
        pre = None
        if dialect == "duckdb":
            # DuckDB runs this SQL unoptimised: the NULL test and the one cast that the plain and clean
            # paths read are computed once, a layer below, instead of once per mention.
            below.append(f"{isnull} AS __n{i}")
            isnull = f"__src.__n{i}"
            if rule is not None and rule.pre is not None:
                below.append(f"{rule.pre(raw)} AS __d{i}")
                pre = f"__src.__d{i}"
        if rule is None:
            items += [f"CASE WHEN {isnull} THEN NULL ELSE {raw} END AS {name}", f"{isnull} AS __n{i}"]
        else:
            row_plain = None
            if rule.spark_chars in row_chars and rule.spark_pre is not None:
                parsed.append(f"{rule.spark_pre(raw)} AS __t{i}")
                row_plain = (f"__src.{row_chars[rule.spark_chars]}", f"__src.__t{i}")
            value = _converted(rule, raw, dialect, clean=col.name in clean, pre=pre,
                               row_plain=row_plain, quick=quick)
            items += [f"CASE WHEN {isnull} THEN NULL ELSE {value} END AS __p{i}",
                      f"{isnull} AS __n{i}"]
    items += [f"__src.{_ident(e, dialect)}" for e in extra]
    if raw_as:
        items += [f"__src.{_ident(c.source_name, dialect)} AS {_ident(r, dialect)}"
                  for c, r in zip(spec.columns, raw_as, strict=True)]
    if raw_text:
        text_type = "STRING" if dialect == "spark" else "VARCHAR"
        for k, src in enumerate(_source_columns(spec)):
            value = "NULL" if src in missing else f"__src.{_ident(src, dialect)}"
            items.append(f"CAST({value} AS {text_type}) AS __raw{k}")
    if groups:
        tests = [f"{spark_chars_sql(texts, chars)} AS {row_chars[chars]}" for chars, texts in groups.items()]
        relation = f"(SELECT *, {', '.join(tests + parsed)} FROM {relation} AS __src)"
    if below:
        relation = f"(SELECT *, {', '.join(below)} FROM {relation} AS __src)"
    return f"SELECT {', '.join(items)} FROM {relation} AS __src"


def _chars_groups(spec: Spec, dialect: Dialect, missing: frozenset[str], typed: frozenset[str],
                  null_values: Sequence[str]) -> dict[str, list[str]]:
    """Spark: per set of plain characters (``_Cast.spark_chars``), the text of its columns, NULL where the
    text is NULL-like (a NULL marker never takes a cast, so it must not keep the row's other columns from
    the plain path; markers made of the plain characters alone, such as ``''``, cannot, and are left as
    they are: less code per value)."""
    groups: dict[str, list[str]] = {}
    if dialect != "spark":
        return groups
    for col in spec.columns:
        rule = _cast_rule(col, dialect)
        if rule is None or not rule.spark_chars or col.source_name in missing or col.source_name in typed:
            continue
        raw = f"__src.{_ident(col.source_name, dialect)}"
        masked = [v for v in null_values if not passes_row_test(v, rule.spark_chars)]
        text = f"CASE WHEN {null_sql(raw, masked, dialect)} THEN NULL ELSE {raw} END" if masked else raw
        if text not in groups.setdefault(rule.spark_chars, []):
            groups[rule.spark_chars].append(text)
    return groups


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
            typed: frozenset[str], extra: Sequence[str], raw_text: bool = False,
            clean: frozenset[str] = frozenset(), raw: Sequence[str] = (), quick: bool = False) -> str:
    inner = _inner(spec, dialect, relation, null_values, missing, typed, extra, raw_text, clean, raw, quick)
    flags = _flags(spec, dialect, missing, typed)
    return f"SELECT *{', ' + flags if flags else ''} FROM ({inner}) AS __v"


def validation_sql(spec: Spec, dialect: Dialect, relation: str, *, null_values: Sequence[str] = (),
                   missing: Iterable[str] = (), typed: Iterable[str] = (),
                   extra: Sequence[str] = ("_source_file", "_record"), clean: Iterable[str] = (),
                   raw: Sequence[str] = (), quick: bool = False) -> str:
    """One SELECT over ``relation`` (raw source columns) giving every target column typed, the ``extra``
    columns passed through, and ``_ok``: TRUE when the row passes every rule. ``missing``: source
    columns the object does not have; ``typed``: source columns already of the target type; ``clean``
    (DuckDB): target columns whose text the caller knows holds none of ``cast_breakers(column)``, which
    then cast with one DuckDB cast (same result, a fraction of the cost). ``raw``: one name per spec
    column under which its source value is passed through as well (taken in the first layer, so the
    relation need not carry a copy under that name). ``quick``: a number is converted only by the plain
    path (``casts._converted``): a row it gives ``_ok`` has exactly the values and the verdict of the full
    rendering, and any other row must be checked again with the full rendering (most valid rows of a
    large load pass, at a fraction of the code and the cost)."""
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
    cols = [_ident(c.name, dialect) for c in spec.columns] + [_ident(e, dialect) for e in (*extra, *raw)]
    body = _layers(spec, dialect, relation, null_values, missing_f, typed_f, extra, clean=frozenset(clean), raw=raw,
                   quick=quick)
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
    """(name, Glue type) of the target columns, the derived columns (their fixed types) and the metadata
    columns: what every engine writes, what a hook receives. Hook columns come before the metadata."""
    return ([(c.name, str(c.column_type)) for c in spec.columns] + list(derive_types(spec).items())
            + list(METADATA_TYPES.items()))
