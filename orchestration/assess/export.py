"""The export folder: the Glue API's responses and the job scripts, as files, so assess runs without
credentials (``lockgate assess --from DIR``) and ``lockgate assess --export DIR`` writes one.

Layout (docs/migrating-from-glue.md, "The export folder")::

    DIR/jobs.json                 {"Jobs": [...]}        get_jobs, every page
    DIR/triggers.json             {"Triggers": [...]}    get_triggers, every page (optional)
    DIR/workflows.json            {"Workflows": [...]}   list_workflows (optional)
    DIR/job_runs/JOB.json         {"JobRuns": [...]}     get_job_runs(JobName=JOB), every page (optional)
    DIR/scripts/JOB.py            the script at the job's Command.ScriptLocation
    DIR/inputs/JOB.json           {"Contents": [{"Key", "Size"}]}  the objects one run reads (optional)
    DIR/tables/DB.TABLE.json      {"Table": {...}}       get_table, for scripts that read the catalog (optional)

JOB is the job name percent-encoded (``urllib.parse.quote(name, safe="")``). Times are ISO 8601.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from orchestration.core.errors import UsageError

from .account import Account, job_from_api, run_from_api, trigger_from_api

__all__ = ["read_export", "write_export", "account_from", "file_name"]

_MAX_FILE_BYTES = 256 * 2**20


def file_name(job: str) -> str:
    return quote(job, safe="")


def _json(path: Path, key: str, *, optional: bool = False) -> list[Any]:
    if not path.is_file():
        if optional:
            return []
        raise UsageError(f"no {path.name}; an export folder holds at least jobs.json and scripts/ "
                         "(docs/migrating-from-glue.md, 'The export folder'), or write one with "
                         "`lockgate assess --export DIR`", where=str(path))
    if path.stat().st_size > _MAX_FILE_BYTES:
        raise UsageError(f"is larger than {_MAX_FILE_BYTES // 2**20} MiB; split the export", where=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise UsageError(f"is not JSON: {e}", where=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise UsageError(f"must be an object with a list {key!r} (the API response as boto3 returns it)",
                         where=str(path))
    return list(data[key])


def read_export(folder: Path) -> Account:
    """The account as exported to ``folder``."""
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder; pass the folder `lockgate assess --export` wrote", where="--from")
    jobs = _json(folder / "jobs.json", "Jobs")
    responses: dict[str, Any] = {
        "Jobs": jobs, "Triggers": _json(folder / "triggers.json", "Triggers", optional=True),
        "Workflows": _json(folder / "workflows.json", "Workflows", optional=True),
        "JobRuns": {}, "Scripts": {}, "Inputs": {}, "Tables": {}}
    for d in jobs:
        job = str(d.get("Name", "")) if isinstance(d, dict) else ""
        name = file_name(job)
        responses["JobRuns"][job] = _json(folder / "job_runs" / f"{name}.json", "JobRuns", optional=True)
        script = folder / "scripts" / f"{name}.py"
        if script.is_file():
            responses["Scripts"][job] = script.read_text(encoding="utf-8", errors="replace")
        if (folder / "inputs" / f"{name}.json").is_file():
            responses["Inputs"][job] = _json(folder / "inputs" / f"{name}.json", "Contents")
    tables = folder / "tables"
    for f in sorted(tables.glob("*.json")) if tables.is_dir() else []:
        try:
            table = json.loads(f.read_text(encoding="utf-8")).get("Table")
        except (ValueError, AttributeError):
            table = None
        if not isinstance(table, dict):
            raise UsageError("must be an object with 'Table' (the get_table response)", where=str(f))
        responses["Tables"][f.stem] = table
    return account_from(responses, lambda part: str(folder / part))


def account_from(responses: dict[str, Any], where: Callable[[str], str]) -> Account:
    """Parse the API responses (live or exported); ``where(part)`` names the file or call for errors."""
    jobs = [job_from_api(d, f"{where('jobs.json')}: Jobs[{i}]") for i, d in enumerate(responses["Jobs"])]
    triggers = [trigger_from_api(d, f"{where('triggers.json')}: Triggers[{i}]")
                for i, d in enumerate(responses["Triggers"])]
    account = Account(jobs, {}, triggers, dict(responses["Scripts"]),
                      workflows=[str(w) for w in responses["Workflows"]])
    for job in jobs:
        part = f"job_runs/{file_name(job.name)}.json"
        account.runs[job.name] = [run_from_api(d, job, f"{where(part)}: JobRuns[{i}]")
                                  for i, d in enumerate(responses["JobRuns"].get(job.name, []))]
        if job.name in responses["Inputs"]:
            account.inputs[job.name] = [(str(o.get("Key", "")), int(o.get("Size", 0)))
                                        for o in responses["Inputs"][job.name]]
    for table in responses["Tables"].values():
        account.tables[f"{table.get('DatabaseName', '')}.{table.get('Name', '')}"] = table
    return account


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def write_export(folder: Path, responses: dict[str, Any], say: Callable[[str], None] = lambda _: None) -> None:
    """Write ``responses`` (from ``live.fetch_responses``) in the export layout."""
    folder.mkdir(parents=True, exist_ok=True)

    def put(rel: str, data: Any) -> None:
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_text(json.dumps(data, indent=2, default=_default) + "\n", encoding="utf-8")

    put("jobs.json", {"Jobs": responses["Jobs"]})
    put("triggers.json", {"Triggers": responses["Triggers"]})
    put("workflows.json", {"Workflows": responses["Workflows"]})
    for job, runs in responses["JobRuns"].items():
        put(f"job_runs/{file_name(job)}.json", {"JobRuns": runs})
    for job, text in responses["Scripts"].items():
        put(f"scripts/{file_name(job)}.py", text)
    for job, contents in responses["Inputs"].items():
        put(f"inputs/{file_name(job)}.json", {"Contents": contents})
    for table in responses["Tables"].values():
        put(f"tables/{table.get('DatabaseName', '')}.{table.get('Name', '')}.json", {"Table": table})
    say(f"exported {len(responses['Jobs'])} jobs, {sum(len(r) for r in responses['JobRuns'].values())} runs, "
        f"{len(responses['Scripts'])} scripts to {folder}")
