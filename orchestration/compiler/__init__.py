"""The ASL compiler: one Step Functions state machine per import (JSONPath), with ``${...}``
placeholders that Terraform's templatefile fills, plus the render output and diagrams."""

from __future__ import annotations

from ..machine_names import PLACEHOLDERS
from ..router.transitions import state_counts, success_path
from .machine import check_template_safe, compile_definition, integrations, placeholders_used

__all__ = [
    "compile_definition", "placeholders_used", "integrations", "check_template_safe", "PLACEHOLDERS",
    "state_counts", "success_path",
]
