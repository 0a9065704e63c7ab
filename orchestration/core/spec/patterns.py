"""Spark datetime patterns: the strftime format DuckDB parses with, and the exact shape both engines check."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from ..errors import SpecError

__all__ = ["spark_pattern_to_strftime", "spark_pattern_regex", "compile_pattern", "format_pattern", "parse_shape",
           "PATTERN_LETTERS"]

_TOKEN = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*|.", re.S)
# letter run -> (strftime, regex); None strftime for fraction handled separately
_PATTERNS: dict[str, tuple[str, str]] = {
    "yyyy": ("%Y", "[0-9]{4}"), "y": ("%Y", "[0-9]{4}"), "yy": ("%y", "[0-9]{2}"),
    # no "uuuu": Spark 3 refuses 'u' in every pattern ("week-based patterns are unsupported"), so a run failed on Glue
    "MM": ("%m", "[0-9]{2}"), "M": ("%m", "[0-9]{1,2}"), "MMM": ("%b", "[A-Za-z]{3}"),
    "MMMM": ("%B", "[A-Za-z]{3,9}"), "LL": ("%m", "[0-9]{2}"), "L": ("%m", "[0-9]{1,2}"),
    "dd": ("%d", "[0-9]{2}"), "d": ("%d", "[0-9]{1,2}"), "DDD": ("%j", "[0-9]{3}"),
    "HH": ("%H", "[0-9]{2}"), "H": ("%H", "[0-9]{1,2}"),
    "hh": ("%I", "[0-9]{2}"), "h": ("%I", "[0-9]{1,2}"),
    "mm": ("%M", "[0-9]{2}"), "m": ("%M", "[0-9]{1,2}"),
    "ss": ("%S", "[0-9]{2}"), "s": ("%S", "[0-9]{1,2}"),
    "SSS": ("%g", "[0-9]{3}"), "SSSSSS": ("%f", "[0-9]{6}"), "SSSSSSSSS": ("%n", "[0-9]{9}"),
    "a": ("%p", "[AaPp][Mm]"),
    "E": ("%a", "[A-Za-z]{3}"), "EEE": ("%a", "[A-Za-z]{3}"), "EEEE": ("%A", "[A-Za-z]{6,9}"),
    "XXX": ("%z", "(Z|[+-][0-9]{2}:[0-9]{2})"), "xxx": ("%z", "[+-][0-9]{2}:[0-9]{2}"),
    "XX": ("%z", "(Z|[+-][0-9]{4})"), "xx": ("%z", "[+-][0-9]{4}"),
    "Z": ("%z", "[+-][0-9]{4}"), "X": ("%z", "(Z|[+-][0-9]{2}([0-9]{2})?)"),
}
_OFFSET_LETTERS = ("X", "x", "Z")
PATTERN_LETTERS: tuple[str, ...] = tuple(_PATTERNS)
"""The Spark datetime pattern letter runs both engines parse alike."""


@dataclass(frozen=True)
class _Pattern:
    strftime: str
    regex: str
    has_offset: bool
    zulu: bool  # 'Z' text may stand for +00:00


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> _Pattern:
    fmt: list[str] = []
    rx: list[str] = []
    has_offset = zulu = False
    for m in _TOKEN.finditer(pattern):
        tok = m.group(0)
        if tok.startswith("'"):
            text = "'" if tok == "''" else tok[1:-1].replace("''", "'")
            fmt.append(text.replace("%", "%%"))
            rx.append(re.escape(text).replace("\\ ", " "))
        elif m.group(1):
            if tok not in _PATTERNS:
                raise SpecError(
                    f"datetime pattern {pattern!r}: {tok!r} is not supported; use yyyy MM dd HH mm ss SSS "
                    "SSSSSS a E MMM XXX and quoted literals such as 'T'"
                )
            f, r = _PATTERNS[tok]
            fmt.append(f)
            rx.append(r)
            if tok[0] in _OFFSET_LETTERS:
                has_offset = True
                zulu = zulu or tok[0] == "X"
        elif tok in "[]{}#":
            raise SpecError(f"datetime pattern {pattern!r}: optional sections and {tok!r} are not supported")
        else:
            fmt.append(tok.replace("%", "%%"))
            rx.append(re.escape(tok).replace("\\ ", " ").replace("\\-", "-").replace("\\:", ":"))
    return _Pattern("".join(fmt), "^" + "".join(rx) + "$", has_offset, zulu)


def spark_pattern_to_strftime(pattern: str) -> str:
    """A Spark datetime pattern (``yyyy-MM-dd'T'HH:mm:ss``) as a strftime format (``%Y-%m-%dT%H:%M:%S``);
    SpecError for letters Lockgate does not support."""
    return compile_pattern(pattern).strftime


def spark_pattern_regex(pattern: str) -> str:
    """The exact shape text must have for ``pattern`` (both engines check it before parsing, so field
    widths mean the same in Spark and DuckDB)."""
    return compile_pattern(pattern).regex


# How ``date_format`` writes a letter run, where that differs from how it is parsed (``_PATTERNS``): a single
# letter is the number without padding; a zone is UTC's (timestamps are UTC instants, docs/semantics.md).
_FORMATS: dict[str, str] = {
    "M": "%-m", "L": "%-m", "d": "%-d", "H": "%-H", "h": "%-I", "m": "%-M", "s": "%-S",
    "XXX": "Z", "XX": "Z", "X": "Z", "xxx": "+00:00", "xx": "+0000", "Z": "+0000",
}


@lru_cache(maxsize=256)
def format_pattern(pattern: str) -> str:
    """A Spark datetime pattern as the strftime format DuckDB writes a UTC timestamp with exactly as Spark's
    ``date_format`` does; SpecError for letters Lockgate does not support."""
    return _convert(pattern, lambda run: _FORMATS.get(run) or _PATTERNS[run][0], lambda text: text.replace("%", "%%"))


def _convert(pattern: str, run: Callable[[str], str], text: Callable[[str], str]) -> str:
    """``pattern`` (checked by ``compile_pattern``) with each letter run and each piece of literal text (quoted
    or not) replaced by what ``run`` and ``text`` give for it."""
    compile_pattern(pattern)
    out: list[str] = []
    for m in _TOKEN.finditer(pattern):
        tok = m.group(0)
        if tok.startswith("'"):
            out.append(text("'" if tok == "''" else tok[1:-1].replace("''", "'")))
        else:
            out.append(run(tok) if m.group(1) else text(tok))
    return "".join(out)

_FRACTIONS = {"SSS": "[0-9]{1,3}", "SSSSSS": "[0-9]{1,6}", "SSSSSSSSS": "[0-9]{1,9}"}


@lru_cache(maxsize=256)
def parse_shape(pattern: str) -> str:
    """The shape Spark's ``to_timestamp``/``to_date`` accept for ``pattern``: its exact widths and no spaces
    around (DuckDB's strptime also takes one digit for ``MM`` and surrounding spaces, where Spark gives
    NULL), but a fraction of fewer digits than the pattern's (``.45`` for ``SSS``), as Spark's parser takes."""
    return "^" + _convert(pattern, lambda run: _FRACTIONS.get(run) or _PATTERNS[run][1], re.escape) + "$"
