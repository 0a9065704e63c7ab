"""Local queries: DuckDB over the local catalog, Athena SQL transpiled, partition filters prune files."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pyarrow as pa
import pytest

from crawlers.local import crawl
from crawlers.settings import crawler_settings
from orchestration.cli import main
from orchestration.config import Project
from orchestration.query import QueryError, run_query
from orchestration.query.local import local_query, transpile

from .conftest import write_day


def test_group_by_partition(project: Project) -> None:
    r = run_query(project, "SELECT order_date, count(*) AS n FROM sales.orders GROUP BY 1 ORDER BY 1", local=True)
    assert r.columns == ["order_date", "n"]
    assert r.rows == [(dt.date(2024, 1, 1), 1), (dt.date(2024, 1, 2), 2), (dt.date(2024, 1, 3), 3)]


def _files_read(plan: str) -> tuple[int, int]:
    m = re.search(r"Scanning Files: (\d+)/(\d+)", plan)
    assert m, plan
    return int(m.group(1)), int(m.group(2))


def test_partition_filter_prunes_files(project: Project) -> None:
    sql = "SELECT count(*) FROM sales.orders WHERE order_date = DATE '2024-01-02'"
    assert run_query(project, sql, local=True).rows == [(2,)]
    plan = local_query(project.lake, sql, explain_analyze=True).rows[0][1]
    assert _files_read(plan) == (1, 3)
    assert "order_date=2024-01-02/part-0.parquet" in plan and "order_date=2024-01-01" not in plan
    unfiltered = local_query(project.lake, "SELECT count(*) FROM sales.orders", explain_analyze=True).rows[0][1]
    assert "Total Files Read: 3" in unfiltered


def test_trino_functions_are_transpiled(project: Project) -> None:
    sql = ("SELECT date_format(ordered_at, '%Y/%m/%d') AS d, approx_distinct(order_id) AS n "
           "FROM sales.orders WHERE order_date BETWEEN DATE '2024-01-02' AND DATE '2024-01-03' GROUP BY 1 ORDER BY 1")
    r = run_query(project, sql, local=True)
    assert r.rows == [("2024/01/02", 2), ("2024/01/03", 3)]
    assert transpile("SELECT 1 FROM awsdatacatalog.sales.orders")[1] == [("sales", "orders")]


def test_only_registered_partitions_are_visible_and_widened_columns_read(project: Project) -> None:
    write_day(project.lake, "2024-01-04", [100], qty_type=pa.int64())  # not crawled yet
    assert run_query(project, "SELECT count(*) FROM sales.orders", local=True).rows == [(6,)]
    crawl(project.lake, crawler_settings(project.spec("orders")))  # registers it, qty int -> bigint
    r = run_query(project, "SELECT sum(qty), min(typeof(qty)), count(*) FROM sales.orders", local=True)
    assert r.rows == [(7, "BIGINT", 7)]


def test_errors_are_one_line(project: Project) -> None:
    with pytest.raises(QueryError, match="does not parse"):
        run_query(project, "SELEC * FROM sales.orders", local=True)
    with pytest.raises(QueryError, match=r"sales.nope is not in the local catalog at .*; known: sales.orders"):
        run_query(project, "SELECT * FROM sales.nope", local=True)
    with pytest.raises(QueryError, match="write it as database.table"):
        run_query(project, "SELECT * FROM orders", local=True)
    with pytest.raises(QueryError) as info:
        run_query(project, "SELECT no_such_column FROM sales.orders", local=True)
    assert "\n" not in str(info.value) and "no_such_column" in str(info.value)


def test_cli(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(project.root)
    with pytest.raises(SystemExit) as done:
        main(["--project", root, "query", "SELECT order_date, count(*) FROM sales.orders GROUP BY 1 ORDER BY 1",
              "--local", "--format", "json"])
    assert done.value.code == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0] == {"order_date": "2024-01-01", "_col1": 1}  # Athena's name for an unnamed column
    with pytest.raises(SystemExit) as done:
        main(["--project", root, "query", "SELECT order_id FROM sales.orders WHERE order_id = 0", "--local",
              "--format", "csv"])
    assert capsys.readouterr().out.strip().splitlines() == ["order_id", "0"]
    with pytest.raises(SystemExit) as done:
        main(["--project", root, "query", "SELECT FROM WHERE", "--local"])
    err = capsys.readouterr().err
    assert done.value.code == 1 and err.startswith("error: ") and "Traceback" not in err


def test_empty_partitioned_table_has_columns(tmp_path: Path, project: Project) -> None:
    from crawlers.local_catalog import LocalCatalog

    cat = LocalCatalog(project.lake)
    cat.delete_partitions("sales", "orders", [[d] for d in ["2024-01-01", "2024-01-02", "2024-01-03"]])
    r = run_query(project, "SELECT * FROM sales.orders", local=True)
    assert r.rows == [] and r.columns[:2] == ["order_id", "qty"] and "order_date" in r.columns
