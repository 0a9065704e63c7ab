"""Rules that relate fields of a structurally valid spec to each other, each with its exact field path.

Rules that read only the document as written (expressions, names, patterns, hooks) live in
``document.py`` and run even when the schema has errors; these need the validated model.
"""

from __future__ import annotations

from .locations import own_location_problems
from .models import CsvOptions, Spec
from .problems import Problem
from .remote import check_remote_uri
from .uris import placeholders_in

__all__ = ["Problem", "check_spec", "remote_source_problems"]


def remote_source_problems(spec: Spec) -> list[Problem]:
    """An https:// or sftp:// source needs source.download (and SFTP its pinned host key); an s3:// one
    takes none. The index, when given, must be a URL of the same server kind (or a relative path)."""
    src = spec.source
    scheme = src.uri.split("://", 1)[0]
    d = src.download
    if not src.remote:
        return [Problem("source.download", "only https:// and sftp:// sources are downloaded; an s3:// source is "
                        "read where it is: remove source.download")] if d is not None else []
    if d is None:
        return [Problem("source.download", f"a {scheme}:// source needs source.download with at least landing: "
                        "s3://raw-bucket/prefix/ (where its files are copied before Plan; docs/sources.md)")]
    problems: list[Problem] = []
    if scheme == "sftp" and d.host_key is None:
        problems.append(Problem("source.download.host_key", "an sftp:// source needs the server's pinned host key "
                                "(`ssh-keyscan -t ed25519 HOST` prints it: write 'ssh-ed25519 AAAA...'); "
                                "Lockgate never trusts a key on first use"))
    if scheme == "https" and d.host_key is not None:
        problems.append(Problem("source.download.host_key", "host_key only applies to sftp:// sources; HTTPS "
                                "servers are checked against the certificate authorities; remove it"))
    if d.index is not None:
        if d.index.startswith(("https://", "sftp://", "s3://", "http://")):
            if not d.index.startswith(f"{scheme}://"):
                problems.append(Problem("source.download.index", f"the index {d.index} must be on a {scheme}:// "
                                        "server like source.uri, or a path relative to source.uri"))
            else:
                try:
                    check_remote_uri(d.index)
                except ValueError as e:
                    problems.append(Problem("source.download.index", str(e)))
        elif d.index.startswith("/") or ".." in d.index.split("/") or "://" in d.index:
            problems.append(Problem("source.download.index", f"{d.index!r} must be an absolute {scheme}:// URL or "
                                    "a path relative to source.uri (no leading /, no '..')"))
        if not src.uri.endswith("/"):
            problems.append(Problem("source.uri", "with source.download.index, source.uri names the directory the "
                                    "index's relative entries are resolved against: end it with /"))
    return problems


def check_spec(spec: Spec) -> list[Problem]:
    """All cross-field problems of a structurally valid spec that ``document_problems`` does not cover."""
    problems: list[Problem] = []
    for i, col in enumerate(spec.columns):
        if col.format is not None and not col.column_type.is_temporal:
            problems.append(Problem(f"columns[{i}].format", f"format only applies to date and timestamp columns, not {col.type}"))
    sources = [c.source_name for c in spec.columns]
    for i, col in enumerate(spec.columns):
        if sources.count(col.source_name) > 1 and sources.index(col.source_name) != i:
            problems.append(Problem(f"columns[{i}].source", f"source column {col.source_name!r} is mapped twice"))
    available = spec.output_columns
    if len(spec.target.partition_by) >= len(available):
        problems.append(Problem("target.partition_by", "every column is a partition column; keep at least one data column"))
    if spec.source.format != "csv" and spec.source.csv != CsvOptions():
        problems.append(Problem("source.csv", f"csv options only apply to format csv, not {spec.source.format}"))
    problems += remote_source_problems(spec)
    if not (spec.source.remote and spec.source.download is None):  # else where its files land is unknown
        problems += own_location_problems(spec)
        if spec.target.mode == "overwrite_partitions" and not spec.target.partition_by and placeholders_in(spec.source.s3_uri):
            problems.append(Problem("target.mode", "overwrite_partitions on an unpartitioned table replaces the whole "
                                    "table with each window's rows, while source.uri names one window per run; use "
                                    "mode replace_window (replaces only the window's rows) or partition the table"))
    if spec.routing.engine == "lambda" and spec.spark_dependent:
        problems.append(Problem("routing.engine", "this spec's only hook is spark, so it can only run on glue; set engine: glue or auto"))
    return problems
