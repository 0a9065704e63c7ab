"""The parity suite uses the Glue suite's fixtures: one local Spark session per test process, a lake per test."""

from __future__ import annotations

from tests.glue.conftest import lake, spark

__all__ = ["lake", "spark"]
