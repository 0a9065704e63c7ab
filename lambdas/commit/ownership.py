"""Which import owns a table location: a marker written at first publish, checked by every commit.

Specs are deployed one by one on AWS, so ``lockgate validate`` cannot see every import that writes to a
bucket. The first commit into a location writes ``<location>/_lockgate/owner.json`` (``{"import": NAME}``);
every commit refuses, before touching anything, to publish into a location that is owned by another import,
that lies inside another import's location, or that contains another import's location.
"""

from __future__ import annotations

import logging

from orchestration.core.errors import LockgateError, PublishError, TransientError
from orchestration.core.spec.uris import join_uri, split_s3_uri
from orchestration.core.storage import Storage

__all__ = ["MARKER", "marker_uri", "check_owner", "claim_owner", "check_not_source"]

log = logging.getLogger(__name__)

MARKER = "_lockgate/owner.json"


def marker_uri(location: str) -> str:
    return join_uri(location, MARKER)


def _owner(storage: Storage, uri: str) -> str:
    try:
        return str(storage.read_json(uri).get("import", "?"))
    except Exception:  # noqa: BLE001 - an unreadable marker still marks the location as taken
        return "?"


def _refuse(location: str, name: str, other: str, other_location: str, how: str) -> PublishError:
    return PublishError(
        f"{how} {other_location}, which import {other!r} owns ({marker_uri(other_location)}); publishing here "
        f"would replace or mix with its files. Nothing was published. Give import {name!r} a target.location "
        "of its own (no import's location may lie inside another's)",
        where=f"import {name}: target.location {location}",
    )


def check_owner(storage: Storage, location: str, name: str, listed: list[str]) -> None:
    """PublishError unless ``location`` is free or owned by ``name``. ``listed`` is a listing of the location."""
    own = marker_uri(location)
    for uri in listed:
        if not uri.endswith("/" + MARKER):
            continue
        other = _owner(storage, uri)
        other_location = uri[: -len(MARKER)]
        if uri == own and other != name:
            raise _refuse(location, name, other, location, "the target location is")
        if uri != own and other != name:
            raise _refuse(location, name, other, other_location, "the target location contains")
    bucket, key = split_s3_uri(location)
    parts = [p for p in key.split("/") if p]
    for i in range(len(parts)):
        ancestor = f"s3://{bucket}/" + "".join(p + "/" for p in parts[:i])
        uri = marker_uri(ancestor)
        try:
            found = storage.exists(uri)
        except TransientError:
            raise
        except LockgateError as e:  # S3 answers 403 for a missing key the role may not list: cannot tell
            log.warning("cannot check the ownership marker %s (%s); give the commit role s3:ListBucket there to "
                        "have it checked", uri, e)
            continue
        if found:
            other = _owner(storage, uri)
            if other != name:
                raise _refuse(location, name, other, ancestor, "the target location lies inside")


def claim_owner(storage: Storage, location: str, name: str) -> None:
    """Write the marker when absent (first publish), then make sure it names ``name``."""
    uri = marker_uri(location)
    if not storage.exists(uri):
        storage.write_json(uri, {"import": name})
    other = _owner(storage, uri)
    if other != name:
        raise _refuse(location, name, other, location, "the target location is")


def check_not_source(location: str, source_uri: str, name: str) -> None:
    """A table over its own source would delete raw files (``validate`` refuses it too; this holds for specs
    deployed without it)."""
    from orchestration.core.spec.locations import overlaps, source_prefix

    if overlaps(location, source_prefix(source_uri)):
        raise PublishError(f"the target location overlaps the import's own source {source_uri}; publishing would "
                           "replace raw files. Nothing was published. Give the table a location of its own",
                           where=f"import {name}: target.location {location}")
