"""Column names in Spark SQL text."""

from __future__ import annotations

__all__ = ["ident"]


def ident(name: str) -> str:
    """``name`` as a quoted Spark SQL identifier: source column names are the files' own and may hold
    anything, a backquote included (doubled inside the quotes)."""
    return "`" + name.replace("`", "``") + "`"
