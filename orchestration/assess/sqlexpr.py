"""Python expressions in Glue scripts, translated to the Spark SQL a spec holds (``filter``, ``derive``).

Two sources: a ``Filter.apply`` lambda over a record (``lambda r: r["amount"] >= 0``) and a PySpark
Column expression (``F.col("amount") >= 0``, ``F.to_date("ordered_at")``). Only what has one clear
meaning is translated; anything else returns None and the draft says what it could not carry over.
"""

from __future__ import annotations

import ast
import re

__all__ = ["record_lambda_sql", "column_sql", "literal_sql", "quote_name", "string_value"]

_OPS: dict[type[ast.cmpop], str] = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">",
                                    ast.GtE: ">="}
_ARITH: dict[type[ast.operator], str] = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Mod: "%"}
_FUNCS = {"to_date", "to_timestamp", "trim", "ltrim", "rtrim", "upper", "lower", "coalesce", "concat", "concat_ws",
          "date_format", "year", "month", "dayofmonth", "hour", "regexp_replace", "substring", "current_timestamp",
          "current_date", "length", "round", "abs", "initcap", "greatest", "least", "datediff", "date_add", "date_sub",
          "md5", "sha2", "isnull"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote_name(name: str) -> str:
    return name if _IDENT.match(name) else "`" + name.replace("`", "``") + "`"


def string_value(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def literal_sql(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Constant):
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            inner = literal_sql(node.operand)
            return f"-{inner}" if inner is not None else None
        return None
    v = node.value
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return "'" + v.replace("'", "''") + "'"
    return None


def _compare(left: str, ops: list[ast.cmpop], rights: list[ast.expr], conv: object) -> str | None:
    parts: list[str] = []
    for op, right in zip(ops, rights, strict=True):
        if isinstance(op, (ast.Is, ast.IsNot)) and isinstance(right, ast.Constant) and right.value is None:
            parts.append(f"{left} IS {'NOT ' if isinstance(op, ast.IsNot) else ''}NULL")
        elif isinstance(op, (ast.In, ast.NotIn)) and isinstance(right, (ast.List, ast.Tuple, ast.Set)):
            items = [literal_sql(e) for e in right.elts]
            if any(i is None for i in items) or not items:
                return None
            parts.append(f"{left} {'NOT ' if isinstance(op, ast.NotIn) else ''}IN ({', '.join(i for i in items if i)})")
        elif type(op) in _OPS:
            r = conv(right)  # type: ignore[operator]
            if r is None:
                return None
            parts.append(f"{left} {_OPS[type(op)]} {r}")
        else:
            return None
        left = conv(right) or left  # type: ignore[operator]
    return " AND ".join(parts) if len(parts) == 1 else "(" + " AND ".join(parts) + ")"


def record_lambda_sql(node: ast.AST) -> str | None:
    """``lambda r: r["amount"] >= 0 and r["currency"] in ("EUR", "USD")`` -> Spark SQL, or None."""
    if not isinstance(node, ast.Lambda) or len(node.args.args) != 1:
        return None
    param = node.args.args[0].arg

    def conv(e: ast.AST) -> str | None:
        if isinstance(e, ast.Subscript) and isinstance(e.value, ast.Name) and e.value.id == param:
            key = string_value(e.slice)
            return quote_name(key) if key is not None else None
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and isinstance(e.func.value, ast.Name) \
                and e.func.value.id == param and e.func.attr == "get" and e.args:
            key = string_value(e.args[0])
            return quote_name(key) if key is not None else None
        if isinstance(e, ast.BoolOp):
            items = [conv(v) for v in e.values]
            if any(i is None for i in items):
                return None
            word = " AND " if isinstance(e.op, ast.And) else " OR "
            return "(" + word.join(i for i in items if i) + ")"
        if isinstance(e, ast.UnaryOp) and isinstance(e.op, ast.Not):
            inner = conv(e.operand)
            return f"NOT ({inner})" if inner else None
        if isinstance(e, ast.Compare):
            left = conv(e.left)
            return _compare(left, e.ops, e.comparators, conv) if left else None
        if isinstance(e, ast.BinOp) and type(e.op) in _ARITH:
            a, b = conv(e.left), conv(e.right)
            return f"({a} {_ARITH[type(e.op)]} {b})" if a and b else None
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Name) and e.func.id == "len" and len(e.args) == 1:
            inner = conv(e.args[0])
            return f"length({inner})" if inner else None
        if isinstance(e, ast.Call) and isinstance(e.func, ast.Attribute) and not e.args and \
                e.func.attr in ("strip", "lower", "upper"):
            inner = conv(e.func.value)
            name = {"strip": "trim", "lower": "lower", "upper": "upper"}[e.func.attr]
            return f"{name}({inner})" if inner else None
        return literal_sql(e)

    return conv(node.body)


def _func_name(func: ast.AST) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.attr  # F.col, functions.col
    return None


def column_sql(e: ast.AST, frames: set[str] | None = None) -> str | None:
    """A PySpark Column expression -> Spark SQL, or None. ``frames`` are DataFrame variable names
    (``df["x"]``, ``df.x``)."""
    frames = frames or set()

    def conv(n: ast.AST) -> str | None:
        if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id in frames:
            key = string_value(n.slice)
            return quote_name(key) if key is not None else None
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id in frames:
            return quote_name(n.attr)
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.BitAnd, ast.BitOr)):
            a, b = conv(n.left), conv(n.right)
            return f"({a} {'AND' if isinstance(n.op, ast.BitAnd) else 'OR'} {b})" if a and b else None
        if isinstance(n, ast.BinOp) and type(n.op) in _ARITH:
            a, b = conv(n.left), conv(n.right)
            return f"({a} {_ARITH[type(n.op)]} {b})" if a and b else None
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.Invert):
            inner = conv(n.operand)
            return f"NOT ({inner})" if inner else None
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in _OPS:
            a, b = conv(n.left), conv(n.comparators[0])
            return f"{a} {_OPS[type(n.ops[0])]} {b}" if a and b else None
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in (
                "isNull", "isNotNull", "isin", "cast", "alias", "otherwise", "like"):
            return _method(n, conv)
        if isinstance(n, ast.Call):
            return _function(n, conv)
        return literal_sql(n)

    return conv(e)


def _method(n: ast.Call, conv: object) -> str | None:
    assert isinstance(n.func, ast.Attribute)
    attr, base = n.func.attr, n.func.value
    if attr == "otherwise" and isinstance(base, ast.Call) and _func_name(base.func) == "when" and len(base.args) == 2:
        cond, then, other = conv(base.args[0]), conv(base.args[1]), conv(n.args[0]) if n.args else None  # type: ignore[operator]
        return f"CASE WHEN {cond} THEN {then} ELSE {other} END" if cond and then and other else None
    inner = conv(base)  # type: ignore[operator]
    if inner is None:
        return None
    if attr == "isNull":
        return f"{inner} IS NULL"
    if attr == "isNotNull":
        return f"{inner} IS NOT NULL"
    if attr == "alias":
        return inner
    if attr == "cast" and n.args:
        t = string_value(n.args[0])
        return f"CAST({inner} AS {t})" if t else None
    if attr == "like" and n.args:
        p = literal_sql(n.args[0])
        return f"{inner} LIKE {p}" if p else None
    if attr == "isin":
        elts = n.args[0].elts if len(n.args) == 1 and isinstance(n.args[0], (ast.List, ast.Tuple)) else n.args
        items = [literal_sql(a) for a in elts]
        return f"{inner} IN ({', '.join(i for i in items if i)})" if items and all(items) else None
    return None


def _function(n: ast.Call, conv: object) -> str | None:
    name = _func_name(n.func)
    if name in ("col", "column") and len(n.args) == 1:
        key = string_value(n.args[0])
        return quote_name(key) if key is not None else None
    if name == "lit" and len(n.args) == 1:
        return literal_sql(n.args[0])
    if name == "expr" and len(n.args) == 1:
        return string_value(n.args[0])
    if name == "when" and len(n.args) == 2:
        cond, then = conv(n.args[0]), conv(n.args[1])  # type: ignore[operator]
        return f"CASE WHEN {cond} THEN {then} END" if cond and then else None
    if name in _FUNCS:
        args: list[str] = []
        for i, a in enumerate(n.args):
            # the first argument of a column function may be a column name; later string arguments are patterns
            s = string_value(a)
            v = quote_name(s) if s is not None and i == 0 else conv(a)  # type: ignore[operator]
            if v is None:
                return None
            args.append(v)
        return f"{name}({', '.join(args)})"
    return None
