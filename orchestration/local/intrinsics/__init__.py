"""ASL intrinsic functions (``States.*``): a parser and the function table."""

from __future__ import annotations

from orchestration.local.intrinsics.evaluate import evaluate, validate
from orchestration.local.intrinsics.parser import is_intrinsic

__all__ = ["evaluate", "is_intrinsic", "validate"]
