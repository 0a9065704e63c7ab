"""The engine benchmark's datasets: a spec and a deterministic generator for each (DuckDB writes the CSV).

- ``orders``: 7 columns (2 bigint, decimal, int, timestamp with a format, 2 strings), ~0.1% malformed
  values, ~2% filtered rows, 60 daily partitions.
- ``wide``: a flight-log / sensor export, 19 columns of which 15 numeric (double, float, int, decimal),
  an ISO timestamp, ~0.1% malformed or space-padded values, NULL markers, 25% filtered rows, 30 daily
  partitions; about 125 bytes a row (2,000,000 rows are ~250 MB).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["DATASETS", "generate"]

ORDERS: dict[str, Any] = {
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
    "quality": {"max_reject_ratio": 0.05},
    "routing": {"engine": "lambda"},
    "target": {"database": "bench", "table": "orders", "location": "s3://bench-lake/orders/",
               "partition_by": ["order_date"], "compression": "snappy"},
}

_WIDE_NUMERIC = [("latitude", "double"), ("longitude", "double"), ("altitude_m", "double"),
                 ("ground_speed", "double"), ("vertical_speed", "double"), ("heading", "int"), ("roll", "float"),
                 ("pitch", "float"), ("yaw", "float"), ("temperature_c", "decimal(6,2)"), ("pressure_hpa", "double"),
                 ("battery_v", "decimal(5,2)"), ("battery_pct", "int"), ("satellites", "int"), ("rssi_dbm", "int")]
WIDE: dict[str, Any] = {
    "name": "bench_wide",
    "source": {"uri": "s3://bench-raw/wide/", "format": "csv", "compression": "auto",
               "csv": {"header": True, "null_values": ["", "NULL"]}},
    "columns": [
        {"name": "recorded_at", "type": "timestamp", "nullable": False},
        {"name": "device_id", "type": "string", "nullable": False},
        {"name": "flight_id", "type": "string"},
        {"name": "phase", "type": "string", "allowed": ["climb", "cruise", "descent", "taxi"]},
        *[{"name": n, "type": t} for n, t in _WIDE_NUMERIC],
    ],
    "derive": {"recorded_date": "CAST(recorded_at AS DATE)"},
    "filter": "phase <> 'taxi'",
    "quality": {"max_reject_ratio": 0.05},
    "routing": {"engine": "lambda"},
    "target": {"database": "bench", "table": "wide", "location": "s3://bench-lake/wide/",
               "partition_by": ["recorded_date"], "compression": "snappy"},
}


def _h(i: str, k: int, m: int) -> str:
    """A deterministic pseudo-random integer in [0, m) from row ``i`` (DuckDB's hash is UBIGINT)."""
    return f"((hash({i} * {k}) % {m})::BIGINT)"


_ORDERS_SQL = """
  SELECT i AS order_id,
         (hash(i) % 100000)::VARCHAR AS customer_id,
         CASE WHEN i % 1013 = 0 THEN 'n/a' WHEN i % 2003 = 0 THEN '-5.00'
              ELSE ((hash(i * 7) % 100000) / 100.0)::DECIMAL(12,2)::VARCHAR END AS amount,
         CASE WHEN i % 3001 = 0 THEN 'JPY' ELSE ['EUR','USD','GBP'][1 + (i % 3)::INT] END AS currency,
         CASE WHEN i % 50 = 0 THEN 'test' ELSE ['new','paid','shipped'][1 + (i % 3)::INT] END AS status,
         (1 + hash(i * 3) % 9)::VARCHAR AS quantity,
         strftime(TIMESTAMP '2024-01-01' + to_seconds((i * 3456) % (60 * 86400)), '%Y-%m-%d %H:%M:%S') AS ordered_at
  FROM range({rows}) t(i)
"""

_WIDE_SQL = f"""
  SELECT strftime(TIMESTAMP '2024-05-01' + to_seconds((i * 37) % (30 * 86400)), '%Y-%m-%d %H:%M:%S') AS recorded_at,
         'D' || lpad((i % 500)::VARCHAR, 4, '0') AS device_id,
         'F' || (i // 5000)::VARCHAR AS flight_id,
         ['climb','cruise','descent','taxi'][1 + (i % 4)::INT] AS phase,
         CASE WHEN i % 1709 = 0 THEN 'ERR' ELSE round(47 + {_h('i', 1, 1000000)} / 1e6, 6)::VARCHAR END AS latitude,
         round(8 + {_h('i', 3, 1000000)} / 1e6, 6)::VARCHAR AS longitude,
         CASE WHEN i % 997 = 0 THEN '' ELSE round({_h('i', 5, 1200000)} / 100.0, 2)::VARCHAR END AS altitude_m,
         round({_h('i', 7, 25000)} / 100.0, 2)::VARCHAR AS ground_speed,
         round(({_h('i', 11, 2001)} - 1000) / 100.0, 2)::VARCHAR AS vertical_speed,
         {_h('i', 13, 360)}::VARCHAR AS heading,
         round(({_h('i', 17, 9001)} - 4500) / 100.0, 2)::VARCHAR AS roll,
         round(({_h('i', 19, 6001)} - 3000) / 100.0, 2)::VARCHAR AS pitch,
         round({_h('i', 23, 36000)} / 100.0, 2)::VARCHAR AS yaw,
         CASE WHEN i % 2011 = 0 THEN ' ' ELSE '' END
           || ({_h('i', 29, 8000)} / 100.0 - 40)::DECIMAL(6,2)::VARCHAR AS temperature_c,
         round(900 + {_h('i', 31, 15000)} / 100.0, 2)::VARCHAR AS pressure_hpa,
         (10 + {_h('i', 37, 1500)} / 100.0)::DECIMAL(5,2)::VARCHAR AS battery_v,
         CASE WHEN i % 3001 = 0 THEN 'NULL' WHEN i % 4001 = 0 THEN '101%' ELSE {_h('i', 41, 101)}::VARCHAR END
           AS battery_pct,
         {_h('i', 43, 24)}::VARCHAR AS satellites,
         (-{_h('i', 47, 120)})::VARCHAR AS rssi_dbm
  FROM range({{rows}}) t(i)
"""

DATASETS: dict[str, tuple[dict[str, Any], str]] = {"orders": (ORDERS, _ORDERS_SQL), "wide": (WIDE, _WIDE_SQL)}
"""name -> (spec, generating SELECT with a ``{rows}`` placeholder)."""


def generate(name: str, path: Path, rows: int, fmt: str = "csv", compression: str = "none") -> None:
    """Write ``rows`` rows of dataset ``name`` to ``path`` as CSV (with a header) or JSON Lines, plain or
    compressed (gzip, zstd through DuckDB; bz2 through Python), or as Parquet (every value as text)."""
    import duckdb

    select = DATASETS[name][1].format(rows=rows)
    con = duckdb.connect()
    target = path.with_name(path.name + ".tmp") if compression == "bz2" else path
    if fmt == "parquet":
        opts = "FORMAT parquet"
    else:
        opts = "HEADER, DELIMITER ','" if fmt == "csv" else "FORMAT json"
        if compression in ("gzip", "zstd"):
            opts += f", COMPRESSION {compression}"
    con.execute(f"COPY ({select}) TO '{target}' ({opts})")
    con.close()
    if compression == "bz2":
        import bz2
        import shutil

        with open(target, "rb") as src, bz2.open(path, "wb", compresslevel=9) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        target.unlink()
