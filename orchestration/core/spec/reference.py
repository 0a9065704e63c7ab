"""Render docs/spec-reference.md from the spec's JSON Schema, so the reference cannot drift.

``python -m orchestration.core.spec.reference > docs/spec-reference.md``
"""

from __future__ import annotations

import json
from typing import Any

from .schema import spec_json_schema

__all__ = ["render_reference"]


def _type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    if "$ref" in prop:
        return f"[{prop['$ref'].rsplit('/', 1)[1]}](#{prop['$ref'].rsplit('/', 1)[1].lower()})"
    if "enum" in prop:
        return " \\| ".join(f"`{v}`" for v in prop["enum"])
    if "const" in prop:
        return f"`{prop['const']}`"
    if "anyOf" in prop:
        return " or ".join(_type(p, defs) for p in prop["anyOf"])
    t = prop.get("type", "any")
    if t == "array":
        return f"list of {_type(prop.get('items', {}), defs)}"
    if t == "object" and "additionalProperties" in prop and isinstance(prop["additionalProperties"], dict):
        return f"map of name to {_type(prop['additionalProperties'], defs)}"
    if t == "object" and len(prop.get("patternProperties", {})) == 1:
        return f"map of name to {_type(next(iter(prop['patternProperties'].values())), defs)}"
    return str(t)


def _constraints(prop: dict[str, Any]) -> str:
    parts = []
    for key, word in (("minimum", ">="), ("maximum", "<="), ("exclusiveMinimum", ">"), ("exclusiveMaximum", "<"),
                      ("minLength", "min length"), ("maxLength", "max length"), ("minItems", "min items")):
        if key in prop:
            parts.append(f"{word} {prop[key]}")
    if "pattern" in prop:
        parts.append(f"pattern `{prop['pattern']}`")
    return ", ".join(parts)


def _section(name: str, model: dict[str, Any], defs: dict[str, Any]) -> list[str]:
    lines = [f"## {name}", "", model.get("description", ""), "",
             "| field | type | required | default | description |", "|---|---|---|---|---|"]
    required = set(model.get("required", []))
    for field, prop in model.get("properties", {}).items():
        default = json.dumps(prop["default"]) if "default" in prop else ""
        desc = prop.get("description") or (defs.get(prop.get("$ref", "").rsplit("/", 1)[-1], {}).get("description", ""))
        extra = _constraints(prop)
        desc = " ".join(desc.split()) + (f" ({extra})" if extra else "")
        lines.append(f"| `{field}` | {_type(prop, defs)} | {'yes' if field in required else ''} | "
                     f"{('`' + default + '`') if default else ''} | {desc.replace('|', chr(92) + '|')} |")
    return [*lines, ""]


def render_reference() -> str:
    schema = spec_json_schema()
    defs = schema["$defs"]
    out = ["# Spec reference", "",
           "Generated from the JSON Schema (`lockgate schema`) by `python -m orchestration.core.spec.reference`; "
           "do not edit by hand.", "",
           "Expressions (checks, derive, filter, dedupe order) are Spark SQL, one row-level expression each: "
           "no statements, `;`, subqueries, aggregates, window functions or JVM-reaching functions "
           "(`reflect`, `java_method`). `s3://BUCKET/KEY` is the only way to name data.", ""]
    out += _section("Spec", schema, defs)
    for name in sorted(defs):
        out += _section(name, defs[name], defs)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render_reference(), end="")
