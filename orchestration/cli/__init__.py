"""The ``lockgate`` command line: a thin layer over ``orchestration.api`` and friends."""

from __future__ import annotations

from .app import app, main

__all__ = ["app", "main"]
