"""The import spec: models, loading with precise errors, windows and placeholders.

Kept light (pydantic, PyYAML, sqlglot only): it ships inside every Lambda package.
"""

from __future__ import annotations

from .checks import Problem, check_spec
from .loader import SpecInvalid, load_spec, parse_spec, spec_problems
from .models import Column, Spec, Target
from .types import ColumnType, parse_type
from .window import Window, expand_source_uris, resolve_window

__all__ = [
    "Spec", "Column", "Target", "ColumnType", "parse_type", "Problem", "check_spec", "SpecInvalid",
    "load_spec", "parse_spec", "spec_problems", "Window", "resolve_window", "expand_source_uris",
]
