"""A problem found in a spec: the field path and a message that names the fix."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: the dotted field path and a message that names the fix."""

    path: str
    message: str

    def render(self, file: str) -> str:
        return f"{file}: {self.path}: {self.message}"
