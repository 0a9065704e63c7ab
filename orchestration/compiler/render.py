"""``lockgate render``: what Terraform deploys, per import (docs/contracts.md, "Terraform render output").

``DIR/<import>/definition.asl.json`` (ASL with ``${...}`` placeholders), ``spec.json`` (canonical spec),
``terraform.json`` (names, locations, engine settings, crawler settings, schedule, integrations) and
``DIR/imports.json`` (the import names). Keys are only ever added, never changed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestration.core.contracts import RunPaths
from orchestration.core.spec.models import Spec
from orchestration.core.spec.uris import split_s3_uri

from .. import wiring
from ..config import ProjectConfig
from .machine import compile_definition, integrations, placeholders_used

__all__ = ["render_import", "render_project", "terraform_inputs", "crawler_block", "static_prefix", "quarantine_tables"]

Json = dict[str, Any]


def static_prefix(uri: str) -> str:
    """The part of a source URI before its first placeholder, cut back to a folder:
    ``s3://raw/shop/orders/{date}/`` -> ``s3://raw/shop/orders/``."""
    if "{" not in uri:
        return uri
    head = uri[: uri.index("{")]
    return head[: head.rindex("/") + 1]


def _location(uri: str) -> Json:
    bucket, key = split_s3_uri(uri)
    return {"uri": uri, "bucket": bucket, "prefix": key}


def crawler_block(spec: Spec, config: ProjectConfig) -> Json | None:
    """The crawler settings Terraform creates the crawler from, or null when the spec never crawls.
    Rendered by ``crawlers.settings`` (the crawlers package owns them)."""
    if spec.crawler.run == "never":
        return None
    from crawlers.settings import crawler_settings

    return crawler_settings(spec, prefix=config.aws.prefix, control_uri=config.aws.control_uri)


def quarantine_tables(spec: Spec) -> list[Json]:
    """The quarantine's Parquet table and its ``<table>_quarantine`` view (``crawlers.quarantine``), as
    Glue TableInputs; Terraform creates both."""
    from crawlers.quarantine import quarantine_table_inputs

    return quarantine_table_inputs(spec)


def terraform_inputs(spec: Spec, config: ProjectConfig, definition: Json) -> Json:
    control = config.aws.control_uri
    placeholders = placeholders_used(definition)
    _, spec_key = split_s3_uri(RunPaths.spec(control, spec.name))
    source = _location(static_prefix(spec.source.s3_uri)) | {"template": spec.source.s3_uri}
    target = spec.target
    schedule = None
    if spec.schedule:
        schedule = {
            "expression": spec.schedule.expression,
            "timezone": spec.schedule.timezone,
            "window": spec.schedule.window,
            "input": {"import": spec.name, "mode": "scheduled"},
        }
    return {
        "import": spec.name,
        "state_machine_name": f"{config.aws.prefix}-{spec.name}",
        "placeholders": placeholders,
        "spec_key": spec_key,
        "source": source,
        "target": {
            "database": target.database,
            "table": target.table,
            "location": target.location,
            "bucket": split_s3_uri(target.location)[0],
            "prefix": split_s3_uri(target.location)[1],
            "quarantine": target.quarantine_uri,
        },
        "lambda": spec.routing.lambda_.model_dump(mode="json"),
        "glue": wiring.glue_job(spec),  # workers and Flex may still be chosen per run
        "crawler": crawler_block(spec, config),
        "schedule": schedule,
        "notifications": spec.notifications.model_dump(mode="json"),
        "integrations": integrations(definition),
        # Added keys (docs/contracts.md allows additions): what the plan Lambda needs besides the spec.
        "routing": config.routing.model_dump(mode="json"),
        "control_uri": control,
        "engines": sorted({"glue"} | (set() if spec.spark_dependent else {"lambda"})),
        "quarantine_tables": quarantine_tables(spec),
        # Each function the definition invokes, as Terraform deploys it and the local runner runs it.
        "functions": {kind: f.as_json() for kind, f in wiring.functions(spec, config).items()
                      if f"{kind}_function_arn" in placeholders},
    } | _download(spec)


def _download(spec: Spec) -> Json:
    """An https:// or sftp:// import's download: the remote URI and the exactly named secret or parameter
    the download functions may read (Terraform grants nothing else). Absent for s3:// imports."""
    d = spec.source.download
    if not spec.source.remote or d is None:
        return {}
    creds = d.credentials
    return {"download": {
        "uri": spec.source.uri,
        "landing": d.landing,
        "secret": creds.secret if creds else None,
        "parameter": creds.parameter if creds else None,
    }}


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_import(spec: Spec, config: ProjectConfig) -> dict[str, str]:
    """File name -> content for one import's render directory."""
    definition = compile_definition(spec)
    return {
        "definition.asl.json": _dump(definition),
        "spec.json": _dump(spec.canonical()),
        "terraform.json": _dump(terraform_inputs(spec, config, definition)),
    }


def render_project(specs: dict[str, Spec], config: ProjectConfig, out: str | Path) -> list[Path]:
    """Write every import's render directory and ``imports.json`` under ``out``; the files written."""
    root = Path(out)
    written: list[Path] = []
    for name in sorted(specs):
        d = root / name
        d.mkdir(parents=True, exist_ok=True)
        for fname, text in render_import(specs[name], config).items():
            (d / fname).write_text(text)
            written.append(d / fname)
    (root / "imports.json").write_text(_dump(sorted(specs)))
    written.append(root / "imports.json")
    return written
