"""A zip's directory is read again only when the zip changed, in the Spark Python workers.

Python 3.10 and 3.11 re-read a zip's whole directory in ``zipimporter.invalidate_caches()``, once per
importer, and Python keeps an importer for every package path inside a zip it imported from. PySpark's
worker calls ``importlib.invalidate_caches()`` before every task, with ``pyspark.zip`` (793 entries) and
py4j's zip on its path: about 0.3 s of CPU per task (7 ms per read, some 40 importers). A local backfill
over 336 small objects spent 60% of its Python workers' CPU there (py-spy). CPython fixed it in 3.12
(gh-103200: invalidation only marks the cache stale); Glue 5 runs Python 3.11, so it costs on AWS too.

``install()`` keeps the meaning of the call (a zip that changed is read again) and drops the cost (one
``stat`` per importer when nothing changed); nothing changes on Python 3.12 and later. Where: a local
session starts its Python workers from ``glue_jobs.pydaemon`` (``spark.python.daemon.module``), which
installs it before it forks any, so every task has it, including those that run only PySpark's own code
(turning a parallelized list into rows); on Glue, where the runtime creates the session, a worker has it
from the first task that imports ``glue_jobs.engine``.
"""

from __future__ import annotations

import os
import sys
import zipimport
from typing import Any

__all__ = ["install"]


def install() -> None:
    if not (3, 10) <= sys.version_info < (3, 12) or getattr(zipimport.zipimporter.invalidate_caches, "_lockgate", False):
        return
    read_again = zipimport.zipimporter.invalidate_caches
    stamps: dict[str, tuple[int, int]] = {}
    cache: dict[str, Any] = zipimport._zip_directory_cache  # type: ignore[attr-defined]

    def invalidate_caches(self: zipimport.zipimporter) -> None:
        try:
            st = os.stat(self.archive)
        except OSError:
            stamps.pop(self.archive, None)
            read_again(self)
            return
        stamp = (st.st_mtime_ns, st.st_size)
        files = cache.get(self.archive)
        if files is not None and stamps.get(self.archive) == stamp:
            self._files = files  # type: ignore[attr-defined]
            return
        read_again(self)
        stamps[self.archive] = stamp

    invalidate_caches._lockgate = True  # type: ignore[attr-defined]
    zipimport.zipimporter.invalidate_caches = invalidate_caches  # type: ignore[method-assign]
