"""The Lambda engine against its peers, on one machine in one run.

Input: a deterministic orders CSV (plain and gzip) with a few malformed rows, generated once per run
into a temp dir. Every implementation turns it into validated, filtered, date-partitioned Parquet:

- ``engine``: ``lambdas.engine.process_batch`` over the local lake (record numbers, quarantine, all);
- ``pandas``: a straightforward awswrangler/pandas implementation of the same spec (read_csv as text,
  casts with ``errors="coerce"``, checks, filter, ``to_parquet(partition_cols=...)``);
- ``duckdb``: DuckDB's own ``COPY (SELECT ...) TO ... (FORMAT parquet, PARTITION_BY ...)`` of the same
  query (the semantics module's validation SQL over ``read_csv(all_varchar=true)``).

Each run happens in a fresh subprocess that reports its wall time and peak RSS (VmHWM); runs of the
three are interleaved and the best of each counts, so load from other processes falls on all alike.
Targets:
engine throughput >= 2x pandas and >= 0.8x DuckDB, and the engine's peak RSS on an 8x input within
1.2x of its peak on the 1x input (memory bounded by block size, not file size).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROWS = int(os.environ.get("LOCKGATE_BENCH_ROWS", 1_500_000))
ROOT = Path(__file__).resolve().parents[1]

SPEC = {
    "name": "bench_orders",
    "source": {"uri": "s3://bench-raw/orders/", "format": "csv", "compression": "auto",
               "csv": {"header": True, "null_values": ["", "NULL"]}},
    "columns": [
        {"name": "order_id", "type": "bigint", "nullable": False},
        {"name": "customer_id", "type": "bigint", "nullable": False},
        {"name": "amount", "type": "decimal(12,2)", "checks": ["amount >= 0"]},
        {"name": "currency", "type": "string", "allowed": ["EUR", "USD", "GBP"]},
        {"name": "status", "type": "string"},
        {"name": "quantity", "type": "int"},
        {"name": "ordered_at", "type": "timestamp", "format": "yyyy-MM-dd HH:mm:ss"},
    ],
    "derive": {"order_date": "CAST(ordered_at AS DATE)"},
    "filter": "status <> 'test'",
    "target": {"database": "bench", "table": "orders", "location": "s3://bench-lake/orders/",
               "partition_by": ["order_date"], "compression": "snappy"},
}


def generate(path: Path, rows: int, gzip: bool) -> None:
    """Deterministic orders CSV: 60 daily partitions, ~0.1% malformed values, ~2% filtered rows."""
    import duckdb

    con = duckdb.connect()
    opts = "HEADER, DELIMITER ','" + (", COMPRESSION gzip" if gzip else "")
    con.execute(f"""
        COPY (
          SELECT i AS order_id,
                 (hash(i) % 100000)::VARCHAR AS customer_id,
                 CASE WHEN i % 1013 = 0 THEN 'n/a' WHEN i % 2003 = 0 THEN '-5.00'
                      ELSE ((hash(i * 7) % 100000) / 100.0)::DECIMAL(12,2)::VARCHAR END AS amount,
                 CASE WHEN i % 3001 = 0 THEN 'JPY' ELSE ['EUR','USD','GBP'][1 + (i % 3)::INT] END AS currency,
                 CASE WHEN i % 50 = 0 THEN 'test' ELSE ['new','paid','shipped'][1 + (i % 3)::INT] END AS status,
                 (1 + hash(i * 3) % 9)::VARCHAR AS quantity,
                 strftime(TIMESTAMP '2024-01-01' + to_seconds((i * 3456) % (60 * 86400)), '%Y-%m-%d %H:%M:%S')
                   AS ordered_at
          FROM range({rows}) t(i)
        ) TO '{path}' ({opts})
    """)


# ------------------------------------------------------------------------------ implementations

_PRELUDE = """
import json, sys, time, os
def _hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1])
    return 0
"""

ENGINE = _PRELUDE + """
from pathlib import Path
from orchestration.core.spec.models import Spec
from orchestration.core.contracts import Manifest, SourceObject, Batch
from orchestration.core.storage import LocalLake
from lambdas.engine import process_batch
src, out, spec_json = sys.argv[1], sys.argv[2], sys.argv[3]
spec = Spec.model_validate(json.loads(spec_json))
lake = Path(out) / 'lake'
key = 'orders/' + Path(src).name
(lake / 'bench-raw' / 'orders').mkdir(parents=True, exist_ok=True)
os.symlink(src, lake / 'bench-raw' / key)
t0 = time.perf_counter()
uri = 's3://bench-raw/' + key
m = Manifest(run_id='bench', spec=spec.canonical(), window=None, started_at='2024-03-01T00:00:00Z', route='lambda',
             reasons=[], objects=[SourceObject(uri=uri, size=os.path.getsize(src))],
             batches=[Batch(index=0, objects=[0], bytes=os.path.getsize(src))], control_uri='s3://bench-control/',
             **{'import': 'bench_orders'})
r = process_batch(spec, m, 0, LocalLake(lake))
dt = time.perf_counter() - t0
print(json.dumps({'seconds': dt, 'hwm_kb': _hwm(), 'rows_written': r.rows_written, 'rows_in': r.rows_in,
                  'rows_rejected': r.rows_rejected, 'rows_filtered': r.rows_filtered}))
"""

PANDAS = _PRELUDE + """
import pandas as pd, numpy as np
src, out = sys.argv[1], sys.argv[2]
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

DUCKDB = _PRELUDE + """
import duckdb
from orchestration.core.spec.models import Spec
from orchestration.core import semantics
src, out, spec_json = sys.argv[1], sys.argv[2], sys.argv[3]
spec = Spec.model_validate(json.loads(spec_json))
t0 = time.perf_counter()
con = duckdb.connect()
con.execute("SET TimeZone='UTC'")
null_values = spec.source.csv.null_values
raw = f"(SELECT *, '{src}' AS _source_file, 0::BIGINT AS _record FROM read_csv('{src}', all_varchar=true, header=true))"
valid = semantics.validation_sql(spec, 'duckdb', raw, null_values=null_values)
derive = semantics.derive_sql(spec, f'({valid})', 'duckdb')
query = f"SELECT * EXCLUDE (_ok) FROM ({derive}) AS d WHERE _ok AND {semantics.filter_sql(spec, 'duckdb')}"
con.execute(f"COPY ({query}) TO '{out}/data' (FORMAT parquet, PARTITION_BY (order_date), COMPRESSION snappy)")
n = con.execute(f"SELECT count(*) FROM read_parquet('{out}/data/**/*.parquet')").fetchone()[0]
dt = time.perf_counter() - t0
print(json.dumps({'seconds': dt, 'hwm_kb': _hwm(), 'rows_written': int(n)}))
"""


def _run(code: str, src: Path, workdir: Path) -> dict:
    out = Path(tempfile.mkdtemp(dir=workdir))
    r = subprocess.run([sys.executable, "-c", code, str(src), str(out), json.dumps(SPEC)], cwd=ROOT,
                       capture_output=True, text=True, timeout=3600)
    if r.returncode != 0:
        raise RuntimeError(f"benchmark subprocess failed:\n{r.stderr[-4000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def _best_interleaved(codes: dict[str, tuple[str, int]], src: Path, workdir: Path) -> dict[str, dict]:
    """Best run of each implementation (``name: (code, runs)``), interleaved (A, B, C, A, B, ...) so that
    load from other processes on the machine falls on every implementation alike."""
    runs: dict[str, list[dict]] = {name: [] for name in codes}
    for i in range(max(n for _, n in codes.values())):
        for name, (code, n) in codes.items():
            if i < n:
                runs[name].append(_run(code, src, workdir))
    return {name: min(r, key=lambda x: x["seconds"]) for name, r in runs.items()}


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="lockgate-bench-") as tmp:
        work = Path(tmp)
        for gz in (False, True):
            src = work / ("orders.csv.gz" if gz else "orders.csv")
            generate(src, ROWS, gz)
            label = "csv.gz" if gz else "csv"
            best = _best_interleaved({"engine": (ENGINE, 3), "duckdb": (DUCKDB, 3), "pandas": (PANDAS, 2)}, src, work)
            eng, ddb, pdx = best["engine"], best["duckdb"], best["pandas"]
            print(f"    {label}: engine {eng}, pandas {pdx}, duckdb {ddb}", file=sys.stderr)
            mrows = ROWS / 1e6
            rows.append(_row(f"engine {label}", "rows/s (engine)", round(ROWS / eng["seconds"]), "info", True))
            rows.append(_row(f"engine {label}", f"throughput vs pandas ({mrows:.1f}M rows)",
                             round(pdx["seconds"] / eng["seconds"], 2), ">= 2.0", pdx["seconds"] / eng["seconds"] >= 2.0))
            rows.append(_row(f"engine {label}", f"throughput vs DuckDB COPY ({mrows:.1f}M rows)",
                             round(ddb["seconds"] / eng["seconds"], 2), ">= 0.8", ddb["seconds"] / eng["seconds"] >= 0.8))
            if not gz:
                big = work / "orders8x.csv"
                generate(big, ROWS * 8, False)
                eng8 = _run(ENGINE, big, work)
                ratio = eng8["hwm_kb"] / eng["hwm_kb"]
                print(f"    8x: {eng8}", file=sys.stderr)
                rows.append(_row("engine csv", f"peak RSS 8x / 1x input ({eng['hwm_kb'] // 1024} MB -> "
                                 f"{eng8['hwm_kb'] // 1024} MB)", round(ratio, 2), "<= 1.2", ratio <= 1.2))
                big.unlink()
            src.unlink()
    return rows


def _row(benchmark: str, metric: str, value: object, target: str, ok: bool) -> dict:
    return {"benchmark": benchmark, "metric": metric, "value": value, "target": target, "ok": bool(ok)}


if __name__ == "__main__":
    for r in run():
        print(r)
