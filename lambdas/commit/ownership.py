"""Which import owns a table location: a marker written at first publish, checked by every commit.

Specs are deployed one by one on AWS, so ``lockgate validate`` cannot see every import that writes to a
bucket. The first commit into a location writes ``<location>/_lockgate/owner.json`` (``{"import": NAME}``);
every commit refuses, before touching anything, to publish into a location that is owned by another import,
that lies inside another import's location, or that contains another import's location.
"""

from __future__ import annotations

from orchestration.errors import PublishError
from orchestration.spec.uris import join_uri, split_s3_uri
from orchestration.storage import Storage

__all__ = ["MARKER", "marker_uri", "check_owner", "claim_owner"]

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
        if storage.exists(uri):
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
