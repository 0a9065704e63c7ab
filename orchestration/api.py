"""The Python API the ``lockgate`` CLI is a thin layer over."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .config import Project
from .spec import Spec, SpecInvalid, load_spec
from .spec.locations import cross_import_problems

__all__ = ["ValidationReport", "validate_paths", "list_imports", "ImportSummary"]


@dataclass(frozen=True)
class ValidationReport:
    """Which files were checked and every problem line (``FILE: field.path: message``)."""

    files: list[Path]
    problems: list[str]

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
    problems: list[str] = []
    names: dict[str, Path] = {}
    specs: dict[str, Spec] = {}
    for f in files:
        if not f.is_file():
            problems.append(f"{f}: file: no such file")
            continue
        try:
            spec = load_spec(f)
        except SpecInvalid as e:
            problems += e.lines()
            continue
        if spec.name in names:
            problems.append(f"{f}: name: import {spec.name!r} is already declared in {names[spec.name]}")
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
            problems.append(problem.render(str(names[name])))
    return ValidationReport(files, problems)


@dataclass(frozen=True)
class ImportSummary:
    name: str
    engine: str
    target: str
    location: str
    schedule: str

    @classmethod
    def of(cls, spec: Spec) -> ImportSummary:
        sched = f"{spec.schedule.expression} {spec.schedule.timezone}" if spec.schedule else "manual"
        engine = spec.routing.engine + (" (spark hook: glue)" if spec.spark_dependent else "")
        return cls(spec.name, engine, f"{spec.target.database}.{spec.target.table}", spec.target.location, sched)


def list_imports(project: Project) -> list[ImportSummary]:
    return [ImportSummary.of(s) for s in project.specs().values()]
