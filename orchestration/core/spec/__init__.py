"""The import spec: models, loading with precise errors, windows and placeholders.

Kept light (pydantic, PyYAML): it ships inside every Lambda package. Validating a spec document
(``load_spec``, ``parse_spec``) also compiles its expressions with sqlglot and binds them in DuckDB;
those are imported on first use, and the engines, which receive already validated specs, never do.
"""

from __future__ import annotations

from .checks import check_spec
from .loader import SpecInvalid, load_spec, parse_spec, spec_problems
from .models import Column, Spec, Target
from .problems import Problem
from .types import ColumnType, parse_type
from .window import Window, expand_source_uris, resolve_window

__all__ = [
    "Spec", "Column", "Target", "ColumnType", "parse_type", "Problem", "check_spec", "SpecInvalid",
    "load_spec", "parse_spec", "spec_problems", "Window", "resolve_window", "expand_source_uris",
]
