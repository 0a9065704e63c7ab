"""A draft spec for a Glue job that maps cleanly: source, format, columns from ApplyMapping, filter,
derived columns, dedupe, partition keys and the trigger's schedule, checked with the spec loader so
every draft assess prints is one ``lockgate validate`` accepts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from orchestration.core.spec.loader import SpecInvalid, parse_spec
from orchestration.core.spec.models import Spec
from orchestration.core.spec.uris import placeholders_in

from .account import GlueJob
from .facts import Read, ScriptFacts, Write
from .schedule import JobSchedule
from .script import ScriptAnalysis, lookup_name
from .strings import UNRESOLVED, fixed_prefix

__all__ = ["Draft", "draft_spec", "spec_name", "GLUE_TYPES"]

GLUE_TYPES: dict[str, str] = {
    "string": "string", "varchar": "string", "char": "string", "int": "int", "integer": "int", "short": "int",
    "smallint": "int", "byte": "int", "tinyint": "int", "long": "bigint", "bigint": "bigint", "double": "double",
    "float": "float", "boolean": "boolean", "bool": "boolean", "date": "date", "timestamp": "timestamp",
}
_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
_SPEC_GLUE_WORKERS = ("G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X")


@dataclass
class Draft:
    name: str
    text: str | None = None
    spec: Spec | None = None
    notes: list[str] = field(default_factory=list)
    """What a person must still do or check (the draft carries the rest)."""
    blockers: list[str] = field(default_factory=list)
    """Why no draft could be made."""


def spec_name(job: str) -> str:
    name = re.sub(r"[^a-z0-9_]+", "_", job.lower()).strip("_") or "imported_job"
    return "_" + name if name[0].isdigit() else name


def spec_type(glue_type: str) -> str | None:
    t = glue_type.strip().lower().replace(" ", "")
    if t.startswith("decimal"):
        return t
    return GLUE_TYPES.get(t)


def _source(read: Read, tables: dict[str, dict[str, Any]], draft: Draft) -> dict[str, Any] | None:
    fmt = {"glueparquet": "parquet", "json": "jsonl"}.get(read.format or "", read.format)
    paths = read.paths
    if read.table:
        table = tables.get(f"{read.database}.{read.table}", {})
        sd = table.get("StorageDescriptor") or {}
        if not sd.get("Location"):
            draft.blockers.append(f"reads the catalog table {read.database}.{read.table}, whose location is unknown "
                                  "(export it: tables/DB.TABLE.json, or run assess with access to the catalog)")
            return None
        paths = [str(sd["Location"])]
        classification = str((table.get("Parameters") or {}).get("classification", "")).lower()
        serde = str((sd.get("SerdeInfo") or {}).get("SerializationLibrary", "")).lower()
        fmt = "parquet" if "parquet" in classification + serde else "jsonl" if "json" in classification + serde \
            else "csv" if classification == "csv" or "lazysimple" in serde or "opencsv" in serde else fmt
    if not paths or not str(paths[0]).startswith("s3://"):
        draft.blockers.append(f"line {read.line}: the source path is not an s3:// literal assess can follow")
        return None
    if len(paths) > 1:
        draft.notes.append(f"line {read.line}: reads {len(paths)} paths; the draft takes the first, {paths[0]}")
    uri = str(paths[0])
    if UNRESOLVED in uri:
        uri = fixed_prefix(uri)
        draft.notes.append(f"line {read.line}: part of the source path is computed at run time; the draft reads "
                           f"{uri}: add {{date}} placeholders where the path has the run's date")
    if fmt not in ("csv", "jsonl", "parquet"):
        draft.blockers.append(f"line {read.line}: format {read.format or 'unknown'} is not csv, jsonl or parquet")
        return None
    if fmt == "jsonl" and read.format == "json":
        draft.notes.append(f"line {read.line}: JSON read as JSON Lines (one object per line); check the files")
    out: dict[str, Any] = {"uri": uri if "." in uri.rsplit("/", 1)[-1] or uri.endswith("/") else uri + "/",
                           "format": fmt}
    comp = str(read.options.get("compression") or read.options.get("compressionType") or "").lower()
    if comp in ("gzip", "bz2", "zstd", "none"):
        out["compression"] = comp
    elif comp in ("bzip2",):
        out["compression"] = "bz2"
    if fmt == "csv":
        header = read.options.get("withHeader", read.options.get("header", True))
        csv: dict[str, Any] = {"header": str(header).lower() in ("true", "1")}
        sep = read.options.get("separator") or read.options.get("sep") or read.options.get("delimiter")
        if isinstance(sep, str) and len(sep) == 1:
            csv["delimiter"] = sep
        quote = read.options.get("quoteChar") or read.options.get("quote")
        if isinstance(quote, str) and len(quote) == 1:
            csv["quote"] = quote
        out["csv"] = csv
    return out


def _columns(facts: ScriptFacts, read: Read, tables: dict[str, dict[str, Any]], draft: Draft) -> list[dict[str, Any]]:
    cols: list[dict[str, Any]] = []
    pairs = [(m.source, m.name, m.type) for m in facts.mappings]
    if not pairs and read.table:
        sd = tables.get(f"{read.database}.{read.table}", {}).get("StorageDescriptor") or {}
        pairs = [(str(c["Name"]), str(c["Name"]), str(c.get("Type", "string"))) for c in sd.get("Columns") or []]
    for source, name, glue_type in pairs:
        if "." in source or "[" in source:
            draft.notes.append(f"line {facts.mapping_line}: nested field {source!r} is left out (a spec reads flat "
                               "columns; add a derive or an arrow hook)")
            continue
        target = spec_name(name)
        typ = spec_type(glue_type)
        if typ is None:
            draft.notes.append(f"line {facts.mapping_line}: {name}: type {glue_type!r} has no spec type; read as string")
            typ = "string"
        col: dict[str, Any] = {"name": target, "type": typ}
        if source != target:
            col["source"] = source
        cols.append(col)
    by_name = {c["name"]: c for c in cols}
    for step in facts.steps:
        if step.kind == "cast" and step.name in by_name and step.sql:
            typ = spec_type(step.sql)
            if typ:
                by_name[step.name]["type"] = typ
            if step.fmt:
                by_name[step.name]["format"] = step.fmt
    return cols


def _target(write: Write, job: GlueJob, tables: dict[str, dict[str, Any]], draft: Draft) -> dict[str, Any] | None:
    location = write.path
    if location is None and write.table:
        sd = tables.get(f"{write.database}.{write.table}", {}).get("StorageDescriptor") or {}
        location = sd.get("Location")
    if not location or not str(location).startswith("s3://") or UNRESOLVED in str(location):
        draft.blockers.append(f"line {write.line}: the target location is not an s3:// path assess can follow")
        return None
    location = str(location).rstrip("/") + "/"
    parts = [p for p in location[5:].split("/")[1:] if p]
    table = spec_name(write.table or (parts[-1] if parts else job.name))
    database = spec_name(write.database or (parts[-2] if len(parts) > 1 else "imports"))
    if write.format and write.format not in ("parquet", "glueparquet"):
        draft.notes.append(f"line {write.line}: the job writes {write.format}; Lockgate writes Parquet")
    mode = {"overwrite": "overwrite", "append": None}.get((write.mode or "append").lower())
    out: dict[str, Any] = {"database": database, "table": table, "location": location}
    if write.partition_keys:
        out["partition_by"] = [spec_name(k) for k in write.partition_keys]
    out["mode"] = mode or "append"
    if out["mode"] == "append":
        draft.notes.append(f"line {write.line}: the job appends, so the draft does (a re-run adds the rows again); "
                           "target.mode replace_window makes re-runs safe")
    return out


def draft_spec(job: GlueJob, analysis: ScriptAnalysis, schedule: JobSchedule,
               tables: dict[str, dict[str, Any]] | None = None, *, name: str | None = None) -> Draft:
    """The draft for a job whose script is the simple pattern; blockers say why there is none. ``name``
    overrides the import name (default: the job name as an identifier)."""
    tables = tables or {}
    facts = analysis.facts
    draft = Draft(name or spec_name(job.name))
    if analysis.pattern != "simple":
        draft.blockers.append("the script needs Spark: " + "; ".join(f"line {f.line}: {f.why}" for f in analysis.deciding))
        return draft
    main = next((r for r in facts.reads if lookup_name(r) is None), facts.reads[0])
    lookups = [r for r in facts.reads if r is not main]
    for j in analysis.lookup_joins:
        draft.notes.append(f"line {j.line}: {j.why} (hooks.arrow); the draft leaves the join out")
    for r in lookups:
        draft.notes.append(f"line {r.line}: second input {r.table or ', '.join(r.paths)} feeds the join above")
    source = _source(main, tables, draft)
    columns = _columns(facts, main, tables, draft)
    if not columns:
        draft.blockers.append("no column list: the script has no ApplyMapping (or select with casts) and no catalog "
                              "table to read the columns from")
    if not facts.writes:
        draft.blockers.append("no write of the result was found")
    target = _target(facts.writes[-1], job, tables, draft) if facts.writes else None
    if source is None or target is None or not columns:
        return draft
    data: dict[str, Any] = {"name": draft.name, "description": f"Migrated from Glue job {job.name} (lockgate assess)",
                            "source": source, "columns": columns}
    derive = {spec_name(s.name): s.sql for s in facts.steps if s.kind == "derive" and s.sql}
    for s in facts.steps:
        if s.sql is None:
            draft.notes.append(f"line {s.line}: {s.kind} {s.code!r} has no Spark SQL translation; write it by hand")
    if derive:
        data["derive"] = derive
    filters = [s.sql for s in facts.steps if s.kind == "filter" and s.sql]
    if filters:
        data["filter"] = " AND ".join(f"({f})" for f in filters) if len(filters) > 1 else filters[0]
    if facts.dedupe is not None:
        keys = [spec_name(k) for k in facts.dedupe[1]] or [c["name"] for c in columns]
        data["dedupe"] = {"keys": keys}
    for line, what in facts.uncarried:
        draft.notes.append(f"line {line}: {what} is not carried into the draft; carry it over by hand (columns, "
                           "derive or filter)")
    if facts.dropnull_line:
        draft.notes.append(f"line {facts.dropnull_line}: DropNullFields drops columns that are NULL in every row; "
                           "the spec keeps its declared columns")
    data["target"] = target
    data["routing"] = {"engine": "auto", "glue": _glue_settings(job)}
    if schedule.expression:
        window = "previous_hour" if "{hour}" in source["uri"] else "previous_day" if placeholders_in(source["uri"]) \
            else "none"
        data["schedule"] = {"expression": schedule.expression, "timezone": "UTC", "window": window}
    draft.notes += schedule.notes
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110)
    header = [f"# Draft spec for Glue job {job.name!r}, written by lockgate assess: review it before use."]
    header += [f"# - {n}" for n in draft.notes]
    draft.text = "\n".join(header) + "\n" + text
    try:
        draft.spec = parse_spec(yaml.safe_load(draft.text), file=f"{draft.name}.yaml")
    except SpecInvalid as e:
        draft.blockers.append(f"the draft does not validate: {e}")
        draft.text = None
    return draft


def _glue_settings(job: GlueJob) -> dict[str, Any]:
    worker = job.worker_type if job.worker_type in _SPEC_GLUE_WORKERS else "G.1X"
    workers = job.workers if job.workers else max(int(job.max_capacity), 2)
    return {"worker_type": worker, "workers": min(max(workers, 2), 1000)}
