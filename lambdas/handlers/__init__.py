"""The Lambda entry points Terraform points at: ``lambdas.handlers.<name>.handler``.

Each handler parses its event into a model, calls one domain function and returns a small dict. Modules
import nothing heavy at load time (no pyarrow, DuckDB or pandas): the engine is imported on first use.
"""

from __future__ import annotations

__all__ = ["HANDLERS"]

HANDLERS = ("plan", "process_batch", "dedupe", "commit", "failure")
"""Handler modules, one per Lambda function."""
