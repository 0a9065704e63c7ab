"""The publishing property of issue 15, shared by the Lambda-engine and Spark-engine suites.

Six daily source folders (2024-01-29 .. 2024-02-03, across a month boundary); each day's file holds rows of
that day and a late row of the day before. Any sequence of runs and chunked backfills over random windows
must leave the table equal to a clean run (in a fresh lake) over the union of their windows, for every
partitioning: none, by day, by month (both derived from the row's timestamp) and by a data column.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq

from orchestration.core.contracts import Manifest, RunPaths
from orchestration.core.spec import Spec
from orchestration.core.spec.window import Window
from orchestration.core.storage import LocalLake
from orchestration.planning import plan_run

CONTROL = "s3://lockgate-control/"
LOCATION = "s3://acme-lake/prop/events/"
FIRST = date(2024, 1, 29)
DAYS = 6
GRANULARITIES: dict[str, list[str]] = {"none": [], "day": ["event_date"], "month": ["event_month"], "column": ["region"]}

Engine = Callable[[LocalLake, Manifest], None]
"""Runs the engine step of a planned run (writes staging and results)."""


def spec_for(granularity: str) -> Spec:
    return Spec.model_validate({
        "name": "events",
        "source": {"uri": "s3://acme-raw/prop/{date}/", "format": "csv"},
        "columns": [{"name": "id", "type": "bigint", "nullable": False}, {"name": "ts", "type": "timestamp"},
                    {"name": "region", "type": "string"}],
        "derive": {"event_date": "CAST(ts AS DATE)",
                   "event_month": "SUBSTRING(CAST(CAST(ts AS DATE) AS STRING), 1, 7)"},
        "target": {"database": "prop", "table": "events", "location": LOCATION,
                   "partition_by": GRANULARITIES[granularity], "mode": "replace_window"},
        "crawler": {"run": "always"},
    })


def write_sources(lake: LocalLake) -> None:
    """Day i's file: two rows of day i, and (from the second day on) one late row of day i - 1."""
    for i in range(DAYS):
        day = FIRST + timedelta(days=i)
        lines = ["id,ts,region"]
        lines += [f"{i * 10 + k},{day} {8 + k:02d}:00:00,{'north' if k else 'south'}" for k in range(2)]
        if i:
            lines.append(f"{i * 10 + 9},{day - timedelta(days=1)} 23:30:00,south")
        lake.write_bytes(f"s3://acme-raw/prop/{day}/part-0.csv", ("\n".join(lines) + "\n").encode())


def window(start: int, days: int) -> Window:
    begin = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=UTC) + timedelta(days=start)
    return Window(begin, begin + timedelta(days=days))


def chunked(w: Window, chunk: int | None) -> list[Window]:
    from orchestration.cli.run_cmds import chunks

    return chunks(w, chunk) if chunk else [w]


def run_once(lake: LocalLake, spec: Spec, w: Window, run_id: str, engine: str, run_engine: Engine) -> None:
    from lambdas.commit import commit_run

    spec_uri = RunPaths.spec(CONTROL, spec.name)
    lake.write_json(spec_uri, spec.canonical())
    plan_run(spec, run_id=run_id, started_at="2024-02-10T00:00:00Z", control_uri=CONTROL, storage=lake,
             execution_input={"window": w.to_json(), "engine": engine, "mode": "backfill"})
    manifest = Manifest.model_validate(lake.read_json(RunPaths(CONTROL, spec.name, run_id).manifest))
    run_engine(lake, manifest)
    commit_run(manifest, lake, catalog=_NoCatalog(), wait_s=0)


class _NoCatalog:
    available = False

    def table_columns(self, database: str, table: str) -> list[dict[str, str]] | None:
        return None

    def add_partitions(self, database: str, table: str, partitions: list[str], location: str | None = None) -> int:
        return 0


def table_rows(lake: LocalLake) -> list[tuple[object, ...]]:
    """Every row as ``(partition dir, id, ts, region, _source_file)``, sorted: a multiset, duplicates kept."""
    out: list[tuple[object, ...]] = []
    for o in lake.list(LOCATION):
        rel = o.uri[len(LOCATION):]
        if rel.startswith("_") or not rel.endswith(".parquet"):
            continue
        t = pq.read_table(io.BytesIO(lake.read_bytes(o.uri)))
        part = rel.rsplit("/", 1)[0] if "/" in rel else ""
        cols = [t.column(c).to_pylist() for c in ("id", "ts", "region", "_source_file") if c in t.column_names]
        out += [(part, *values) for values in zip(*cols, strict=True)]
    return sorted(out, key=repr)


def segments(days: set[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive day indexes as ``(start, length)``."""
    out: list[tuple[int, int]] = []
    for d in sorted(days):
        if out and out[-1][0] + out[-1][1] == d:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((d, 1))
    return out


def check_sequence(root: Path, granularity: str, ops: list[tuple[int, int, int | None]], engine: str,
                   run_engine: Engine) -> None:
    """Run ``ops`` (``(start day, days, chunk)``) in one lake and a clean run per union segment in another."""
    spec = spec_for(granularity)
    lake, clean = LocalLake(root / "lake"), LocalLake(root / "clean")
    for store in (lake, clean):
        write_sources(store)
    covered: set[int] = set()
    n = 0
    for start, days, chunk in ops:
        days = min(days, DAYS - start)
        covered |= set(range(start, start + days))
        for part in chunked(window(start, days), chunk):
            n += 1
            run_once(lake, spec, part, f"run-{n}", engine, run_engine)
    for i, (start, days) in enumerate(segments(covered)):
        run_once(clean, spec, window(start, days), f"clean-{i}", engine, run_engine)
    got, want = table_rows(lake), table_rows(clean)
    assert len(want) == sum(3 if d else 2 for d in covered), "the clean run itself lost or doubled rows"
    assert got == want, f"{granularity} {ops}: table differs from a clean run over the union of the windows"
    assert len({r[1] for r in got}) == len(got), "a row is doubled"
