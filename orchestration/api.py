"""The Python API the ``lockgate`` CLI is a thin layer over."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestration.core.spec import Problem, Spec, SpecInvalid, load_spec
from orchestration.core.spec.locations import cross_import_problems

from .config import Project

__all__ = ["ValidationReport", "validate_paths", "list_imports", "ImportSummary"]


@dataclass(frozen=True)
class ValidationReport:
    """Which files were checked, every problem line (``FILE:LINE:COL: field.path: message``) and the same
    problems as records (``file``, ``line``, ``column``, ``field``, ``message``) for ``--json``."""

    files: list[Path]
    problems: list[str]
    details: list[dict[str, Any]]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_paths(project: Project | None, paths: Iterable[str | Path] = ()) -> ValidationReport:
    """Validate spec files (or directories of them); default: every import of the project."""
    files: list[Path] = []
    for p in map(Path, paths):
        files += sorted([*p.glob("*.yaml"), *p.glob("*.yml")]) if p.is_dir() else [p]
    if not files and project is not None:
        files = project.spec_files()
    errors: list[SpecInvalid] = []
    names: dict[str, Path] = {}
    specs: dict[str, Spec] = {}
    for f in files:
        if not f.is_file():
            errors.append(SpecInvalid(str(f), [Problem("file", "no such file")]))
            continue
        try:
            spec = load_spec(f)
        except SpecInvalid as e:
            errors.append(e)
            continue
        if spec.name in names:
            errors.append(SpecInvalid(str(f), [Problem("name", f"import {spec.name!r} is already declared in "
                                                               f"{names[spec.name]}")]))
        names[spec.name] = f
        specs[spec.name] = spec
    others: dict[str, Spec] = {}
    if project is not None and paths:  # validating some files: check their locations against the whole project
        for f in project.spec_files():
            try:
                other = load_spec(f)
            except SpecInvalid:
                continue
            others[other.name] = other
    for name, problem in cross_import_problems({**others, **specs}):
        if name in specs:
            errors.append(SpecInvalid(str(names[name]), [problem]))
    problems = [line for e in errors for line in e.lines()]
    details = [{"file": e.file, "line": p.line, "column": p.column, "field": p.path, "message": p.message}
               for e in errors for p in e.problems]
    return ValidationReport(files, problems, details)


@dataclass(frozen=True)
class ImportSummary:
    """One row of ``lockgate list``; an invalid spec file is a row with ``valid`` false and its problems."""

    name: str
    engine: str
    target: str
    location: str
    schedule: str
    file: str
    valid: bool = True
    problems: tuple[str, ...] = ()

    @classmethod
    def of(cls, spec: Spec, file: Path | None = None) -> ImportSummary:
        sched = f"{spec.schedule.expression} {spec.schedule.timezone}" if spec.schedule else "manual"
        engine = spec.routing.engine + (" (spark hook: glue)" if spec.spark_dependent else "")
        return cls(spec.name, engine, f"{spec.target.database}.{spec.target.table}", spec.target.location, sched,
                   str(file) if file else "")


def list_imports(project: Project) -> list[ImportSummary]:
    """Every import of the project, the valid ones first; invalid files are listed, not raised."""
    found = project.load_specs()
    rows = [ImportSummary.of(s, found.files.get(s.name)) for s in found.specs.values()]
    rows += [ImportSummary(found.declared_name(f), "", "", "", "", str(f), False, tuple(e.lines()))
             for f, e in found.invalid.items()]
    return rows
