"""Classify a Glue script, parsed and never executed: the simple read-cast-check-write pattern a spec
expresses, or code that needs Spark, with the source lines that decided it."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Literal

from .calls import (
    GLUE_SIMPLE_TRANSFORMS,
    GLUE_SPARK_TRANSFORMS,
    HARMLESS,
    LOOKUP_WORDS,
    SIMPLE_FUNCTIONS,
    SIMPLE_METHODS,
    SPARK_FUNCTIONS,
    SPARK_METHODS,
    SPARK_MODULES,
)
from .facts import Read, ScriptFacts, collect_facts, links
from .strings import Strings

__all__ = ["Finding", "ScriptAnalysis", "analyze_script", "Pattern", "lookup_name"]

Pattern = Literal["simple", "spark"]
Kind = Literal["read", "write", "transform", "lookup_join", "spark", "unknown", "unsupported"]
_FUNCTION_MODULES = ("pyspark.sql.functions",)
_SAFE_MODULES = ("pyspark.sql.types", "pyspark.context", "pyspark.sql.session", "awsglue.context", "awsglue.job",
                 "awsglue.utils", "awsglue.dynamicframe", "datetime", "logging")


@dataclass(frozen=True)
class Finding:
    line: int
    kind: Kind
    code: str
    why: str

    def to_json(self) -> dict[str, object]:
        return {"line": self.line, "kind": self.kind, "code": self.code, "why": self.why}


@dataclass
class ScriptAnalysis:
    pattern: Pattern
    deciding: list[Finding]
    findings: list[Finding]
    facts: ScriptFacts = field(default_factory=ScriptFacts)
    strings: Strings | None = None

    @property
    def lookup_joins(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "lookup_join"]


def analyze_script(source: str, *, command: str = "glueetl", defaults: dict[str, str] | None = None,
                   filename: str = "<script>") -> ScriptAnalysis:
    """Parse ``source`` and classify it. A script that does not parse needs a person (pattern spark, the
    syntax error as the deciding line)."""
    strings = Strings(defaults or {})
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as e:
        f = Finding(e.lineno or 1, "unsupported", (e.text or "").strip(), f"the script does not parse: {e.msg}")
        return ScriptAnalysis("spark", [f], [f], strings=strings)
    strings.learn(tree)
    facts = collect_facts(tree, strings)
    lines = source.splitlines()
    findings = _Classifier(tree, lines, facts).run()
    if command == "gluestreaming":
        findings.insert(0, Finding(1, "spark", "Command.Name = gluestreaming", "a streaming job runs continuously"))
    elif command not in ("glueetl", "pythonshell"):
        findings.insert(0, Finding(1, "unsupported", f"Command.Name = {command}", f"{command} jobs are not Spark ETL"))
    findings += _io_findings(facts, lines) + _step_findings(facts, lines)
    blocking = [f for f in findings if f.kind in ("spark", "unknown", "unsupported")]
    if not facts.reads and not blocking:
        blocking.append(Finding(1, "unsupported", "", "no read of S3 files or a catalog table was found"))
    if blocking:
        return ScriptAnalysis("spark", _unique(blocking), _unique(findings), facts, strings)
    deciding = [f for f in findings if f.kind in ("read", "write", "transform", "lookup_join")]
    return ScriptAnalysis("simple", _unique(deciding), _unique(findings), facts, strings)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[int, str]] = set()
    out = []
    for f in sorted(findings, key=lambda f: f.line):
        if (f.line, f.kind) not in seen:
            seen.add((f.line, f.kind))
            out.append(f)
    return out


def _io_findings(facts: ScriptFacts, lines: list[str]) -> list[Finding]:
    out: list[Finding] = []
    for r in facts.reads:
        code = _line(lines, r.line)
        if r.connection not in ("s3", "catalog"):
            out.append(Finding(r.line, "unsupported", code, f"reads from {r.connection}; Lockgate imports files from S3"))
        elif r.format and r.format not in ("csv", "json", "parquet", "glueparquet"):
            out.append(Finding(r.line, "unsupported", code, f"reads {r.format}; Lockgate reads csv, jsonl and parquet"))
        else:
            out.append(Finding(r.line, "read", code, "reads " + (f"{r.database}.{r.table}" if r.table else
                                                                 f"{r.format or 'files'} from {', '.join(r.paths)}")))
    for w in facts.writes:
        code = _line(lines, w.line)
        if w.connection not in ("s3", "catalog"):
            out.append(Finding(w.line, "unsupported", code, f"writes to {w.connection}; Lockgate writes Parquet to S3"))
        else:
            keys = f" partitioned by {', '.join(w.partition_keys)}" if w.partition_keys else ""
            out.append(Finding(w.line, "write", code, f"writes {w.format or 'a table'}{keys}"))
    return out


_STEP_WHY = {"filter": "drops rows by a condition (spec filter)", "derive": "adds a column (spec derive)",
             "cast": "re-types a column (spec columns[].type/format)"}


def _step_findings(facts: ScriptFacts, lines: list[str]) -> list[Finding]:
    """DataFrame steps the draft carries (Glue transforms are found by the classifier)."""
    out = [Finding(s.line, "transform", _line(lines, s.line), _STEP_WHY[s.kind]) for s in facts.steps
           if "Filter.apply" not in s.code]
    if facts.mappings and "ApplyMapping" not in _line(lines, facts.mapping_line) and facts.mapping_line:
        out.append(Finding(facts.mapping_line, "transform", _line(lines, facts.mapping_line),
                           "selects and casts columns (spec columns)"))
    if facts.dedupe:
        out.append(Finding(facts.dedupe[0], "transform", _line(lines, facts.dedupe[0]),
                           "drops duplicate rows (spec dedupe)"))
    return out


def _line(lines: list[str], n: int) -> str:
    return lines[n - 1].strip() if 0 < n <= len(lines) else ""


class _Classifier:
    def __init__(self, tree: ast.Module, lines: list[str], facts: ScriptFacts) -> None:
        self.tree, self.lines, self.facts = tree, lines, facts
        self.functions: dict[str, str] = {}
        """Local alias -> pyspark.sql.functions name (``from pyspark.sql.functions import col as c``)."""
        self.function_modules: set[str] = set()
        """Aliases of pyspark.sql.functions itself (``F``)."""
        self.local: set[str] = set()
        self.out: list[Finding] = []

    def add(self, node: ast.AST, kind: Kind, why: str) -> None:
        line = getattr(node, "lineno", 1)
        self.out.append(Finding(line, kind, _line(self.lines, line), why))

    def run(self) -> list[Finding]:
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.local.add(node.name)
                for d in getattr(node, "decorator_list", []):
                    name = d.id if isinstance(d, ast.Name) else d.attr if isinstance(d, ast.Attribute) else ""
                    if name in ("udf", "pandas_udf"):
                        self.add(d, "spark", f"@{name} defines a Python UDF")
            elif isinstance(node, ast.ImportFrom) and node.module:
                self._import(node, node.module, [(a.name, a.asname) for a in node.names])
            elif isinstance(node, ast.Import):
                for a in node.names:
                    self._import(node, a.name, [])
                    if a.name in _FUNCTION_MODULES:
                        self.function_modules.add(a.asname or a.name)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Attribute) and node.attr in ("rdd", "readStream", "writeStream"):
                self.add(node, "spark", SPARK_METHODS[node.attr])
        return self.out

    def _import(self, node: ast.AST, module: str, names: list[tuple[str, str | None]]) -> None:
        for prefix, what in SPARK_MODULES.items():
            if module == prefix or module.startswith(prefix + "."):
                self.add(node, "spark", f"imports {module} ({what})")
        if module in _FUNCTION_MODULES:
            for name, alias in names:
                self.functions[alias or name] = name
        elif module.startswith(_SAFE_MODULES):
            self.local.update(alias or name for name, alias in names if name != "*")
        elif module == "pyspark.sql":
            for name, alias in names:
                if name == "functions":
                    self.function_modules.add(alias or name)

    def _call(self, call: ast.Call) -> None:
        chain = [n for n, _ in links(call)]
        if not chain:
            return  # a call on a literal or a call result we cannot name: its parts are visited on their own
        last, root = chain[-1], chain[0]
        if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Constant):
            return  # "...".join(...), "...".format(...)
        if last == "apply" and len(chain) >= 2:
            cls = chain[-2]
            if cls in GLUE_SPARK_TRANSFORMS:
                return self.add(call, "spark", f"{cls} {GLUE_SPARK_TRANSFORMS[cls]}")
            if cls == "Join":
                return self._join(call, [call.args[i] if len(call.args) > i else _kwarg(call, k)
                                         for i, k in ((0, "frame1"), (1, "frame2"))])
            if cls in GLUE_SIMPLE_TRANSFORMS:
                return self.add(call, "transform", f"{cls}: {GLUE_SIMPLE_TRANSFORMS[cls]}")
        if "Window" in chain:
            return self.add(call, "spark", "a window specification (Window)")
        function = self._function(call)
        if function is not None:
            if function in SPARK_FUNCTIONS:
                return self.add(call, "spark", f"{function}(): {SPARK_FUNCTIONS[function]}")
            if function in SIMPLE_FUNCTIONS:
                return None
            return self.add(call, "unknown", f"{function}() is a Spark function assess does not map")
        if last == "join" and len(chain) > 1:
            return self._join(call, [call.func.value if isinstance(call.func, ast.Attribute) else None,
                                     call.args[0] if call.args else _kwarg(call, "other")])
        if last in ("filter", "map") and call.args and isinstance(call.args[0], ast.Lambda):
            return self.add(call, "spark", f"{last}(lambda ...) runs Python per record (RDD code)")
        if last == "broadcast" and root == "sc":
            return self.add(call, "spark", SPARK_METHODS["broadcast@sc"])
        if last in SPARK_METHODS:
            return self.add(call, "spark", f"{last}(): {SPARK_METHODS[last]}")
        if last in SIMPLE_METHODS or last in HARMLESS or last in self.local or root in self.local:
            return None
        if last in GLUE_SIMPLE_TRANSFORMS or last in ("DynamicFrame",):
            return None
        return self.add(call, "unknown", f"{'.'.join(chain)}() is not a call assess knows; a person must check it")

    def _function(self, call: ast.Call) -> str | None:
        """The pyspark.sql.functions name this call is (``F.col``, ``col`` imported), else None."""
        f = call.func
        if isinstance(f, ast.Name):
            if f.id in self.functions:
                return self.functions[f.id]
            if "*" in self.functions and (f.id in SIMPLE_FUNCTIONS or f.id in SPARK_FUNCTIONS):
                return f.id
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in self.function_modules:
            return f.attr
        return None

    def _join(self, call: ast.Call, sides: list[ast.AST | None]) -> None:
        for side in sides:
            small = self._small(side)
            if small:
                return self.add(call, "lookup_join", f"joins a small lookup ({small}): an arrow hook on Lambda")
        self.add(call, "spark", "a join with an input of unknown size (not a lookup, not broadcast): a shuffle join")

    def _small(self, side: ast.AST | None) -> str | None:
        if isinstance(side, ast.Call) and chain_last(side) == "broadcast":
            return "broadcast()"
        name = side.id if isinstance(side, ast.Name) else None
        read = next((r for r in self.facts.reads if name and r.var == name), None)
        return lookup_name(read) if read else None


def chain_last(call: ast.Call) -> str:
    chain = links(call)
    return chain[-1][0] if chain else ""


def _kwarg(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def lookup_name(read: Read) -> str | None:
    where = f"{read.database}.{read.table}" if read.table else " ".join(read.paths)
    return where if any(w in where.lower() for w in LOOKUP_WORDS) else None
