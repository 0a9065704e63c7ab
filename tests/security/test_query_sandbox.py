"""`lockgate query`: one read-only statement over catalog tables; nothing else is reachable.

Every escape is tried through ``run_query`` (the CLI's path); the DuckDB wall is also tried on its own,
as if the statement check were gone, so each wall is known to hold by itself.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from crawlers.local_catalog import LocalCatalog
from orchestration.config import Project
from orchestration.query import QueryError, run_query
from orchestration.query.guard import MAX_SQL_BYTES
from orchestration.query.sandbox import check_statement, sandboxed


def _published(project: Project) -> Path:
    return project.lake / "lake/sales/orders/order_date=2024-01-03/part-0.parquet"


def _count(project: Project) -> int:
    return int(run_query(project, "SELECT count(*) FROM sales.orders", local=True).rows[0][0])


ESCAPES = {
    "read_text": "SELECT * FROM read_text('/etc/passwd')",
    "read_text in a schema": "SELECT * FROM sales.read_text('/etc/passwd')",
    "read_text scalar subquery": "SELECT (SELECT content FROM read_text('/etc/passwd')) AS x",
    "read_csv": "SELECT * FROM read_csv('/etc/passwd', sep = ':')",
    "read_blob": "SELECT * FROM read_blob('/etc/hostname')",
    "sniff_csv": "SELECT * FROM sniff_csv('/etc/passwd')",
    "glob": "SELECT * FROM glob('/etc/*')",
    "file as a table": "SELECT * FROM '/etc/passwd'",
    "quoted file as a table": 'SELECT * FROM "/etc/passwd"',
    "parquet file by path": "SELECT * FROM read_parquet('{published}')",
    "parquet metadata": "SELECT * FROM parquet_metadata('{published}')",
    "https url": "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    "https url as a table": "SELECT * FROM 'https://example.com/x.csv'",
    "s3 url": "SELECT * FROM read_parquet('s3://lake/sales/orders/x.parquet')",
    "query()": "SELECT * FROM query('SELECT 1')",
    "query_table()": "SELECT * FROM query_table('sales.orders')",
    "TABLE()": "SELECT * FROM TABLE(query('SELECT 1'))",
    "settings": "SELECT * FROM duckdb_settings()",
    "current_setting": "SELECT current_setting('allowed_paths')",
    "getenv": "SELECT getenv('HOME')",
    "secrets": "SELECT * FROM duckdb_secrets()",
    "copy to a published file": "COPY sales.orders TO '{published}' (FORMAT parquet)",
    "copy without temp file": "COPY (SELECT 1 AS order_id) TO '{published}' (FORMAT parquet, USE_TMP_FILE false)",
    "copy from": "COPY sales.orders FROM '/etc/passwd'",
    "select into": "SELECT * INTO stolen FROM sales.orders",
    "insert": "INSERT INTO sales.orders SELECT * FROM sales.orders",
    "create table as": "CREATE TABLE x AS SELECT * FROM sales.orders",
    "drop": "DROP VIEW sales.orders",
    "delete": "DELETE FROM sales.orders",
    "call": "CALL pragma_version()",
    "pragma": "PRAGMA enable_profiling",
    "set": "SET enable_external_access = true",
    "reset": "RESET enable_external_access",
    "attach": "ATTACH '/tmp/other.duckdb' AS other",
    "detach": "DETACH memory",
    "export": "EXPORT DATABASE '/tmp/exported'",
    "import": "IMPORT DATABASE '/tmp/exported'",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "use": "USE sales",
    "explain": "EXPLAIN SELECT 1",
    "two statements": "SELECT 1; SELECT 2",
    "statement after a select": "SELECT count(*) FROM sales.orders; COPY sales.orders TO '{published}'",
    "line comment then statement": "SELECT 1 -- harmless\n; COPY sales.orders TO '{published}'",
    "block comment then statement": "SELECT 1 /* ; */ ; DROP VIEW sales.orders",
    "path in a catalog name": 'SELECT * FROM "../../etc".passwd',
    "other catalog": "SELECT * FROM system.runtime.nodes",
    "too long": "SELECT 1" + " " * MAX_SQL_BYTES,
    "cte name outside its scope": "SELECT * FROM (WITH pragma_database_list AS (SELECT 1) SELECT * FROM "
                                  "pragma_database_list) t, pragma_database_list",
    "duckdb view by bare name": "SELECT * FROM sqlite_master",
    "describe of a table function": "DESCRIBE SELECT * FROM read_text('/etc/passwd')",
    "table function as a scalar": "SELECT read_text('/etc/passwd')",
    "lateral table function": "SELECT * FROM sales.orders o JOIN LATERAL read_text('/etc/passwd') t ON true",
    "table function in a subquery": "SELECT * FROM sales.orders WHERE order_id IN (SELECT 1 FROM read_csv('/etc/passwd'))",
    "table function after union": "SELECT 1 UNION ALL SELECT 1 FROM read_text('/etc/passwd')",
    "from-first": "FROM read_text('/etc/passwd')",
    "prepare": "PREPARE p AS COPY sales.orders TO '{published}'",
    "execute": "EXECUTE p",
    "checkpoint": "CHECKPOINT",
    "create secret": "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')",
    "set variable": "SET VARIABLE x = 1",
    "begin": "BEGIN",
    "dollar quoting hides statements": "SELECT $$ ; COPY sales.orders TO '{published}' ; $$ AS x",
    "unicode escape hides a statement": "SELECT U&'\\0027' ; COPY sales.orders TO '{published}'",
}


@pytest.mark.parametrize("sql", ESCAPES.values(), ids=ESCAPES.keys())
def test_escape_is_refused_and_nothing_changes(project: Project, sql: str) -> None:
    published = _published(project)
    before = published.read_bytes()
    with pytest.raises(QueryError) as info:
        run_query(project, sql.format(published=published), local=True)
    message = str(info.value)
    assert "\n" not in message and "root:" not in message and len(message) < 600
    assert published.read_bytes() == before and _count(project) == 6


def test_a_comment_cannot_end_early_and_run_a_second_statement(project: Project) -> None:
    """sqlglot renders ``-- a */ X`` as ``/* a */ X */``: comments are dropped before DuckDB sees the SQL."""
    published = _published(project)
    before = published.read_bytes()
    sql = f"SELECT count(*) AS n FROM sales.orders -- */ COPY sales.orders TO '{published}' /*"
    result = run_query(project, sql, local=True)
    assert result.rows == [(6,)] and "COPY" not in result.executed_sql
    assert published.read_bytes() == before


def test_read_only_statements_still_work(project: Project) -> None:
    assert run_query(project, "VALUES (1), (2)", local=True).rows == [(1,), (2,)]
    assert run_query(project, "WITH d AS (SELECT order_date FROM sales.orders) SELECT count(*) FROM d",
                     local=True).rows == [(6,)]
    described = run_query(project, "DESCRIBE sales.orders", local=True)
    assert [r[0] for r in described.rows] == ["order_id", "qty", "ordered_at", "order_date"]
    assert run_query(project, "SHOW TABLES IN sales", local=True).rows == [("orders",)]
    assert run_query(project, "SHOW DATABASES", local=True).rows == [("sales",)]
    assert run_query(project, "SHOW COLUMNS IN sales.orders", local=True).rows[-1] == ("order_date",)
    assert len(run_query(project, "SHOW PARTITIONS sales.orders", local=True).rows) == 3
    with pytest.raises(QueryError, match="not supported locally"):
        run_query(project, "SHOW CREATE TABLE sales.orders", local=True)


def test_the_duckdb_wall_holds_without_the_statement_check(project: Project, tmp_path: Path) -> None:
    """As if the guard were gone: the sandboxed connection reads its allowed files and nothing else."""
    published = str(_published(project))
    other = project.lake / "lake/sales/orders/order_date=2024-01-01/part-0.parquet"
    con = sandboxed([published])
    assert con.execute(f"SELECT count(*) FROM read_parquet('{published}')").fetchone() == (3,)
    refused = ["SELECT * FROM read_text('/etc/passwd')", f"SELECT * FROM read_parquet('{other}')",
               f"COPY (SELECT 1) TO '{tmp_path / 'x.parquet'}'", f"ATTACH '{tmp_path / 'x.duckdb'}'",
               f"EXPORT DATABASE '{tmp_path / 'export'}'", "INSTALL httpfs", "LOAD httpfs",
               "SELECT * FROM read_csv('https://example.com/x.csv')", "SET enable_external_access = true",
               "RESET lock_configuration", "SET allowed_directories = ['/']", "PRAGMA enable_profiling"]
    for sql in refused:
        with pytest.raises((duckdb.PermissionException, duckdb.InvalidInputException)):
            con.execute(sql)
    assert not (tmp_path / "x.parquet").exists() and not (tmp_path / "export").exists()
    for sql in ("SELECT 1; SELECT 2", f"COPY (SELECT 1) TO '{published}' (USE_TMP_FILE false)", "ATTACH 'x'"):
        with pytest.raises(QueryError):
            check_statement(con, sql)


@pytest.mark.parametrize("body", ["COPY sales.orders TO '{published}'", "SELECT * FROM read_text('/etc/passwd')"])
def test_a_catalog_view_cannot_smuggle_a_statement(project: Project, body: str) -> None:
    published = _published(project)
    original = base64.b64encode(json.dumps({"originalSql": body.format(published=published)}).encode()).decode()
    LocalCatalog(project.lake).create_table("sales", {
        "Name": "evil", "TableType": "VIRTUAL_VIEW", "ViewOriginalText": f"/* Presto View: {original} */",
        "StorageDescriptor": {"Columns": []}})
    with pytest.raises(QueryError, match="not allowed"):
        run_query(project, "SELECT * FROM sales.evil", local=True)
    assert pq.read_table(published).num_rows == 3


def test_a_symlink_out_of_the_lake_is_refused(project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "outside.parquet"
    outside.write_bytes(_published(project).read_bytes())
    link = project.lake / "lake/sales/orders/order_date=2024-01-02/part-9.parquet"
    os.symlink(outside, link)
    with pytest.raises(QueryError, match="symbolic link leading out of the lake"):
        run_query(project, "SELECT count(*) FROM sales.orders", local=True)


ATHENA_REFUSED = ["SELECT 1; SELECT 2", "DROP TABLE sales.orders", "INSERT INTO sales.orders VALUES (1)",
                  "CREATE TABLE x AS SELECT 1", "UNLOAD (SELECT 1) TO 's3://x/' WITH (format = 'PARQUET')",
                  "SELECT * FROM TABLE(system.query(query => 'SELECT 1'))", "SELECT 1 -- x\n; DROP TABLE t"]


@pytest.mark.parametrize("sql", ATHENA_REFUSED)
def test_athena_path_checks_before_sending(tmp_path: Path, sql: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Refused client-side: no endpoint is even reachable here, so any call to AWS would fail differently."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    (tmp_path / "lockgate.yaml").write_text("aws: {athena: {workgroup: analysts}}\n")
    with pytest.raises(QueryError) as info:
        run_query(Project.load(tmp_path), sql, local=False)
    assert "Athena" not in str(info.value)


def test_athena_always_uses_the_configured_workgroup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.query.athena import athena_arguments

    monkeypatch.setenv("WR_WORKGROUP", "admin")
    (tmp_path / "lockgate.yaml").write_text("aws: {athena: {workgroup: analysts}}\n")
    assert athena_arguments(Project.load(tmp_path))["workgroup"] == "analysts"
    (tmp_path / "lockgate.yaml").write_text("aws: {athena: {workgroup: ''}}\n")
    with pytest.raises(QueryError, match="workgroup"):
        athena_arguments(Project.load(tmp_path))


def test_the_cli_refuses_with_one_error_line(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    from orchestration.cli import main

    published = _published(project)
    before = published.read_bytes()
    for sql in ("SELECT * FROM read_text('/etc/passwd')", f"COPY sales.orders TO '{published}' (FORMAT parquet)"):
        with pytest.raises(SystemExit) as done:
            main(["--project", str(project.root), "query", sql, "--local"])
        err = capsys.readouterr().err.strip()
        assert done.value.code == 1 and err.startswith("error: ") and "root:" not in err, err
    assert published.read_bytes() == before and _count(project) == 6
