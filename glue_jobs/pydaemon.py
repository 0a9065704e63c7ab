"""PySpark's Python daemon with ``glue_jobs.zipcache`` installed before it forks any worker: set as
``spark.python.daemon.module`` by ``glue_jobs.engine.session.local_session``.

The daemon also imports the engine's task modules (``PRELOAD``) once, before it forks: every worker's first
task of ours unpickles a function of ``glue_jobs.engine``, and its imports (the spec models, pydantic,
sqlglot) cost each new worker about 1 s of CPU, 5 s of a 44 s local backfill. Nothing imported here may
start a thread (the daemon forks its workers); a test holds the preload to that.
"""

from __future__ import annotations

import importlib

from glue_jobs.zipcache import install

__all__ = ["PRELOAD", "preload"]

PRELOAD = ("glue_jobs.engine.readers",)
"""What the workers' tasks import: the read tasks' runner, and through the package every engine module."""


def preload() -> None:
    for name in PRELOAD:
        importlib.import_module(name)


install()

if __name__ == "__main__":
    from pyspark import daemon

    preload()
    daemon.manager()
