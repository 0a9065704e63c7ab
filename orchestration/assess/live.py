"""Read an account through boto3 (the project's client factory, so ``AWS_ENDPOINT_URL`` points it at an
emulator): every Glue job, its runs, triggers, workflows and script, the catalog tables the scripts
read, and the objects one run of each job reads, as the API's own response dictionaries."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from orchestration.core import aws
from orchestration.core.errors import ConfigError, UsageError
from orchestration.core.spec.uris import split_s3_uri

from .script import analyze_script
from .strings import UNRESOLVED

__all__ = ["fetch_responses", "MAX_LISTED_OBJECTS"]

MAX_LISTED_OBJECTS = 10_000
"""Most objects listed for one job's input; a larger input is sized from these."""
_PLACEHOLDER_FORMATS = {"{date}": "%Y-%m-%d", "{year}": "%Y", "{month}": "%m", "{day}": "%d", "{hour}": "%H"}


def _pages(client: Any, method: str, key: str, **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    try:
        for page in client.get_paginator(method).paginate(**kwargs):
            out += page.get(key, [])
    except _aws_errors() as e:
        raise ConfigError(f"glue {method} failed: {e}; assess needs glue:GetJobs, glue:GetJobRuns, "
                           "glue:GetTriggers, glue:ListWorkflows, glue:GetTable and s3:GetObject, s3:ListBucket "
                           "(or run it on an export: --from DIR)", where=f"glue {method}") from None
    return out


def _client_error() -> type[Exception]:
    from botocore.exceptions import ClientError

    return ClientError


def _aws_errors() -> tuple[type[Exception], ...]:
    from botocore.exceptions import BotoCoreError, ClientError

    return ClientError, BotoCoreError


def _script(s3: Any, location: str) -> str | None:
    if not location.startswith("s3://"):
        return None
    bucket, key = split_s3_uri(location)
    try:
        return str(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8", errors="replace"))
    except _client_error():
        return None  # the report says the script could not be read, per job


def _table(glue: Any, database: str, name: str) -> dict[str, Any] | None:
    try:
        return dict(glue.get_table(DatabaseName=database, Name=name)["Table"])
    except _client_error():
        return None  # the draft says the table's location is unknown


def _list(s3: Any, uri: str) -> list[dict[str, Any]]:
    bucket, prefix = split_s3_uri(uri)
    out: list[dict[str, Any]] = []
    try:
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for o in page.get("Contents", []):
                if not o["Key"].endswith("/") and o.get("Size", 0) > 0:
                    out.append({"Key": o["Key"], "Size": int(o["Size"])})
            if len(out) >= MAX_LISTED_OBJECTS:
                break
    except _client_error():
        return []  # not listable (no access, no bucket): the input is inferred from the run's duration
    return out[:MAX_LISTED_OBJECTS]


def _resolve(uri: str, runs: list[dict[str, Any]]) -> str | None:
    """``uri`` with its window placeholders filled for the latest run (the day before it started, as a
    daily job loads the previous day); None when the path has parts assess cannot resolve."""
    if UNRESOLVED in uri:
        return None
    if "{" not in uri:
        return uri
    starts: list[datetime] = [r["StartedOn"] for r in runs if isinstance(r.get("StartedOn"), datetime)]
    if not starts:
        return None
    day = max(starts) - timedelta(days=1)
    for placeholder, fmt in _PLACEHOLDER_FORMATS.items():
        uri = uri.replace(placeholder, day.strftime(fmt))
    return uri


def fetch_responses(region: str | None = None, only: list[str] | None = None) -> dict[str, Any]:
    """Everything assess reads, in the export layout's shape (``export.write_export`` writes it)."""
    glue, s3 = aws.client("glue", region=region), aws.client("s3", region=region)
    jobs = [j for j in _pages(glue, "get_jobs", "Jobs") if not only or j.get("Name") in only]
    if only:
        missing = sorted(set(only) - {j.get("Name") for j in jobs})
        if missing:
            raise UsageError(f"no Glue job named {', '.join(missing)} in region {aws.region_name(region)}", where="--job")
    out: dict[str, Any] = {"Jobs": jobs, "Triggers": _pages(glue, "get_triggers", "Triggers"), "JobRuns": {},
                           "Scripts": {}, "Inputs": {}, "Tables": {}}
    try:
        out["Workflows"] = glue.list_workflows().get("Workflows", [])
    except _client_error():
        out["Workflows"] = []  # informational only: schedules come from the triggers
    for job in jobs:
        name = str(job["Name"])
        out["JobRuns"][name] = _pages(glue, "get_job_runs", "JobRuns", JobName=name)
        text = _script(s3, str((job.get("Command") or {}).get("ScriptLocation", "")))
        if text is None:
            continue
        out["Scripts"][name] = text
        analysis = analyze_script(text, command=str((job.get("Command") or {}).get("Name", "glueetl")),
                                  defaults={str(k): str(v) for k, v in (job.get("DefaultArguments") or {}).items()})
        named = [(r.database, r.table) for r in analysis.facts.reads] + [(w.database, w.table)
                                                                           for w in analysis.facts.writes]
        for database, table_name in named:
            if table_name and database and f"{database}.{table_name}" not in out["Tables"]:
                table = _table(glue, database, table_name)
                if table is not None:
                    out["Tables"][f"{database}.{table_name}"] = table
        first = analysis.facts.reads[0] if analysis.facts.reads else None
        bookmarks = (job.get("DefaultArguments") or {}).get("--job-bookmark-option") == "job-bookmark-enable"
        if first is None or bookmarks:
            continue  # with bookmarks a run reads only new files: its input is inferred from its duration
        location = first.paths[0] if first.paths else (
            (out["Tables"].get(f"{first.database}.{first.table}") or {}).get("StorageDescriptor", {}).get("Location"))
        uri = _resolve(str(location), out["JobRuns"][name]) if location else None
        if uri and uri.startswith("s3://"):
            listed = _list(s3, uri)
            if listed:
                out["Inputs"][name] = listed
    return out
