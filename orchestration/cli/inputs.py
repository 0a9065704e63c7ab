"""The input of a run, checked once for ``plan``, ``run`` and ``backfill`` before anything starts: the
import exists and its spec is valid, the engine and mode are known, the window parses and the source
can be resolved for it. The same bad input gives the same error and exit code from every command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, cast

from orchestration.core.errors import UsageError
from orchestration.core.spec import Spec
from orchestration.core.spec.uris import placeholders_in
from orchestration.core.spec.window import (
    DEFAULT_MAX_WINDOW_DAYS,
    Window,
    check_window_length,
    parse_window,
    resolve_window,
)

from ..config import Project

__all__ = ["ENGINES", "MODES", "RunInputs", "check_run_inputs", "check_window"]

ENGINES = ("auto", "lambda", "glue")
MODES = ("manual", "backfill", "scheduled")
Engine = Literal["auto", "lambda", "glue"]
Mode = Literal["manual", "backfill", "scheduled"]
WINDOW_EXAMPLE = "e.g. --window 2024-03-01..2024-03-08 (END exclusive) or --window 2024-03-01 for one day"


@dataclass(frozen=True)
class RunInputs:
    """Checked input of one run. ``window`` is None when the spec's window policy decides at run start."""

    spec: Spec
    window: Window | None
    engine: Engine
    mode: Mode


def check_window(spec: Spec, text: str | None, option: str = "--window", *,
                 max_days: int = DEFAULT_MAX_WINDOW_DAYS) -> Window | None:
    """Parse ``--window`` in the spec's time zone and check it spans at most ``max_days``; None when not given."""
    if text is None:
        return None
    tz = spec.schedule.timezone if spec.schedule else "UTC"
    try:
        window = parse_window(text, tz)
    except ValueError as e:
        problem = "is empty or reversed: END must be after START" if "is not after" in str(e) else f"is not a window ({e})"
        raise UsageError(f"window {text[:100]!r} {problem}; {WINDOW_EXAMPLE}", where=option) from None
    try:
        return check_window_length(window, max_days)
    except ValueError as e:
        raise UsageError(f"window {text[:100]!r} {e}", where=option) from None


def _needs_window(spec: Spec, mode: str) -> str | None:
    """Why this run cannot go without --window, or None when it can."""
    if mode == "backfill":
        return "a backfill loads a past window"
    names = placeholders_in(spec.source.uri)
    if not names:
        return None
    policy = spec.schedule.window if spec.schedule else "none"
    if policy != "none" and resolve_window(policy, datetime.now(UTC), spec.schedule.timezone if spec.schedule else "UTC"):
        return None
    placeholders = ", ".join("{" + n + "}" for n in sorted(set(names)))
    return (f"{spec.name}'s source.uri has {placeholders} and the import has no window policy "
            "(schedule.window)")


def check_run_inputs(project: Project, import_name: str, window: str | None, engine: str = "auto",
                     mode: str = "manual") -> RunInputs:
    """Check what ``plan``/``run``/``backfill`` were given; raises UsageError (exit 2) or SpecError."""
    if engine not in ENGINES:
        raise UsageError(f"engine {engine!r} is not one of {', '.join(ENGINES)}", where="--engine")
    if mode not in MODES:
        raise UsageError(f"mode {mode!r} is not one of {', '.join(MODES)}", where="--mode")
    spec = project.spec(import_name)
    win = check_window(spec, window, max_days=project.config.limits.max_window_days)
    if win is None:
        why = _needs_window(spec, mode)
        if why:
            raise UsageError(f"{why}; pass --window START..END, {WINDOW_EXAMPLE}",
                             where="--window")
    return RunInputs(spec, win, cast(Engine, engine), cast(Mode, mode))
