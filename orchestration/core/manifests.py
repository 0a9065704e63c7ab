"""Loading a run's manifest: the one reader every step of a run uses (process batch, dedupe, commit,
the Glue job), so each sees the same manifest and the same spec snapshot, and a broken manifest fails
the same way everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from .contracts import Manifest
from .errors import ConfigError
from .spec.models import Spec

if TYPE_CHECKING:
    from .storage import Storage

__all__ = ["load_manifest", "load_run"]


def load_manifest(manifest_uri: str, storage: Storage) -> Manifest:
    """The manifest plan wrote at ``manifest_uri``; ObjectNotFoundError when it is missing, ConfigError
    (naming the URI and the field) when it is not a manifest of this Lockgate version."""
    data = storage.read_json(manifest_uri)
    try:
        return Manifest.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise ConfigError(f"{manifest_uri} is not a valid run manifest ({field}: {first['msg']}); it was written "
                          "by another Lockgate version or edited by hand. Plan the run again",
                          where=manifest_uri) from None


def load_run(manifest_uri: str, storage: Storage) -> tuple[Spec, Manifest]:
    """The manifest and the spec snapshot it carries (every step of a run sees the same spec)."""
    manifest = load_manifest(manifest_uri, storage)
    return Spec.model_validate(manifest.spec), manifest
