"""Where Spark reads and writes an ``s3://`` URI: the one mapping between Lockgate URIs and Spark paths.

On AWS, Glue reads ``s3://`` directly (EMRFS). Locally, ``LOCKGATE_LAKE`` names the lake directory and
``s3://BUCKET/KEY`` is ``file://<lake>/BUCKET/KEY`` (docs/contracts.md); the reverse mapping turns the
paths Spark reports (``file:/lake/b/k``) back into the URIs that go into ``_source_file`` and results.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from orchestration.core.errors import ConfigError, DataError
from orchestration.core.storage.local import LocalLake

if TYPE_CHECKING:
    from pyspark.sql import Column

__all__ = ["spark_path", "read_path", "lake_uri", "lake_root", "path_forms", "uri_column", "listed_uris"]


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


_GLOB = re.compile(r"([\\\[\]{}*?])")


def read_path(uri: str) -> str:
    """The path Spark should read ``uri`` from: ``spark_path`` with the characters Spark's reader takes for a
    glob (``[]{}*?`` and the backslash) escaped, so a key like ``export[1].csv`` is read, and ``data*.csv``
    is that object alone, not every object its pattern matches."""
    return _GLOB.sub(r"\\\1", spark_path(uri))


def lake_uri(path: str, root: Path | None) -> str:
    """The ``s3://`` URI of a path Spark reports (``file:/lake/b/k``, ``file:///lake/b/k`` or ``s3://b/k``, with
    characters a URI may not hold percent-encoded: ``%20``, ``%25``; a ``+`` stays as it is).

    ``root`` is ``lake_root()`` taken on the driver: Python workers may not share its environment.
    """
    if path.startswith(("s3://", "s3a://", "s3n://")):
        return "s3://" + unquote(path.split("://", 1)[1])
    local = unquote(path)
    if local.startswith("file:"):
        local = "/" + local[len("file:"):].lstrip("/")
    if root is not None:
        prefix = root.as_posix().rstrip("/") + "/"
        if local.startswith(prefix):
            return "s3://" + local[len(prefix):]
    raise ConfigError(f"{path!r} is outside the local lake {root}; set LOCKGATE_LAKE to the lake directory",
                      where="glue_jobs.engine.lake")


def path_forms(path: str) -> list[str]:
    """The forms a path Spark listed (``DataFrame.inputFiles``: ``file:///lake/k``) takes in its rows'
    ``_metadata.file_path`` (``file:/lake/k``); both are URL-encoded alike."""
    scheme, sep, rest = path.partition(":")
    if not sep or not rest.startswith("/"):
        return [path]
    bare = rest.lstrip("/")
    return list(dict.fromkeys([path, f"{scheme}:/{bare}", f"{scheme}:///{bare}"]))


def uri_column(path: Column) -> Column:
    """``lake_uri`` as a Spark expression over the paths rows report (per row, so slower than looking the
    paths up in a table of the run's own; used where such a table has no entry)."""
    from pyspark.sql import functions as F

    root = lake_root()
    if root is None:
        bare = F.regexp_replace(path, r"^s3[an]?://", "")
    else:
        bare = F.regexp_replace(path, "^file:(//)?" + re.escape(root.as_posix().rstrip("/")) + "/", "")
    # Percent-decoding, with "+" kept: Spark's url_decode is Java's form decoding, which reads "+" as a space.
    return F.concat(F.lit("s3://"), F.url_decode(F.replace(bare, F.lit("+"), F.lit("%2B"))))


def listed_uris(listed: list[str], uris: list[str]) -> list[tuple[str, str]]:
    """(path, URI) for each path Spark listed (``DataFrame.inputFiles``) when asked for ``uris``; a listed
    path that is none of them fails the read (a key Spark took for a pattern)."""
    root = lake_root()
    wanted = set(uris)
    out = []
    for path in listed:
        uri = lake_uri(path, root)
        if uri not in wanted:
            raise DataError(f"Spark listed {path} when asked for {len(uris)} object(s), and it is none of them",
                            where=uris[0])
        out.append((path, uri))
    return out
