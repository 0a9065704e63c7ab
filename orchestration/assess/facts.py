"""What a Glue script reads, how it reshapes rows and where it writes, taken from its syntax tree.

Each call is looked at once, in source order (a chained call before the call it is chained into), and
turned into the facts a draft spec is built from: reads, the ApplyMapping columns, filters, derived
columns, casts, dedupe keys and the write.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from .calls import UNCARRIED_GLUE, UNCARRIED_METHODS
from .sqlexpr import column_sql, record_lambda_sql, string_value
from .strings import Strings

__all__ = ["Read", "Write", "Mapping", "Step", "ScriptFacts", "collect_facts", "links", "kw"]


@dataclass
class Read:
    line: int
    var: str | None
    api: str
    """``glue`` (create_dynamic_frame) or ``spark`` (spark.read)."""
    connection: str = "s3"
    paths: list[str] = field(default_factory=list)
    format: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    database: str | None = None
    table: str | None = None
    broadcast: bool = False


@dataclass
class Write:
    line: int
    path: str | None = None
    format: str | None = None
    partition_keys: list[str] = field(default_factory=list)
    mode: str | None = None
    database: str | None = None
    table: str | None = None
    connection: str = "s3"


@dataclass(frozen=True)
class Mapping:
    source: str
    source_type: str
    name: str
    type: str


@dataclass(frozen=True)
class Step:
    """One row-level step: a filter, a derived column or a cast, with its SQL (None: not translatable)."""

    line: int
    kind: str
    """``filter``, ``derive`` or ``cast``."""
    name: str
    sql: str | None
    code: str
    fmt: str | None = None


@dataclass
class ScriptFacts:
    reads: list[Read] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    mapping_line: int = 0
    steps: list[Step] = field(default_factory=list)
    dedupe: tuple[int, list[str]] | None = None
    dropnull_line: int = 0
    frames: set[str] = field(default_factory=set)
    uncarried: list[tuple[int, str]] = field(default_factory=list)
    """Steps the spec could express but the draft does not carry over: ``(line, what)``."""



def links(call: ast.AST) -> list[tuple[str, ast.Call | None]]:
    """``spark.read.option(...).csv(p)`` -> [("spark", None), ("read", None), ("option", Call), ("csv", Call)]."""
    out: list[tuple[str, ast.Call | None]] = []
    node: ast.AST = call
    pending: ast.Call | None = None
    while True:
        if isinstance(node, ast.Call):
            pending, node = node, node.func
        elif isinstance(node, ast.Attribute):
            out.append((node.attr, pending))
            pending, node = None, node.value
        elif isinstance(node, ast.Name):
            out.append((node.id, pending))
            break
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    return out[::-1]


def kw(call: ast.Call, name: str, pos: int | None = None) -> ast.expr | None:
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return call.args[pos] if pos is not None and len(call.args) > pos else None


def _literal(node: ast.AST | None, strings: Strings) -> Any:
    """A literal dict/list/str/number/bool with strings resolved; None when it is not one."""
    if node is None:
        return None
    if isinstance(node, ast.Dict):
        return {_literal(k, strings): _literal(v, strings) for k, v in zip(node.keys, node.values, strict=True) if k}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e, strings) for e in node.elts]
    if isinstance(node, ast.Constant) and not isinstance(node.value, str):
        return node.value
    return strings.text(node)


def _format(value: Any) -> str | None:
    return str(value).lower() if isinstance(value, str) else None


def collect_facts(tree: ast.Module, strings: Strings) -> ScriptFacts:
    facts = ScriptFacts()
    assigned: dict[int, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                and isinstance(node.value, ast.Call):
            assigned[id(node.value)] = node.targets[0].id
            facts.frames.add(node.targets[0].id)
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    calls.sort(key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
    for call in calls:
        _one(call, facts, strings, assigned.get(id(call)))
    return facts


def _one(call: ast.Call, facts: ScriptFacts, strings: Strings, var: str | None) -> None:
    chain = links(call)
    names = [n for n, _ in chain]
    last = names[-1] if names else ""
    line = call.lineno
    if last in ("from_options", "from_catalog") and any("create_dynamic_frame" in n or "create_data_frame" in n
                                                        for n in names):
        facts.reads.append(_glue_read(call, last, line, var, strings))
    elif last in ("create_dynamic_frame_from_options", "create_dynamic_frame_from_catalog"):
        facts.reads.append(_glue_read(call, last.rsplit("_", 1)[-1], line, var, strings))
    elif "read" in names[:-1] and last in ("csv", "parquet", "json", "load", "table", "orc", "text"):
        facts.reads.append(_spark_read(chain, line, var, strings))
    elif last in ("from_options", "from_catalog") and any("write_dynamic_frame" in n for n in names) or \
            last in ("write_dynamic_frame_from_options", "write_dynamic_frame_from_catalog"):
        facts.writes.append(_glue_write(call, last, line, strings))
    elif "write" in names[:-1] and last in ("parquet", "csv", "json", "save", "saveAsTable", "insertInto", "orc"):
        facts.writes.append(_spark_write(chain, line, strings))
    elif last == "getSink":
        facts.writes.append(Write(line, path=strings.text(kw(call, "path")),
                                  partition_keys=[str(k) for k in _literal(kw(call, "partitionKeys"), strings) or []]))
    elif last == "setCatalogInfo" and facts.writes:
        facts.writes[-1].database = strings.text(kw(call, "catalogDatabase"))
        facts.writes[-1].table = strings.text(kw(call, "catalogTableName"))
    elif last == "setFormat" and facts.writes:
        facts.writes[-1].format = _format(strings.text(kw(call, "format", 0)))
    elif names[-2:] == ["ApplyMapping", "apply"] or last == "apply_mapping":
        _mapping(call, facts, "mappings" if last == "apply" else "", strings)
    elif names[-2:] == ["Filter", "apply"]:
        fn = kw(call, "f", 1)
        facts.steps.append(Step(line, "filter", "", record_lambda_sql(fn) if fn is not None else None, _src(call)))
    elif names[-2:] == ["DropNullFields", "apply"]:
        facts.dropnull_line = line
    elif len(names) >= 2 and names[-1] == "apply" and names[-2] in UNCARRIED_GLUE:
        facts.uncarried.append((line, names[-2]))
    elif last in UNCARRIED_METHODS and len(names) > 1 and not (last == "drop" and "na" in names):
        facts.uncarried.append((line, last))
    elif last in ("filter", "where") and call.args and not isinstance(call.args[0], ast.Lambda):
        arg = call.args[0]
        sql = string_value(arg) or column_sql(arg, facts.frames)
        facts.steps.append(Step(line, "filter", "", sql, _src(call)))
    elif last == "withColumn" and len(call.args) == 2:
        _with_column(call, facts)
    elif last in ("select",) and call.args:
        _select(call, facts)
    elif last in ("dropDuplicates", "drop_duplicates"):
        keys = _literal(kw(call, "subset", 0), strings)
        facts.dedupe = (line, [str(k) for k in keys] if isinstance(keys, list) else [])


def _src(node: ast.AST) -> str:
    return ast.unparse(node)[:200]


def _glue_read(call: ast.Call, how: str, line: int, var: str | None, strings: Strings) -> Read:
    if how == "from_catalog":
        return Read(line, var, "glue", "catalog", database=strings.text(kw(call, "database")),
                    table=strings.text(kw(call, "table_name")))
    conn = _literal(kw(call, "connection_options"), strings) or {}
    fmt_opts = _literal(kw(call, "format_options"), strings) or {}
    paths = conn.get("paths") or ([conn["path"]] if conn.get("path") else [])
    opts = {**fmt_opts, **{k: v for k, v in conn.items() if k not in ("paths", "path")}}
    return Read(line, var, "glue", str(strings.text(kw(call, "connection_type")) or "s3"),
                paths=[str(p) for p in paths if p], format=_format(strings.text(kw(call, "format"))), options=opts)


def _spark_read(chain: list[tuple[str, ast.Call | None]], line: int, var: str | None, strings: Strings) -> Read:
    read = Read(line, var, "spark")
    for name, c in chain:
        if c is None:
            continue
        if name == "format":
            read.format = _format(strings.text(kw(c, "source", 0)))
        elif name == "option" and len(c.args) == 2:
            read.options[str(strings.text(c.args[0]))] = _literal(c.args[1], strings)
        elif name == "options":
            read.options.update({k.arg: _literal(k.value, strings) for k in c.keywords if k.arg})
        elif name in ("csv", "parquet", "json", "load", "orc", "text"):
            if name != "load":
                read.format = name
            path = _literal(c.args[0], strings) if c.args else _literal(kw(c, "path"), strings)
            read.paths = [str(p) for p in (path if isinstance(path, list) else [path]) if p]
            read.options.update({k.arg: _literal(k.value, strings) for k in c.keywords if k.arg and k.arg != "path"})
        elif name == "table" and c.args:
            db, _, table = str(strings.text(c.args[0]) or "").rpartition(".")
            read.connection, read.database, read.table = "catalog", db or None, table
    return read


def _glue_write(call: ast.Call, how: str, line: int, strings: Strings) -> Write:
    if how.endswith("from_catalog"):
        extra = _literal(kw(call, "additional_options"), strings) or {}
        return Write(line, database=strings.text(kw(call, "database")), table=strings.text(kw(call, "table_name")),
                     partition_keys=[str(k) for k in extra.get("partitionKeys") or []], connection="catalog")
    conn = _literal(kw(call, "connection_options"), strings) or {}
    return Write(line, path=conn.get("path"), format=_format(strings.text(kw(call, "format"))),
                 partition_keys=[str(k) for k in conn.get("partitionKeys") or []],
                 connection=str(strings.text(kw(call, "connection_type")) or "s3"))


def _spark_write(chain: list[tuple[str, ast.Call | None]], line: int, strings: Strings) -> Write:
    w = Write(line)
    for name, c in chain:
        if c is None:
            continue
        if name == "mode" and c.args:
            w.mode = strings.text(c.args[0])
        elif name == "format" and c.args:
            w.format = _format(strings.text(c.args[0]))
        elif name == "partitionBy":
            keys = [_literal(a, strings) for a in c.args]
            w.partition_keys = [str(k) for k in (keys[0] if len(keys) == 1 and isinstance(keys[0], list) else keys)]
        elif name in ("parquet", "csv", "json", "save", "orc"):
            if name != "save":
                w.format = name
            w.path = strings.text(c.args[0]) if c.args else strings.text(kw(c, "path"))
            mode = kw(c, "mode")
            w.mode = strings.text(mode) if mode is not None else w.mode
        elif name in ("saveAsTable", "insertInto") and c.args:
            db, _, table = str(strings.text(c.args[0]) or "").rpartition(".")
            w.database, w.table, w.connection = db or None, table, "catalog"
    return w


def _mapping(call: ast.Call, facts: ScriptFacts, key: str, strings: Strings) -> None:
    value = _literal(kw(call, key, 1) if key else kw(call, "mappings", 0), strings)
    if not isinstance(value, list):
        return
    facts.mapping_line = call.lineno
    for item in value:
        if isinstance(item, list) and len(item) == 4 and all(isinstance(v, str) for v in item):
            facts.mappings.append(Mapping(*item))


def _with_column(call: ast.Call, facts: ScriptFacts) -> None:
    name = string_value(call.args[0])
    expr = call.args[1]
    if name is None:
        return
    # withColumn("x", col("x").cast("int")) and withColumn("x", to_timestamp("x", "fmt")) re-type a column
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "cast" \
            and column_sql(expr.func.value, facts.frames) == name and expr.args:
        facts.steps.append(Step(call.lineno, "cast", name, string_value(expr.args[0]), _src(call)))
        return
    fname = expr.func.attr if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) else \
        expr.func.id if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) else ""
    if fname in ("to_date", "to_timestamp") and isinstance(expr, ast.Call) and expr.args \
            and column_sql(expr.args[0], facts.frames) in (name, f"`{name}`"):
        fmt = string_value(expr.args[1]) if len(expr.args) > 1 else None
        facts.steps.append(Step(call.lineno, "cast", name, fname.replace("to_", ""), _src(call), fmt))
        return
    facts.steps.append(Step(call.lineno, "derive", name, column_sql(expr, facts.frames), _src(call)))


def _select(call: ast.Call, facts: ScriptFacts) -> None:
    for arg in call.args:
        if isinstance(arg, ast.Call) and isinstance(arg.func, ast.Attribute) and arg.func.attr == "alias" and arg.args:
            alias = string_value(arg.args[0])
            inner = arg.func.value
            if alias and isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) \
                    and inner.func.attr == "cast" and inner.args:
                src = column_sql(inner.func.value, facts.frames)
                typ = string_value(inner.args[0])
                if src and typ:
                    facts.mappings.append(Mapping(src.strip("`"), "string", alias, typ))
                    facts.mapping_line = facts.mapping_line or call.lineno
