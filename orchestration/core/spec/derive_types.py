"""The fixed type of every derived column: declared in the spec, or inferred where inference is certain.

Both engines cast each derived value to this type, and the catalog table, the rendered Terraform table
and the crawler use it, so a column's type never depends on the route a run took. Inference follows
Spark's rules (the reference semantics) and only where they are simple: columns, casts, predicates,
functions with a fixed result type, integer and floating-point arithmetic. It gives up, and the spec
must declare the type, where the engines disagree or sqlglot cannot tell: decimal arithmetic (Spark
widens the precision, DuckDB often computes in double), division of decimals, functions Lockgate does
not know, NULL-only expressions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlglot import exp

from ..errors import SpecError
from .expressions import ExpressionProblem, parse_expression, referenced_columns
from .metadata import METADATA_SCHEMA
from .problems import Problem
from .types import parse_derive_type

if TYPE_CHECKING:
    from .models import Spec

__all__ = ["METADATA_TYPES", "infer_type", "derive_types", "derive_type_problems", "Uncertain"]

METADATA_TYPES: dict[str, str] = dict(METADATA_SCHEMA)
"""The metadata columns every engine adds, with their types (docs/semantics.md section 5)."""


class Uncertain(ValueError):
    """The type of an expression cannot be inferred for certain; the message says which part."""


_NUMERIC = ("int", "bigint", "float", "double")  # precedence order of Spark's numeric widening
_STRING = (exp.Upper, exp.Lower, exp.Trim, exp.ConcatWs, exp.TimeToStr, exp.RegexpExtract, exp.RegexpReplace,
           exp.Initcap, exp.Pad, exp.Replace, exp.Left, exp.Right, exp.Repeat, exp.Translate, exp.MD5,
           exp.SHA, exp.SHA2, exp.Hex, exp.ToBase64, exp.ArrayToString, exp.SplitPart, exp.UnixToStr,
           exp.JSONFormat, exp.JSONExtractScalar)
_INT = (exp.Year, exp.Month, exp.Day, exp.DayOfMonth, exp.Hour, exp.Minute, exp.Second, exp.DayOfWeek,
        exp.DayOfYear, exp.WeekOfYear, exp.Quarter, exp.ArraySize, exp.StrPosition, exp.Ascii, exp.DateDiff)
_BIGINT = (exp.StrToUnix, exp.UnixSeconds, exp.IntDiv)
_DOUBLE = (exp.Sqrt, exp.Ln, exp.Exp, exp.Log, exp.Pow, exp.MonthsBetween, exp.Sign)
_DATE = (exp.TsOrDsToDate, exp.LastDay, exp.AddMonths, exp.DateTrunc, exp.CurrentDate, exp.DateFromUnixDate,
         exp.TsOrDsAdd)
_TIMESTAMP = (exp.StrToTime, exp.TimestampTrunc, exp.TimestampFromParts, exp.CurrentTimestamp, exp.AtTimeZone,
              exp.FromTimeZone)
_SAME_AS_ARRAY = (exp.ArraySort, exp.ArrayDistinct)
_ANONYMOUS = {
    "make_date": "date", "timestamp_seconds": "timestamp", "timestamp_millis": "timestamp",
    "timestamp_micros": "timestamp", "isnull": "boolean", "isnotnull": "boolean", "btrim": "string",
    "format_number": "string", "octet_length": "int", "bit_length": "int", "endswith": "boolean",
    "contains": "boolean",
}


def _sql(node: exp.Expression) -> str:
    return node.sql(dialect="spark")


_SOME_DECIMAL = "decimal(?)"
"""A decimal whose precision and scale come out of Spark's arithmetic rules: certain to be a decimal,
not certain which one. It may disappear (a double operand makes the result double, a comparison makes it
boolean); if it reaches the column, the type must be declared."""


def _is_decimal(t: str) -> bool:
    return t.startswith("decimal")


def _common(types: list[str], node: exp.Expression) -> str:
    """The type several branches share: equal types, or Spark's widening among numbers (int < bigint <
    float < double; a decimal with a float or double gives double, with an integer a decimal)."""
    if not types:
        raise Uncertain(f"{_sql(node)!r} has only NULL values")
    if all(t == types[0] for t in types):
        return types[0]
    if all(t in _NUMERIC or _is_decimal(t) for t in types):
        if any(_is_decimal(t) for t in types):
            return "double" if {"float", "double"} & set(types) else _SOME_DECIMAL
        return max(types, key=_NUMERIC.index)
    raise Uncertain(f"{_sql(node)!r} mixes the types {', '.join(sorted(set(types)))}")


def _numeric(t: str, node: exp.Expression) -> str:
    if t in _NUMERIC or _is_decimal(t):
        return t
    raise Uncertain(f"{_sql(node)!r} applies arithmetic to a {t} value")


def _arithmetic(types: list[str], node: exp.Expression) -> str:
    """Add, subtract, multiply, modulo: decimal operands change precision and scale (Spark's rules)."""
    joined = _common([_numeric(t, node) for t in types], node)
    return _SOME_DECIMAL if _is_decimal(joined) else joined


def _literal(node: exp.Literal) -> str:
    if node.is_string:
        return "string"
    text = node.name
    if "e" in text.lower():
        return "double"
    if "." in text:
        whole, _, frac = text.partition(".")
        digits = len(whole.lstrip("0")) + len(frac)
        if digits > 38:
            raise Uncertain(f"{text} has more than 38 digits")
        return f"decimal({max(digits, len(frac), 1)},{len(frac)})"
    value = int(text)
    if -(2**31) <= value < 2**31:
        return "int"
    if -(2**63) <= value < 2**63:
        return "bigint"
    raise Uncertain(f"{text} is beyond bigint")


def _cast_type(node: exp.Cast) -> str:
    to = node.args["to"]
    text = _sql(to).lower().replace(" ", "").replace("timestamp_ntz", "timestamp")
    try:
        return parse_derive_type(text)
    except ValueError:
        raise Uncertain(f"{_sql(node)!r} casts to {text}, which is not a Lockgate column type") from None


def infer_type(node: exp.Expression, columns: Mapping[str, str]) -> str:
    """The Glue type of a parsed Spark SQL expression over ``columns`` (name -> type); raises Uncertain."""
    t = _infer(node, dict(columns))
    if t is None:
        raise Uncertain(f"{_sql(node)!r} is NULL")
    if _SOME_DECIMAL in t:
        raise Uncertain(f"{_sql(node)!r} is decimal arithmetic, whose precision and scale the engines "
                        "compute differently")
    return t


def _args(node: exp.Expression) -> list[exp.Expression]:
    return [a for a in [node.this, *node.expressions] if isinstance(a, exp.Expression)]


def _infer(node: exp.Expression, env: dict[str, str]) -> str | None:  # noqa: C901 - one rule per node kind
    """None means an untyped NULL; anything not certain raises Uncertain."""
    if isinstance(node, exp.Paren):
        return _infer(node.this, env)
    if isinstance(node, exp.Null):
        return None
    if isinstance(node, exp.Column | exp.Identifier):
        if node.name not in env:
            raise Uncertain(f"{node.name!r} is not a known column")
        return env[node.name]
    if isinstance(node, exp.Literal):
        return _literal(node)
    if isinstance(node, exp.Boolean | exp.Predicate | exp.Connector | exp.Not | exp.StartsWith | exp.ArrayContains):
        return "boolean"
    if isinstance(node, exp.Cast):  # TryCast too
        return _cast_type(node)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Mod):
        sides = [_infer(node.this, env), _infer(node.expression, env)]
        return _arithmetic([t for t in sides if t is not None], node)
    if isinstance(node, exp.Div):  # double, unless decimals meet no float or double
        sides = [_infer(node.this, env), _infer(node.expression, env)]
        joined = _arithmetic([t for t in sides if t is not None] or ["double"], node)
        return joined if _is_decimal(joined) else "double"
    if isinstance(node, exp.Neg | exp.Abs):
        t = _infer(node.this, env)
        return None if t is None else _numeric(t, node)
    if isinstance(node, exp.Round) or (isinstance(node, exp.Anonymous) and node.name.lower() == "bround"):
        t = _infer(node.this if isinstance(node, exp.Round) else node.expressions[0], env)
        return None if t is None else _arithmetic([t], node)
    if isinstance(node, exp.Floor | exp.Ceil):
        t = _infer(node.this, env)
        if t is None:
            return None
        if node.args.get("decimals") is not None or _is_decimal(_numeric(t, node)):
            return _SOME_DECIMAL
        return "bigint"
    if isinstance(node, exp.Coalesce | exp.Greatest | exp.Least):
        return _common([t for t in (_infer(a, env) for a in _args(node)) if t is not None], node)
    if isinstance(node, exp.Nullif):
        return _infer(node.this, env)
    if isinstance(node, exp.If):
        branches = [node.args.get("true"), node.args.get("false")]
        return _common([t for b in branches if b is not None and (t := _infer(b, env)) is not None], node)
    if isinstance(node, exp.Case):
        branches = [i.args["true"] for i in node.args.get("ifs", [])] + [node.args.get("default")]
        return _common([t for b in branches if b is not None and (t := _infer(b, env)) is not None], node)
    if isinstance(node, exp.Concat | exp.DPipe):
        parts = _args(node) if isinstance(node, exp.Concat) else [node.this, node.expression]
        types = [_infer(p, env) for p in parts]
        if all(t in ("string", None) for t in types):
            return "string"
        raise Uncertain(f"{_sql(node)!r} concatenates values that are not all strings")
    if isinstance(node, exp.Substring | exp.Reverse):
        t = _infer(node.this, env)
        if t == "string" or (t or "").startswith("array<"):
            return t
        raise Uncertain(f"{_sql(node)!r} applies to a {t} value")
    if isinstance(node, exp.Length):
        return "int"
    if isinstance(node, _STRING):
        return "string"
    if isinstance(node, _INT):
        return "int"
    if isinstance(node, _BIGINT):
        return "bigint"
    if isinstance(node, _DOUBLE):
        return "double"
    if isinstance(node, _DATE):
        return "date"
    if isinstance(node, _TIMESTAMP):
        return "timestamp"
    if isinstance(node, exp.RegexpSplit):
        return "array<string>"
    if isinstance(node, exp.Array):
        return f"array<{_common([t for t in (_infer(a, env) for a in node.expressions) if t is not None], node)}>"
    if isinstance(node, _SAME_AS_ARRAY):
        return _infer(node.this, env)
    if isinstance(node, exp.Bracket):
        t = _infer(node.this, env) or ""
        if t.startswith("array<"):
            return t[6:-1]
        raise Uncertain(f"{_sql(node)!r} indexes a {t or 'NULL'} value")
    if isinstance(node, exp.Transform):
        t = _infer(node.this, env) or ""
        lam = node.expression
        if not t.startswith("array<") or not isinstance(lam, exp.Lambda):
            raise Uncertain(f"{_sql(node)!r} does not transform an array")
        params = [p.name for p in lam.expressions]
        inner = {**env, params[0]: t[6:-1], **({params[1]: "int"} if len(params) > 1 else {})}
        body = _infer(lam.this, inner)
        if body is None:
            raise Uncertain(f"{_sql(node)!r} gives NULL elements")
        return f"array<{body}>"
    if isinstance(node, exp.Anonymous) and node.name.lower() in _ANONYMOUS:
        return _ANONYMOUS[node.name.lower()]
    if isinstance(node, exp.Anonymous | exp.Func):
        name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
        raise Uncertain(f"Lockgate does not know the result type of {name.lower()}()")
    raise Uncertain(f"Lockgate cannot infer the type of {_sql(node)!r}")


def _resolve(spec: Spec) -> tuple[dict[str, str], list[Problem]]:
    env = {c.name: str(c.column_type) for c in spec.columns} | METADATA_TYPES
    declared = spec.declared_derive_types
    types: dict[str, str] = {}
    problems: list[Problem] = []
    untyped: set[str] = set()
    for name, sql in spec.derive_expressions.items():
        if name in declared:
            types[name] = env[name] = declared[name]
            continue
        try:
            tree = parse_expression(sql)
            if referenced_columns([tree]) & untyped:
                untyped.add(name)  # the column it reads is reported already
                continue
            types[name] = env[name] = infer_type(tree, env)
        except ExpressionProblem:
            untyped.add(name)  # reported by the expression checks
        except Uncertain as e:
            untyped.add(name)
            problems.append(Problem(f"derive.{name}", f"cannot infer the type of {name!r} for certain: {e}; "
                                    f"declare a type: derive: {{{name}: {{expr: {sql!r}, type: double}}}} "
                                    "(or the decimal(p,s), bigint, ... you mean)"))
    return types, problems


def derive_types(spec: Spec) -> dict[str, str]:
    """Each derived column's fixed Glue type, in spec order. A spec that passed ``validate`` has one for
    every derived column; otherwise raises SpecError naming the first column without one."""
    types, problems = _resolve(spec)
    if problems:
        raise SpecError(problems[0].message, where=f"{spec.name}: {problems[0].path}")
    return types


def derive_type_problems(spec: Spec) -> list[Problem]:
    """One problem per derived column whose type is neither declared nor certain."""
    return _resolve(spec)[1]
