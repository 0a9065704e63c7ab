"""The source files of a project's hooks, so packaging ships them with both engines.

A hook is named ``package.module:function`` relative to the project's root (``lockgate.yaml``'s
folder), as the local runtime imports it. Its module file and every enclosing package's ``__init__.py``
are shipped in the Lambda code zip and the Glue job's ``lockgate.zip`` at the same relative paths, so
the deployed functions import the same name.
"""

from __future__ import annotations

from pathlib import Path

from orchestration.core.errors import ConfigError
from orchestration.core.spec.models import Spec

__all__ = ["hook_refs", "hook_files"]


def hook_refs(specs: dict[str, Spec]) -> dict[str, str]:
    """``module -> where`` for every hook the specs name (``where`` is the first ``import: hooks.kind``)."""
    out: dict[str, str] = {}
    for name in sorted(specs):
        for kind in ("arrow", "spark"):
            ref = getattr(specs[name].hooks, kind, None)
            if ref:
                out.setdefault(ref.split(":", 1)[0], f"{name}: hooks.{kind}")
    return out


def hook_files(root: Path, specs: dict[str, Spec]) -> list[Path]:
    """Paths, relative to ``root``, of every file the specs' hooks need; a missing module is an error
    naming the import and the file looked for."""
    files: set[Path] = set()
    for module, where in hook_refs(specs).items():
        parts = module.split(".")
        as_file, as_package = Path(*parts).with_suffix(".py"), Path(*parts) / "__init__.py"
        found = next((p for p in (as_file, as_package) if (root / p).is_file()), None)
        if found is None:
            raise ConfigError(f"hook module {module!r} has no file under {root} ({as_file} or {as_package})",
                              where=where)
        files.add(found)
        for depth in range(1, len(parts)):
            init = Path(*parts[:depth]) / "__init__.py"
            if (root / init).is_file():
                files.add(init)
    return sorted(files)
