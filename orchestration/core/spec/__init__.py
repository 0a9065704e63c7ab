"""The import spec: models, loading with precise errors, windows and placeholders.

Kept light (pydantic, PyYAML, sqlglot only): it ships inside every Lambda package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .loader import SpecInvalid, load_spec, parse_spec, spec_problems
from .models import Column, Spec, Target
from .problems import Problem
from .types import ColumnType, parse_type
from .window import Window, expand_source_uris, resolve_window

__all__ = [
    "Spec", "Column", "Target", "ColumnType", "parse_type", "Problem", "check_spec", "SpecInvalid",
    "load_spec", "parse_spec", "spec_problems", "Window", "resolve_window", "expand_source_uris",
]

if TYPE_CHECKING:
    from .checks import check_spec


def __getattr__(name: str) -> Any:
    # check_spec pulls in sqlglot; load it only when asked so handlers that only read specs start fast
    if name == "check_spec":
        from .checks import check_spec

        return check_spec
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
