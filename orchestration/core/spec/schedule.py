"""EventBridge Scheduler expressions: ``at(...)``, ``rate(...)``, ``cron(...)``, checked the way the
service checks them, so a spec that validates here deploys."""

from __future__ import annotations

import re
from datetime import datetime

__all__ = ["check_schedule_expression"]

_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# field name, low, high, names, extra special characters
_FIELDS: tuple[tuple[str, int, int, tuple[str, ...], str], ...] = (
    ("minutes", 0, 59, (), ""),
    ("hours", 0, 23, (), ""),
    ("day-of-month", 1, 31, (), "?LW"),
    ("month", 1, 12, _MONTHS, ""),
    ("day-of-week", 1, 7, _DAYS, "?L#"),
    ("year", 1970, 2199, (), ""),
)


def _value(token: str, low: int, high: int, names: tuple[str, ...], field: str) -> int:
    up = token.upper()
    if up in names:
        return names.index(up) + 1
    if not token.isdigit() or not low <= int(token) <= high:
        allowed = f"{low}-{high}" + (f" or {names[0]}-{names[-1]}" if names else "")
        raise ValueError(f"cron {field} value {token!r} is outside {allowed}")
    return int(token)


def _check_field(text: str, field: str, low: int, high: int, names: tuple[str, ...], special: str) -> None:
    if text in ("*", "?"):
        if text == "?" and "?" not in special:
            raise ValueError(f"cron {field} does not take '?'; only day-of-month and day-of-week do")
        return
    for part in text.split(","):
        if "L" in special and re.fullmatch(r"\d*L|LW", part.upper()):
            continue
        if "W" in special and re.fullmatch(r"\d{1,2}W", part.upper()):
            continue
        if "#" in special and "#" in part:
            day, _, nth = part.partition("#")
            _value(day, low, high, names, field)
            if not nth.isdigit() or not 1 <= int(nth) <= 5:
                raise ValueError(f"cron {field} {part!r}: the week after '#' must be 1-5")
            continue
        base, _, step = part.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            raise ValueError(f"cron {field} {part!r}: the step after '/' must be a positive number")
        if base == "*" and step:
            continue
        lo, dash, hi = base.partition("-")
        _value(lo, low, high, names, field)
        if dash:
            _value(hi, low, high, names, field)


def check_schedule_expression(expression: str) -> str:
    """Validate an EventBridge Scheduler expression; raises ValueError that names the fix."""
    text = expression.strip()
    if m := _RATE.match(text):
        value, unit = int(m.group(1)), m.group(2)
        if value < 1:
            raise ValueError(f"{expression!r}: the rate must be a positive number")
        if (value == 1) != (not unit.endswith("s")):
            want = unit.rstrip("s") if value == 1 else unit.rstrip("s") + "s"
            raise ValueError(f"{expression!r}: write rate({value} {want})")
        return text
    if m := _AT.match(text):
        try:
            datetime.fromisoformat(m.group(1))
        except ValueError:
            raise ValueError(f"{expression!r}: {m.group(1)} is not a valid date and time") from None
        return text
    if m := _CRON.match(text):
        parts = m.group(1).split()
        if len(parts) != 6:
            raise ValueError(
                f"{expression!r} has {len(parts)} fields; EventBridge cron takes 6: "
                "minutes hours day-of-month month day-of-week year, e.g. cron(0 3 * * ? *)"
            )
        for part, (field, low, high, names, special) in zip(parts, _FIELDS, strict=True):
            _check_field(part, field, low, high, names, special)
        dom, dow = parts[2], parts[4]
        if (dom == "?") == (dow == "?"):
            raise ValueError(
                f"{expression!r}: exactly one of day-of-month and day-of-week must be '?', "
                "e.g. cron(0 3 * * ? *)"
            )
        return text
    raise ValueError(
        f"{expression!r} is not a schedule expression; use cron(0 3 * * ? *), rate(1 day) or "
        "at(2026-01-01T03:00:00)"
    )
