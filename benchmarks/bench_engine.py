"""The Lambda engine against its peers, on one machine in one run.

Inputs (``benchmarks/engine_data.py``, generated once per run into a temp dir, plain and gzip): the
orders CSV (``ROWS`` rows, 7 columns) and a wide numeric flight-log CSV (``WIDE_ROWS`` rows, 19 columns,
15 numeric; 2,000,000 rows are ~250 MB). Each implementation turns a file into validated, filtered,
date-partitioned Parquet:

- ``engine``: ``lambdas.engine.process_batch`` over the local lake (record numbers, quarantine, all);
- ``trycast``: DuckDB's ``COPY (SELECT ...) TO ... (FORMAT parquet, PARTITION_BY ...)`` of the same
  validation done the plain way: a typed ``TRY_CAST`` of every column with the same null values over
  ``read_csv(all_varchar=true)``, the same derived column and filter;
- ``pandas`` (orders): a straightforward pandas implementation (read as text, ``errors="coerce"``);
- ``local run`` (wide, plain): the whole ``lockgate run --local`` (plan, process, commit, catalog)
  against ``copy``: DuckDB's plain partitioned ``COPY`` of the same query over ``read_csv`` with its own
  type detection.

Every run happens in a fresh subprocess that reports its wall time and peak RSS (VmHWM); runs are
interleaved and the best of each counts, so load from other processes falls on all alike.
Targets: engine throughput >= 0.8x ``trycast`` on both datasets, plain and gzip, and >= 2x pandas; the
local run >= 0.5x ``copy``; the engine's peak RSS on an 8x orders input within 1.2x of its peak on the 1x
input; each handler's cold import (fresh interpreter, one core) under 1 s. The ratio of CPU seconds of the
same runs is reported too (info): on a shared machine the engine's pipeline of threads (reader, DuckDB,
writer) loses more wall time to other load than DuckDB's own thread pool does.

``python -m benchmarks.bench_engine rates`` measures the router's default throughput rates instead
(see ``rates``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.engine_data import DATASETS, generate

ROWS = int(os.environ.get("LOCKGATE_BENCH_ROWS", 1_500_000))
WIDE_ROWS = int(os.environ.get("LOCKGATE_BENCH_WIDE_ROWS", 2_000_000))
REPEAT = int(os.environ.get("LOCKGATE_BENCH_REPEAT", 3))
ROOT = Path(__file__).resolve().parents[1]

_PRELUDE = """
import json, sys, time, os
def _hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
    return 0
src, out, spec_json = sys.argv[1], sys.argv[2], sys.argv[3]
"""

ENGINE = _PRELUDE + """
from pathlib import Path
from orchestration.core.spec.models import Spec
from orchestration.core.contracts import Manifest, SourceObject, Batch
from orchestration.core.storage import LocalLake
from lambdas.engine import process_batch
# The libraries the engine loads on its first chunk, imported before the clock starts, as the peers import
# DuckDB and pandas before theirs: a handler's imports are its cold start, reported in rows of their own.
import duckdb, pyarrow.csv, pyarrow.parquet, pyarrow.compute  # noqa: E401,F401
spec = Spec.model_validate(json.loads(spec_json))
lake = Path(out) / 'lake'
bucket, _, prefix = spec.source.uri.removeprefix('s3://').partition('/')
(lake / bucket / prefix).mkdir(parents=True, exist_ok=True)
# A directory is one batch of its files, in name order.
srcs = sorted(str(f) for f in Path(src).iterdir()) if Path(src).is_dir() else [src]
for f in srcs:  # hard links: the lake refuses symbolic links out of it
    os.link(f, lake / bucket / prefix / Path(f).name)
t0 = time.perf_counter()
objects = [SourceObject(uri=spec.source.uri + Path(f).name, size=os.path.getsize(f)) for f in srcs]
m = Manifest(run_id='bench', spec=spec.canonical(), window=None, started_at='2024-03-01T00:00:00Z', route='lambda',
             reasons=[], objects=objects,
             batches=[Batch(index=0, objects=list(range(len(objects))), bytes=sum(o.size for o in objects))],
             control_uri='s3://bench-control/', **{'import': spec.name})
r = process_batch(spec, m, 0, LocalLake(lake))
dt = time.perf_counter() - t0
print(json.dumps({'seconds': dt, 'hwm_kb': _hwm(), 'rows_written': r.rows_written, 'rows_in': r.rows_in,
                  'rows_rejected': r.rows_rejected, 'rows_filtered': r.rows_filtered}))
"""

TRYCAST = _PRELUDE + """
import duckdb
from orchestration.core.spec.models import Spec
from orchestration.core import semantics
spec = Spec.model_validate(json.loads(spec_json))
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET TimeZone='UTC'")
nulls = ', '.join(semantics.literal(v, 'duckdb') for v in spec.source.csv.null_values)
cols = []
for c in spec.columns:
    q = semantics.quote_ident(c.source_name)
    typ = semantics.sql_type(c.column_type, 'duckdb')
    cast = q if c.type == 'string' else f'TRY_CAST({q} AS {typ})'
    cols.append(f'CASE WHEN {q} IN ({nulls}) THEN NULL ELSE {cast} END AS {semantics.quote_ident(c.name)}')
raw = f"(SELECT {', '.join(cols)} FROM read_csv('{src}', all_varchar=true, header=true))"
derive = semantics.derive_sql(spec, raw, 'duckdb')
query = f"SELECT * FROM ({derive}) AS d WHERE {semantics.filter_sql(spec, 'duckdb')}"
part = ', '.join(spec.target.partition_by)
con.execute(f"COPY ({query}) TO '{out}/data' (FORMAT parquet, PARTITION_BY ({part}), COMPRESSION snappy)")
n = con.execute(f"SELECT count(*) FROM read_parquet('{out}/data/**/*.parquet')").fetchone()[0]
dt = time.perf_counter() - t0
print(json.dumps({'seconds': dt, 'hwm_kb': _hwm(), 'rows_written': int(n)}))
"""

COPY = _PRELUDE + """
import duckdb
from orchestration.core.spec.models import Spec
from orchestration.core import semantics
spec = Spec.model_validate(json.loads(spec_json))
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET TimeZone='UTC'")
derive = semantics.derive_sql(spec, f"read_csv('{src}', header=true)", 'duckdb')
query = f"SELECT * FROM ({derive}) AS d WHERE {semantics.filter_sql(spec, 'duckdb')}"
part = ', '.join(spec.target.partition_by)
con.execute(f"COPY ({query}) TO '{out}/data' (FORMAT parquet, PARTITION_BY ({part}), COMPRESSION snappy)")
n = con.execute(f"SELECT count(*) FROM read_parquet('{out}/data/**/*.parquet')").fetchone()[0]
dt = time.perf_counter() - t0
print(json.dumps({'seconds': dt, 'hwm_kb': _hwm(), 'rows_written': int(n)}))
"""

LOCAL_RUN = _PRELUDE + """
import subprocess, yaml
from pathlib import Path
spec = json.loads(spec_json)
project = Path(out)
(project / 'imports').mkdir(parents=True)
(project / 'imports' / (spec['name'] + '.yaml')).write_text(yaml.safe_dump(spec))
(project / 'lockgate.yaml').write_text(yaml.safe_dump({'imports': 'imports', 'local': {'lake': '.lake'}}))
bucket, _, prefix = spec['source']['uri'].removeprefix('s3://').partition('/')
raw = project / '.lake' / bucket / prefix
raw.mkdir(parents=True)
os.link(src, raw / Path(src).name)  # a hard link: the plan sizes the object (a symlink's own size is 21 B)
exe = str(Path(sys.executable).with_name('lockgate'))
t0 = time.perf_counter()
r = subprocess.run([exe, '--project', str(project), 'run', spec['name'], '--local', '--json'], capture_output=True, text=True)
dt = time.perf_counter() - t0
if r.returncode != 0:
    raise SystemExit(r.stdout[-2000:] + r.stderr[-2000:])
summary = json.loads(r.stdout)
import resource
hwm = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({'seconds': dt, 'hwm_kb': hwm, 'rows_written': summary['rows_written'], 'status': summary['status']}))
"""

PANDAS = _PRELUDE + """
import pandas as pd, numpy as np
t0 = time.perf_counter()
df = pd.read_csv(src, dtype=str, keep_default_na=False, na_values=['', 'NULL'],
                 compression='gzip' if src.endswith('.gz') else None)
o = pd.DataFrame()
o['order_id'] = pd.to_numeric(df['order_id'].str.strip(), errors='coerce').astype('Int64')
o['customer_id'] = pd.to_numeric(df['customer_id'].str.strip(), errors='coerce').astype('Int64')
amount = pd.to_numeric(df['amount'].str.strip(), errors='coerce')
o['amount'] = amount.round(2)
o['currency'] = df['currency']
o['status'] = df['status']
o['quantity'] = pd.to_numeric(df['quantity'].str.strip(), errors='coerce').astype('Int32')
o['ordered_at'] = pd.to_datetime(df['ordered_at'].str.strip(), format='%Y-%m-%d %H:%M:%S', errors='coerce')
bad = (o['order_id'].isna() | o['customer_id'].isna() | (amount.isna() & df['amount'].notna())
       | (o['ordered_at'].isna() & df['ordered_at'].notna()) | (amount < 0).fillna(False)
       | (~o['currency'].isin(['EUR', 'USD', 'GBP']) & o['currency'].notna()))
q = df[bad].copy()
q['_errors'] = 'invalid'
q.to_parquet(os.path.join(out, 'quarantine.parquet'))
o = o[~bad]
o = o[(o['status'] != 'test').fillna(False)].copy()
o['order_date'] = o['ordered_at'].dt.date.astype(str)
o['_source_file'] = src
o['_run_id'] = 'bench'
o.to_parquet(os.path.join(out, 'data'), partition_cols=['order_date'], compression='snappy', index=False)
dt = time.perf_counter() - t0
print(json.dumps({'seconds': dt, 'hwm_kb': _hwm(), 'rows_written': int(len(o))}))
"""


def run_subprocess(code: str, src: Path, workdir: Path, spec: dict[str, Any], env: dict[str, str] | None = None,
                   preexec: Callable[[], None] | None = None) -> dict[str, Any]:
    """One implementation in a fresh subprocess (``preexec`` runs in it before Python starts, e.g. to pin
    CPUs); its result line plus the CPU seconds of the process (``cpu_s``)."""
    import resource
    import shutil

    out = Path(tempfile.mkdtemp(dir=workdir))
    # Bytecode may be written: a deployed function imports precompiled modules (make package), so
    # compiling pyarrow's and DuckDB's Python files anew in every run would measure the wrong thing.
    run_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | (env or {})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([sys.executable, "-c", code, str(src), str(out), json.dumps(spec)], cwd=ROOT,
                       capture_output=True, text=True, timeout=3600, env=run_env, preexec_fn=preexec)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    shutil.rmtree(out, ignore_errors=True)
    if r.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def _best_interleaved(codes: dict[str, tuple[str, int]], src: Path, workdir: Path,
                      spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Best run of each implementation (``name: (code, runs)``), interleaved (A, B, C, A, B, ...) so that
    load from other processes on the machine falls on every implementation alike."""
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in codes}
    for i in range(max(n for _, n in codes.values())):
        for name, (code, n) in codes.items():
            if i < n:
                runs[name].append(run_subprocess(code, src, workdir, spec))
    return {name: min(r, key=lambda x: x["seconds"]) for name, r in runs.items()}


def _ratio_row(benchmark: str, metric: str, peer: dict[str, Any], eng: dict[str, Any], target: float) -> dict[str, Any]:
    ratio = peer["seconds"] / eng["seconds"]
    shown = round(ratio, 2)
    if (shown >= target) != (ratio >= target):  # 0.797 is not 0.8: show the digit that decides
        shown = int(ratio * 1000) / 1000  # truncated, never rounded up to the target
    return _row(benchmark, metric, shown, f">= {target}", ratio >= target)


def _dataset_rows(name: str, rows: int, work: Path) -> list[dict[str, Any]]:
    spec = DATASETS[name][0]
    out: list[dict[str, Any]] = []
    for gz in (False, True):
        label = f"{name} csv.gz" if gz else f"{name} csv"
        src = work / (f"{name}.csv.gz" if gz else f"{name}.csv")
        generate(name, src, rows, "csv", "gzip" if gz else "none")
        size_mb = src.stat().st_size / 2**20
        codes = {"engine": (ENGINE, REPEAT), "trycast": (TRYCAST, REPEAT)}
        if name == "orders":
            codes["pandas"] = (PANDAS, 2)
        best = _best_interleaved(codes, src, work, spec)
        eng = best["engine"]
        print(f"    {label} ({size_mb:.0f} MB): " + ", ".join(f"{k} {v}" for k, v in best.items()), file=sys.stderr)
        what = f"{rows / 1e6:.1f}M rows, {size_mb:.0f} MB"
        out.append(_row(f"engine {label}", "rows/s (engine)", round(rows / eng["seconds"]), "info", True))
        out.append(_ratio_row(f"engine {label}", f"throughput vs DuckDB TRY_CAST COPY ({what})", best["trycast"], eng, 0.8))
        cpu = best["trycast"]["cpu_s"] / eng["cpu_s"]
        out.append(_row(f"engine {label}", "CPU seconds of DuckDB TRY_CAST COPY / engine's (same runs)", round(cpu, 2),
                        "info", True))
        if "pandas" in best:
            out.append(_ratio_row(f"engine {label}", f"throughput vs pandas ({what})", best["pandas"], eng, 2.0))
        if name == "orders" and not gz:
            big = work / "orders8x.csv"
            generate(name, big, rows * 8)
            eng8 = run_subprocess(ENGINE, big, work, spec)
            ratio = eng8["hwm_kb"] / eng["hwm_kb"]
            print(f"    8x: {eng8}", file=sys.stderr)
            out.append(_row(f"engine {label}", f"peak RSS 8x / 1x input ({eng['hwm_kb'] // 1024} MB -> "
                            f"{eng8['hwm_kb'] // 1024} MB)", round(ratio, 2), "<= 1.2", ratio <= 1.2))
            big.unlink()
        if name == "wide" and not gz:
            runs = _best_interleaved({"local run": (LOCAL_RUN, 2), "copy": (COPY, 2)}, src, work, spec)
            print(f"    local run: {runs}", file=sys.stderr)
            out.append(_ratio_row("lockgate run --local, wide csv", f"throughput vs DuckDB plain partitioned COPY "
                                  f"({what})", runs["copy"], runs["local run"], 0.5))
        src.unlink()
    return out


def cold_imports() -> list[dict[str, Any]]:
    """Each handler's import in a fresh interpreter pinned to one core: from the built package
    (``make package``) when it exists, else from this environment."""
    from orchestration.packaging import handler_import_times

    lam = ROOT / "build" / "package" / "lambda"
    rows = []
    if (lam / "layer" / "python").is_dir():
        where = "package"
        affinity = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {0})  # inherited by the interpreters handler_import_times starts
        try:
            times = handler_import_times(lam, ROOT / "build" / ".cache")
        finally:
            os.sched_setaffinity(0, affinity)
    else:
        where = "venv; run make package to measure the package"
        times = {}
        for name in ("plan", "process_batch", "dedupe", "commit", "failure"):
            code = f"import time; t = time.perf_counter(); import lambdas.handlers.{name}; print((time.perf_counter() - t) * 1000)"
            r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                               preexec_fn=lambda: os.sched_setaffinity(0, {0}))
            times[name] = float(r.stdout.strip().splitlines()[-1])
    for name, ms in times.items():
        rows.append(_row(f"handler {name}", f"cold import on one core, ms ({where})", round(ms), "< 1000", ms < 1000))
    return rows


def run() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="lockgate-bench-") as tmp:
        for name, n in (("orders", ROWS), ("wide", WIDE_ROWS)):
            rows += _dataset_rows(name, n, Path(tmp))
    return rows + cold_imports()


def _row(benchmark: str, metric: str, value: object, target: str, ok: bool) -> dict[str, Any]:
    return {"benchmark": benchmark, "metric": metric, "value": value, "target": target, "ok": bool(ok)}


if __name__ == "__main__":
    if sys.argv[1:] == ["rates"]:
        from benchmarks.engine_rates import rates

        rates()
    else:
        for r in run():
            print(r)
