"""A problem found in a spec: the field path and a message that names the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Problem", "did_you_mean"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: the dotted field path, a message that names the fix and, when known,
    the line and column (both 1-based) of the field in its file."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def render(self, file: str) -> str:
        """``FILE:LINE:COL: field: message`` (the form editors and CI logs link), as much of it as is known."""
        where = file
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.path}: {self.message}"


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
