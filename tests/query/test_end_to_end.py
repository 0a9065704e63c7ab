"""`lockgate run IMPORT --local` then `lockgate query ... --local`, with no step in between: the state
machine's crawler step (local crawler service) fills the local catalog the query reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.cli import main

SPEC = """\
name: orders
source: {uri: "s3://raw/orders/{date}/", format: csv}
columns:
  - {name: order_id, type: bigint}
  - {name: amount, type: "decimal(12,2)"}
  - {name: ordered_at, type: timestamp}
derive: {order_date: "CAST(ordered_at AS DATE)"}
target: {database: sales, table: orders, location: "s3://lake/sales/orders/", partition_by: [order_date]}
"""

CSV = "order_id,amount,ordered_at\n1,10.50,2024-03-01 10:00:00\n2,3.25,2024-03-01 11:00:00\n3,7.00,2024-03-02 09:00:00\n"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out = capsys.readouterr()
    assert done.value.code == 0, out.err
    return out.out


def test_run_then_query(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lockgate.yaml").write_text("imports: imports\nlocal: {lake: lake}\n")
    (tmp_path / "imports").mkdir()
    (tmp_path / "imports/orders.yaml").write_text(SPEC)
    raw = tmp_path / "lake/raw/orders/2024-03-01"
    raw.mkdir(parents=True)
    (raw / "a.csv").write_text(CSV)
    root = str(tmp_path)
    run = json.loads(_cli(capsys, "--project", root, "run", "orders", "--local",
                          "--window", "2024-03-01..2024-03-02", "--json"))
    assert run["status"] == "SUCCEEDED", run.get("cause")
    out = _cli(capsys, "--project", root, "query",
               "SELECT order_date, count(*) AS n, sum(amount) AS total FROM sales.orders GROUP BY 1 ORDER BY 1",
               "--local", "--format", "json")
    assert json.loads(out) == [{"order_date": "2024-03-01", "n": 2, "total": "13.75"},
                               {"order_date": "2024-03-02", "n": 1, "total": "7.00"}]
