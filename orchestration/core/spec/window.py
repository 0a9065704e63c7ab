"""Run windows and source URI placeholders.

A window is half-open, ``[start, end)``, with aware datetimes in the spec's time zone. Placeholders in
``source.uri`` expand once per step of the finest placeholder used (``{hour}`` hourly, ``{date}`` or
``{day}`` daily, ``{month}`` monthly, ``{year}`` yearly), over every step the window touches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from .uris import placeholders_in

__all__ = ["Window", "resolve_window", "parse_window", "expand_source_uris", "WindowPolicy", "check_window_length",
           "DEFAULT_MAX_WINDOW_DAYS", "MAX_SOURCE_PREFIXES"]

DEFAULT_MAX_WINDOW_DAYS = 3653
"""Ten years: the longest window a run or backfill may name unless ``limits.max_window_days`` says otherwise."""

WindowPolicy = Literal["previous_day", "previous_hour", "current_day", "none"]


@dataclass(frozen=True)
class Window:
    """Half-open time window ``[start, end)``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must carry a time zone")
        if self.end <= self.start:
            raise ValueError(f"window end {self.end.isoformat()} is not after its start {self.start.isoformat()}")

    def to_json(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, str], tz: str = "UTC") -> Window:
        return cls(_parse_bound(data["start"], tz), _parse_bound(data["end"], tz))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def _parse_bound(text: str, tz: str) -> datetime:
    text = text.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=ZoneInfo(tz))
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or ISO timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


def parse_window(text: str, tz: str = "UTC") -> Window:
    """Parse ``START..END`` (dates or ISO timestamps; END exclusive). A single date means that day."""
    if ".." not in text:
        start = _parse_bound(text, tz)
        if len(text.strip()) != 10:
            raise ValueError(f"{text!r}: write a window as START..END, e.g. 2024-01-01..2024-01-08")
        return Window(start, start + timedelta(days=1))
    a, _, b = text.partition("..")
    return Window(_parse_bound(a, tz), _parse_bound(b, tz))


MAX_SOURCE_PREFIXES = 100_000
"""Most source prefixes one window may expand to (ten years hourly is 87,660): the plan's own bound, for
runs started without the CLI's window check (``start-execution`` with any window)."""
_STEP_SECONDS = {"hour": 3600, "day": 86400, "month": 28 * 86400, "year": 365 * 86400}


def check_window_length(window: Window, max_days: int = DEFAULT_MAX_WINDOW_DAYS) -> Window:
    """``window`` when it spans at most ``max_days`` days; else ValueError saying how long it is and the limit
    (checked before planning, so ``2024-01-01..9999-12-31`` never expands millions of source prefixes)."""
    days = (window.end - window.start).total_seconds() / 86400
    if days > max_days:
        raise ValueError(f"spans {days:,.0f} days; the longest window allowed is {max_days:,} days "
                         "(limits.max_window_days in lockgate.yaml); load it in parts with backfill --chunk")
    return window


def resolve_window(policy: WindowPolicy, now: datetime, tz: str = "UTC") -> Window | None:
    """The window a run starting at ``now`` loads under ``policy``, in time zone ``tz``."""
    if policy == "none":
        return None
    local = now.astimezone(ZoneInfo(tz))
    if policy == "previous_hour":
        end = local.replace(minute=0, second=0, microsecond=0)
        return Window(end - timedelta(hours=1), end)
    today = datetime(local.year, local.month, local.day, tzinfo=ZoneInfo(tz))
    if policy == "current_day":
        return Window(today, _next_day(today))
    return Window(_prev_day(today), today)


def _next_day(d: datetime) -> datetime:
    n = (d + timedelta(days=1, hours=3)).date()  # robust to DST: land on the next calendar day
    return datetime(n.year, n.month, n.day, tzinfo=d.tzinfo)


def _prev_day(d: datetime) -> datetime:
    p = (d - timedelta(hours=12)).date()
    return datetime(p.year, p.month, p.day, tzinfo=d.tzinfo)


def _floor(t: datetime, unit: str) -> datetime:
    if unit == "hour":
        return t.replace(minute=0, second=0, microsecond=0)
    if unit == "day":
        return t.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "month":
        return t.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return t.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def _step(t: datetime, unit: str) -> datetime:
    if unit == "hour":
        return t + timedelta(hours=1)
    if unit == "day":
        return _next_day(t)
    if unit == "month":
        return t.replace(year=t.year + t.month // 12, month=t.month % 12 + 1)
    return t.replace(year=t.year + 1)


def expand_source_uris(template: str, window: Window | None, tz: str = "UTC") -> list[str]:
    """Every URI the template names for the window, in time order, without repeats."""
    names = set(placeholders_in(template))
    if not names:
        return [template]
    if window is None:
        raise ValueError(f"{template!r} has placeholders but the run has no window; pass --window START..END")
    unit = ("hour" if "hour" in names else "day" if names & {"date", "day"} else "month" if "month" in names else "year")
    steps = (window.end - window.start).total_seconds() / _STEP_SECONDS[unit]
    if steps > MAX_SOURCE_PREFIXES:
        raise ValueError(f"window {window} would expand {template!r} into about {steps:,.0f} {unit}ly prefixes; at "
                         f"most {MAX_SOURCE_PREFIXES:,} are planned at once: load it in parts (backfill --chunk)")
    zone = ZoneInfo(tz)
    t = _floor(window.start.astimezone(zone), unit)
    end = window.end.astimezone(zone)
    out: dict[str, None] = {}  # ordered and without repeats (a list's `in` made ten years hourly quadratic)
    while t < end:
        uri = template.format(date=t.strftime("%Y-%m-%d"), year=f"{t.year:04d}", month=f"{t.month:02d}",
                              day=f"{t.day:02d}", hour=f"{t.hour:02d}")
        out.setdefault(uri)
        t = _step(t, unit)
    return list(out)
