"""Render docs/spec-reference.md from the spec's JSON Schema, so the reference cannot drift.

``python -m orchestration.core.spec.reference > docs/spec-reference.md``
"""

from __future__ import annotations

import json
from typing import Any

from .functions import ALLOWED_ANONYMOUS, ALLOWED_FUNCTIONS
from .metadata import RESERVED_COLUMNS
from .patterns import PATTERN_LETTERS
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
           "Expressions (checks, derive, filter, dedupe order) are Spark SQL, one row-level expression each; "
           "see [Expressions](#expressions). `s3://BUCKET/KEY` is the only way to name data.", ""]
    out += _section("Spec", schema, defs)
    for name in sorted(defs):
        out += _section(name, defs[name], defs)
    out += _expressions()
    return "\n".join(out).rstrip() + "\n"


def _expressions() -> list[str]:
    functions = sorted({*ALLOWED_FUNCTIONS.values(), *ALLOWED_ANONYMOUS})
    return [
        "## Expressions", "",
        "`lockgate validate` compiles every expression for both engines (Spark SQL for Glue, its sqlglot "
        "translation to DuckDB for Lambda) and reports every problem at once, as `FILE:LINE:COL: field: "
        "message`. An expression is one row-level Spark SQL expression: no statements, `;`, subqueries, "
        "aggregates or window functions, and only columns of the spec (target columns, earlier derived "
        "columns, the metadata columns).", "",
        "Functions are an allow-list of those both engines run alike; anything else is refused, in "
        "particular functions that read files (`read_csv`), the environment (`getenv`), engine settings "
        "(`current_setting`, DuckDB only), the clock (`now`, `current_date`) or randomness. Operators "
        "(`+ - * / %`, comparisons, `AND OR NOT`, `IN`, `BETWEEN`, `LIKE`, `IS NULL`, `CASE`) are always "
        "allowed. Allowed functions (aliases such as `nvl`, `ifnull`, `substring`, `power` included):", "",
        ", ".join(f"`{f}`" for f in functions), "",
        "Datetime patterns (a column's `format` and the pattern of `to_date`, `to_timestamp`, "
        "`date_format`, `unix_timestamp`) may use `" + " ".join(PATTERN_LETTERS) + "` and quoted literals; regular expressions may not use "
        "lookaround, backreferences or possessive quantifiers (DuckDB's RE2 lacks them).", "",
        "Reserved names: " + ", ".join(f"`{c}`" for c in RESERVED_COLUMNS) + " (the engines fill the "
        "metadata columns, so no target, source or derived column may be named so) and every name starting "
        "with `__`.", "",
    ]


if __name__ == "__main__":
    print(render_reference(), end="")
