"""Queries on AWS: Athena through awswrangler, with the workgroup and result location of
``lockgate.yaml`` (``aws.athena``). awswrangler (and pandas) are imported only when a query runs.

Before anything is sent, the SQL passes the same client-side check as a local query
(``orchestration.query.guard``: one read-only statement, no table functions) and always runs in the
configured workgroup (``WR_WORKGROUP`` and other ambient defaults are never used). The check is a
courtesy, not the boundary: on AWS the boundary is the workgroup's enforced settings and the caller's
IAM policy (docs/security.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .guard import read_only_statement
from .result import QueryError, QueryResult

if TYPE_CHECKING:
    from ..config import Project

__all__ = ["athena_query", "athena_arguments"]


def athena_arguments(project: Project) -> dict[str, Any]:
    """Keyword arguments for ``wr.athena.read_sql_query`` from the project's configuration."""
    athena = project.config.aws.athena
    if not athena.workgroup:
        raise QueryError("aws.athena.workgroup in lockgate.yaml is empty; name the workgroup queries run in")
    args: dict[str, Any] = {"database": "default", "workgroup": athena.workgroup,
                            "ctas_approach": False}
    if athena.output:
        args["s3_output"] = athena.output
    return args


def _configure_endpoints(wr: Any) -> None:
    from orchestration.core import aws

    for service, attr in (("athena", "athena_endpoint_url"), ("s3", "s3_endpoint_url"),
                          ("glue", "glue_endpoint_url"), ("sts", "sts_endpoint_url")):
        url = aws.endpoint_url(service)
        if url:
            setattr(wr.config, attr, url)
        else:  # back to WR_* environment variables or the AWS default
            wr.config.reset(attr)


def athena_query(project: Project, sql: str) -> QueryResult:
    """Run ``sql`` in Athena; errors (syntax, permissions, a failed query) become one-line QueryErrors."""
    read_only_statement(sql)
    import awswrangler as wr
    from botocore.exceptions import BotoCoreError, ClientError

    from orchestration.core import aws

    _configure_endpoints(wr)
    try:
        df = wr.athena.read_sql_query(sql, boto3_session=aws.session(project.config.aws.region),
                                      **athena_arguments(project))
    except wr.exceptions.QueryFailed as e:
        raise QueryError(f"Athena query failed: {str(e).strip().splitlines()[0]}") from None
    except (ClientError, BotoCoreError, wr.exceptions.InvalidArgumentValue) as e:
        raise QueryError(f"Athena: {str(e).strip().splitlines()[0]}") from None
    rows = [tuple(_plain(v) for v in row) for row in df.itertuples(index=False, name=None)]
    return QueryResult(columns=[str(c) for c in df.columns], rows=rows, engine="athena", executed_sql=sql)


def _plain(value: Any) -> Any:
    """pandas/numpy scalars as plain Python values; NA as None."""
    import pandas as pd

    if not isinstance(value, list | tuple | dict) and bool(pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str | bytes) else value
