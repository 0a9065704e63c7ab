"""Queries on AWS: awswrangler against Athena (moto over HTTP), with lockgate.yaml's workgroup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests

from orchestration.config import Project
from orchestration.query import run_query
from orchestration.query.athena import athena_arguments

_COLUMNS = [{"Name": n, "Type": t, "CatalogName": "awsdatacatalog", "SchemaName": "", "TableName": "",
             "Label": n, "Precision": 0, "Scale": 0, "Nullable": "UNKNOWN", "CaseSensitive": False}
            for n, t in (("order_date", "date"), ("n", "bigint"))]


@pytest.fixture()
def project(tmp_path: Path) -> Project:
    (tmp_path / "lockgate.yaml").write_text(
        "aws: {region: eu-central-1, athena: {workgroup: analysts, output: 's3://results/lockgate/'}}\n")
    return Project.load(tmp_path)


def test_athena_arguments_come_from_lockgate_yaml(project: Project) -> None:
    assert athena_arguments(project) == {"database": "default", "workgroup": "analysts", "ctas_approach": False,
                                         "s3_output": "s3://results/lockgate/"}


def test_query_runs_in_the_configured_workgroup(aws: str, project: Project) -> None:
    from orchestration.core import aws as factory

    factory.clear_cache()
    factory.client("s3").create_bucket(Bucket="results",
                                       CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    factory.client("athena").create_work_group(Name="analysts")
    rows = [{"Data": [{"VarCharValue": "order_date"}, {"VarCharValue": "n"}]},
            {"Data": [{"VarCharValue": "2024-01-01"}, {"VarCharValue": "3"}]}]
    requests.post(f"{aws}/moto-api/static/athena/query-results", timeout=10,
                  json={"region": "eu-central-1", "results": [{"rows": rows, "column_info": _COLUMNS}]})
    result = run_query(project, "SELECT order_date, count(*) AS n FROM sales.orders GROUP BY 1", local=False)
    assert result.engine == "athena" and result.columns == ["order_date", "n"]
    assert result.rows == [(dt.date(2024, 1, 1), 3)] and type(result.rows[0][1]) is int
    athena = factory.client("athena")
    ids = athena.list_query_executions(WorkGroup="analysts")["QueryExecutionIds"]
    execution = athena.get_query_execution(QueryExecutionId=ids[0])["QueryExecution"]
    assert execution["Query"].startswith("SELECT order_date") and execution["WorkGroup"] == "analysts"
    assert execution["ResultConfiguration"]["OutputLocation"].startswith("s3://results/lockgate/")

