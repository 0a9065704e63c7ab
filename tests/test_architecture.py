"""DESIGN.md's dependency rules, enforced.

- Lambda code must not import pyspark; Glue code must not import DuckDB.
- The spec contract ships inside every Lambda package: no CLI, Rich, Spark or pandas on its path.
- Handlers import nothing heavy at module level: cold start is a feature.
- orchestration reaches the executors (lambdas, glue_jobs) only through resource names, never imports.
- orchestration/core imports nothing of ours outside the core.
- The engines (lambdas, glue_jobs, crawlers) import the core and, for the Lambda handlers, the control plane
  modules packaging ships (``CODE_INCLUDES``); never the CLI, the local runtime or the compiler, not even
  through another module.
- No import cycles between our modules, counting imports inside functions (only ``if TYPE_CHECKING:``
  imports, which never run, are left out).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _offenders(folder: str, forbidden: set[str], skip: tuple[str, ...] = ()) -> list[str]:
    out = []
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"{folder}/ has no Python files"
    for f in files:
        rel = f.relative_to(ROOT).as_posix()
        if rel.startswith(skip):
            continue
        bad = _imports(f) & forbidden
        if bad:
            out.append(f"{rel}: {sorted(bad)}")
    return out


def test_lambda_code_does_not_import_spark() -> None:
    assert _offenders("lambdas", {"pyspark", "awsglue"}) == []


def test_glue_code_does_not_import_duckdb() -> None:
    assert _offenders("glue_jobs", {"duckdb"}) == []


def test_orchestration_never_imports_the_executors() -> None:
    assert _offenders("orchestration", {"lambdas", "glue_jobs"}) == []


def _modules_after_import(*modules: str) -> set[str]:
    code = "import sys, json\n" + "".join(f"import {m}\n" for m in modules) + "print(json.dumps(sorted(sys.modules)))"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return {m.split(".")[0] for m in json.loads(r.stdout)}


HEAVY_FOR_CONTRACT = {"typer", "rich", "click", "pyspark", "pandas", "awswrangler", "duckdb", "pyarrow", "numpy"}


def test_spec_contract_stays_light() -> None:
    loaded = _modules_after_import("orchestration.core.spec", "orchestration.core.contracts", "orchestration.core.errors")
    assert loaded & HEAVY_FOR_CONTRACT == set()


def test_a_local_run_loads_without_arrow() -> None:
    """What ``lockgate run --local`` imports before its first state (the CLI, the local runtime, the crawler
    service) leaves pyarrow (0.3 s) to the crawl and the runs table at the end, which the runner imports
    in the background while the functions run."""
    loaded = _modules_after_import("orchestration.cli.app", "orchestration.local.runner", "orchestration.local.services",
                                   "crawlers.service", "crawlers.local", "crawlers.local_catalog", "crawlers.quarantine")
    assert loaded & {"pyarrow", "numpy", "pandas", "pyspark"} == set()


HANDLERS = ["plan", "process_batch", "dedupe", "commit", "failure"]


@pytest.mark.parametrize("handler", HANDLERS)
def test_handler_module_import_is_light(handler: str) -> None:
    path = ROOT / "lambdas" / "handlers" / f"{handler}.py"
    assert path.is_file(), f"{path} is missing"
    loaded = _modules_after_import(f"lambdas.handlers.{handler}")
    assert loaded & {"pyspark", "pandas", "awswrangler", "duckdb", "pyarrow", "numpy", "typer", "rich"} == set()


# ----------------------------------------------------------------------------------- the import graph

PACKAGES = ("orchestration", "lambdas", "glue_jobs", "crawlers")
ENGINES = ("lambdas", "glue_jobs", "crawlers")
NEVER_FROM_ENGINES = ("orchestration.cli", "orchestration.local", "orchestration.compiler")
Edge = tuple[str, str, int]  # importer, imported module, line


@cache
def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for pkg in PACKAGES:
        for f in sorted((ROOT / pkg).rglob("*.py")):
            parts = list(f.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join(parts)] = f
    return out


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")


def _import_nodes(node: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: module level, in functions and classes, not TYPE_CHECKING-only."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _type_checking(child):
            for other in child.orelse:
                yield from _import_nodes(other)
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _import_nodes(child)


def _ours(name: str) -> str | None:
    """The module of ours ``name`` resolves to (the nearest existing one), or None for other libraries."""
    mods = _modules()
    while name and name not in mods:
        name = name.rpartition(".")[0]
    return name if name and name.split(".")[0] in PACKAGES else None


@cache
def _edges() -> list[Edge]:
    mods = _modules()
    edges: list[Edge] = []
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _import_nodes(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            for target in targets:
                found = _ours(target)
                if found is not None and found != name:
                    edges.append((name, found, node.lineno))
    return edges


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {m: set() for m in _modules()}
    for src, dst, _ in _edges():
        graph[src].add(dst)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def _reachable(starts: list[str]) -> set[str]:
    """Every module that runs when ``starts`` are imported: their imports and the packages they sit in."""
    graph, mods = _graph(), _modules()
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        parts = m.split(".")
        todo += [p for p in (".".join(parts[:i]) for i in range(1, len(parts))) if p in mods]
        todo += graph[m]
    return seen


def test_the_import_graph_sees_function_level_imports() -> None:
    """The checks below are only as good as the graph: it must hold imports made inside functions."""
    edges = {(s, d) for s, d, _ in _edges()}
    assert ("orchestration.core.spec.loader", "orchestration.core.spec.document") in edges  # inside spec_problems
    assert ("lambdas.engine.batch", "lambdas.engine.dedupe") in edges  # inside process_batch
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_between_our_modules() -> None:
    cycles = _cycles(_graph())
    described = []
    for component in cycles:
        lines = [f"  {s} -> {d} (line {n})" for s, d, n in _edges() if s in component and d in component]
        described.append("cycle: " + ", ".join(component) + "\n" + "\n".join(lines))
    assert cycles == [], "\n".join(described)


def test_the_core_imports_only_the_core() -> None:
    bad = [f"{s} -> {d} (line {n})" for s, d, n in _edges()
           if s.startswith("orchestration.core") and not d.startswith("orchestration.core")]
    assert bad == []


def test_engines_never_reach_the_cli_the_local_runtime_or_the_compiler() -> None:
    direct = [f"{s} -> {d} (line {n})" for s, d, n in _edges()
              if s.split(".")[0] in ENGINES and d.startswith(NEVER_FROM_ENGINES)]
    assert direct == []
    engine_modules = [m for m in _modules() if m.split(".")[0] in ENGINES]
    reached = sorted(m for m in _reachable(engine_modules) if m.startswith(NEVER_FROM_ENGINES))
    assert reached == [], "reached through the control plane modules the engines use"


def _packaged(includes: tuple[str, ...], module: str) -> bool:
    path = _modules()[module].relative_to(ROOT).as_posix()
    return any(path.startswith(i) if i.endswith("/") else path == i for i in includes)


@pytest.mark.parametrize(("engines", "includes_name"), [(("lambdas", "crawlers"), "CODE_INCLUDES"),
                                                          (("glue_jobs",), "GLUE_INCLUDES")])
def test_packaging_includes_everything_the_engines_import(engines: tuple[str, ...], includes_name: str) -> None:
    from orchestration import packaging

    includes = getattr(packaging, includes_name)
    needed = _reachable([m for m in _modules() if m.split(".")[0] in engines])
    missing = sorted(m for m in needed if not _packaged(includes, m))
    assert missing == [], f"imported by {engines} but not in packaging.{includes_name}"
    if includes_name == "GLUE_INCLUDES":
        assert not any(_packaged(includes, m) for m in _modules() if m.startswith(("lambdas", "crawlers")))
