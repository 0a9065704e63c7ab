"""A problem found in a spec: the field path and a message that names the fix."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: the dotted field path, a message that names the fix and, when known,
    the line of the field in its file."""

    path: str
    message: str
    line: int | None = None

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}" if self.line is not None else file
        return f"{where}: {self.path}: {self.message}"
