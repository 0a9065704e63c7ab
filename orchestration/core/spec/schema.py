"""The JSON Schema of the spec, as ``lockgate schema`` prints it."""

from __future__ import annotations

from typing import Any

from .models import Spec

__all__ = ["spec_json_schema"]


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) describing every spec field, with defaults and descriptions."""
    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://lockgate.dev/schemas/import-spec.json"
    schema["title"] = "Lockgate import spec"
    return schema
