"""Finding a hook's module without running it: ``validate`` says a hook is missing before any run does.

The module is looked up on ``sys.path`` and the project root (where the local runtime and the packaged
engines import hooks from); its source is parsed, not executed, for a top-level definition of the
function, so validating a spec never runs user code.
"""

from __future__ import annotations

import ast
import importlib.machinery
import sys
from pathlib import Path

__all__ = ["hook_problem"]


def _find(module: str, base: Path | None) -> Path | None:
    """The file of ``module`` (a package's ``__init__.py``, or a compiled extension), or None when it
    cannot be found."""
    search: list[str] | None = [*([str(base)] if base else []), str(Path.cwd()), *sys.path]
    origin: str | None = None
    for part in module.split("."):
        found = importlib.machinery.PathFinder.find_spec(part, search)
        if found is None:
            return None
        origin = found.origin
        search = list(found.submodule_search_locations or [])
    return Path(origin) if origin else None


def _defines(source: Path, name: str) -> bool:
    if source.suffix != ".py":
        return True  # a compiled module: only importing it could tell, and validating runs no user code
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return True  # unreadable here: let the import at run time say why
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return True
        if isinstance(node, ast.ImportFrom | ast.Import) and any((a.asname or a.name) == name for a in node.names):
            return True
    return False


def hook_problem(ref: str, base: Path | None = None) -> str | None:
    """Why the hook ``module:function`` cannot be loaded, or None when its module defines the function."""
    module, sep, function = ref.partition(":")
    if not sep or not module or not function:
        return None  # the schema reports the form
    try:
        source = _find(module, base)
    except (ImportError, ValueError):
        source = None
    if source is None:
        return (f"hook module {module!r} cannot be found on the Python path or under the project root "
                f"{base or Path.cwd()}; check the module name, or add the module to the project")
    if not _defines(source, function):
        return f"hook module {module!r} ({source}) does not define {function!r}; check the function name"
    return None
