"""Run metering: each run's measured cost and latency next to the plan's estimate, the runs table they
land in, and the report that aggregates them (docs/operations.md, "Cost and latency of runs").

- ``measure``: Lambda GB-seconds and requests, Step Functions transitions and Glue DPU-seconds, from the
  execution history and the Glue job run;
- ``record``: one run's row, estimate next to measurement;
- ``table``: the runs table (Parquet files under the control location, a catalog table over them);
- ``aggregate``: ``lockgate report``'s figures per import and month.

``measure``, ``record`` and ``table`` ship in the Lambda package (the record function uses them).
"""

from __future__ import annotations

from .measure import Invocation, Measured, measure
from .record import run_record
from .table import RUNS_TABLE, ops_database, parquet_bytes, row_uri, table_input

__all__ = ["Invocation", "Measured", "measure", "run_record", "RUNS_TABLE", "ops_database", "parquet_bytes",
           "row_uri", "table_input"]
