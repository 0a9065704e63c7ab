"""``s3://BUCKET/KEY`` URIs: the only way specs name data, with run-window placeholders."""

from __future__ import annotations

import ipaddress
import re
import string

__all__ = ["PLACEHOLDERS", "check_s3_uri", "split_s3_uri", "placeholders_in", "join_uri", "spark_can_open"]

PLACEHOLDERS = ("date", "year", "month", "day", "hour")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` -> ``("bucket", "a/b")``. Does not validate; see check_s3_uri."""
    rest = uri[len("s3://"):] if uri.startswith("s3://") else uri
    bucket, _, key = rest.partition("/")
    return bucket, key


def spark_can_open(uri: str) -> bool:
    """Whether Spark's file readers can open ``uri``: Hadoop paths cannot hold a ``:`` in a file or folder
    name (``2024-03-01T10:00:00.csv``: "Relative path in absolute URI"). Lockgate's own readers can (the
    router and the Glue engine both go by this)."""
    return ":" not in uri.removeprefix("s3://")


def join_uri(prefix: str, *parts: str) -> str:
    """Join URI parts with exactly one slash between them."""
    out = prefix.rstrip("/")
    for p in parts:
        out += "/" + p.strip("/")
    return out


def _check_bucket(bucket: str) -> None:
    if not _BUCKET.match(bucket) or ".." in bucket or ".-" in bucket or "-." in bucket:
        raise ValueError(
            f"bucket name {bucket!r} is invalid: S3 bucket names are 3-63 characters of lowercase "
            "letters, digits, dots and hyphens, starting and ending with a letter or digit"
        )
    if bucket.startswith(("xn--", "sthree-")) or bucket.endswith(("-s3alias", "--ol-s3", "--x-s3")):
        raise ValueError(f"bucket name {bucket!r} uses a prefix or suffix that S3 reserves")
    try:
        ipaddress.ip_address(bucket)
    except ValueError:
        return
    raise ValueError(f"bucket name {bucket!r} looks like an IP address, which S3 does not allow")


def placeholders_in(uri: str) -> list[str]:
    """The placeholder names used in a URI, in order; raises ValueError on malformed braces."""
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(uri))
    except ValueError as e:
        raise ValueError(f"malformed placeholder in {uri!r}: {e}") from None
    for _, field, spec, conv in parsed:
        if field is None:
            continue
        if spec or conv or field not in PLACEHOLDERS:
            raise ValueError(
                f"placeholder {{{field}{'!' + conv if conv else ''}{':' + spec if spec else ''}}} is not "
                f"supported; use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
            )
        names.append(field)
    return names


def check_s3_uri(uri: str, *, allow_placeholders: bool = False) -> str:
    """Validate ``s3://bucket/key``; returns the URI. Raises ValueError naming the fix."""
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise ValueError(f"{uri!r} is not an S3 URI; write it as s3://bucket/key")
    bucket, key = split_s3_uri(uri)
    if not bucket:
        raise ValueError(f"{uri!r} has no bucket; write it as s3://bucket/key")
    if "{" in bucket or "}" in bucket:
        raise ValueError(f"{uri!r}: placeholders are not allowed in the bucket name")
    _check_bucket(bucket)
    if "//" in key or key.startswith("/"):
        raise ValueError(f"{uri!r} has an empty path segment (//); S3 keeps it as part of the key while "
                         "the local lake and Hive paths collapse it, so the two would name different objects. "
                         "Remove the extra slash")
    if any(segment in (".", "..") for segment in key.split("/")):
        raise ValueError(f"{uri!r} has a '.' or '..' path segment; S3 keeps it literally while file systems "
                         "resolve it (the local lake would leave its bucket). Write the path without it")
    if allow_placeholders:
        placeholders_in(key)
    elif "{" in key or "}" in key:
        raise ValueError(f"{uri!r}: placeholders are only allowed in source.uri")
    return uri
