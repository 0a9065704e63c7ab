"""PySpark's Python daemon with ``glue_jobs.zipcache`` installed before it forks any worker: set as
``spark.python.daemon.module`` by ``glue_jobs.engine.session.local_session``. Only the standard library
and PySpark's own daemon are imported here (the daemon forks its workers: nothing may start a thread)."""

from __future__ import annotations

from glue_jobs.zipcache import install

install()

if __name__ == "__main__":
    from pyspark import daemon

    daemon.manager()
