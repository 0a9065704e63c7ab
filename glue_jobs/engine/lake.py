"""Where Spark reads and writes an ``s3://`` URI: the one mapping between Lockgate URIs and Spark paths.

On AWS, Glue reads ``s3://`` directly (EMRFS). Locally, ``LOCKGATE_LAKE`` names the lake directory and
``s3://BUCKET/KEY`` is ``file://<lake>/BUCKET/KEY`` (docs/contracts.md); the reverse mapping turns the
paths Spark reports (``file:/lake/b/k``) back into the URIs that go into ``_source_file`` and results.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote

from orchestration.core.errors import ConfigError
from orchestration.core.storage.local import LocalLake

__all__ = ["spark_path", "lake_uri", "lake_root"]


def lake_root() -> Path | None:
    """The local lake directory, or None on AWS."""
    lake = os.environ.get("LOCKGATE_LAKE")
    return Path(lake).resolve() if lake else None


def spark_path(uri: str) -> str:
    """The path Spark should use for ``uri``."""
    if not uri.startswith("s3://"):
        raise ConfigError(f"{uri!r} is not an s3:// URI; Lockgate names all data as s3://bucket/key",
                          where="glue_jobs.engine.lake")
    root = lake_root()
    if root is None:
        return uri
    LocalLake(root).path(uri)  # the lake's own resolution: a key leaving the lake is refused (ConfigError)
    return f"file://{root.as_posix()}/{uri[len('s3://'):]}"


def lake_uri(path: str, root: Path | None) -> str:
    """The ``s3://`` URI of a path Spark reports (``file:/lake/b/k``, ``file:///lake/b/k`` or ``s3://b/k``).

    ``root`` is ``lake_root()`` taken on the driver: Python workers may not share its environment.
    """
    if path.startswith(("s3://", "s3a://", "s3n://")):
        return "s3://" + path.split("://", 1)[1]
    local = unquote(path)
    if local.startswith("file:"):
        local = "/" + local[len("file:"):].lstrip("/")
    if root is not None:
        prefix = root.as_posix().rstrip("/") + "/"
        if local.startswith(prefix):
            return "s3://" + local[len(prefix):]
    raise ConfigError(f"{path!r} is outside the local lake {root}; set LOCKGATE_LAKE to the lake directory",
                      where="glue_jobs.engine.lake")
