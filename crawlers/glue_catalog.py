"""``GlueCatalog``: the catalog port over the AWS Glue Data Catalog (boto3 from the client factory)."""

from __future__ import annotations

import contextlib
from typing import Any

from orchestration.core.errors import TransientError

from .catalog import Catalog, CatalogError

__all__ = ["GlueCatalog"]

_BATCH = 100  # BatchCreatePartition / BatchDeletePartition take at most 100 entries
_TRANSIENT = {"ThrottlingException", "InternalServiceException", "OperationTimeoutException",
              "ConcurrentModificationException", "ResourceNumberLimitExceededException"}


class GlueCatalog(Catalog):
    """The Glue Data Catalog. ``client`` defaults to ``orchestration.core.aws.client("glue")``."""

    def __init__(self, client: Any | None = None, *, catalog_id: str | None = None) -> None:
        self._client = client
        self._catalog_id = {"CatalogId": catalog_id} if catalog_id else {}

    @property
    def glue(self) -> Any:
        if self._client is None:
            from orchestration.core import aws

            self._client = aws.client("glue")
        return self._client

    def _call(self, op: str, where: str, **kwargs: Any) -> Any:
        from botocore.exceptions import ClientError

        try:
            return getattr(self.glue, op)(**self._catalog_id, **kwargs)
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            message = e.response.get("Error", {}).get("Message", str(e))
            cls = TransientError if code in _TRANSIENT else CatalogError
            raise cls(f"glue {op} failed: {code}: {message}", where=where) from None

    def ensure_database(self, database: str) -> None:
        try:
            self.glue.get_database(**self._catalog_id, Name=database)
        except self.glue.exceptions.EntityNotFoundException:
            with contextlib.suppress(self.glue.exceptions.AlreadyExistsException):
                self.glue.create_database(**self._catalog_id, DatabaseInput={"Name": database})

    def list_databases(self) -> list[str]:
        pages = self.glue.get_paginator("get_databases").paginate(**self._catalog_id)
        return sorted(d["Name"] for page in pages for d in page["DatabaseList"])

    def list_tables(self, database: str) -> list[str]:
        pages = self.glue.get_paginator("get_tables").paginate(**self._catalog_id, DatabaseName=database)
        return sorted(t["Name"] for page in pages for t in page["TableList"])

    def get_table(self, database: str, table: str) -> dict[str, Any] | None:
        try:
            return dict(self.glue.get_table(**self._catalog_id, DatabaseName=database, Name=table)["Table"])
        except self.glue.exceptions.EntityNotFoundException:
            return None

    def create_table(self, database: str, table_input: dict[str, Any]) -> None:
        self._call("create_table", f"glue table {database}.{table_input['Name']}",
                   DatabaseName=database, TableInput=table_input)

    def update_table(self, database: str, table_input: dict[str, Any]) -> str:
        where = f"glue table {database}.{table_input['Name']}"
        self._call("update_table", where, DatabaseName=database, TableInput=table_input)
        table = self.require_table(database, table_input["Name"])
        return str(table.get("VersionId", ""))

    def get_table_versions(self, database: str, table: str) -> list[dict[str, Any]]:
        pages = self.glue.get_paginator("get_table_versions").paginate(
            **self._catalog_id, DatabaseName=database, TableName=table)
        versions = [v for page in pages for v in page["TableVersions"]]
        return sorted(versions, key=lambda v: int(v["VersionId"]), reverse=True)

    def get_partitions(self, database: str, table: str) -> list[dict[str, Any]]:
        pages = self.glue.get_paginator("get_partitions").paginate(
            **self._catalog_id, DatabaseName=database, TableName=table)
        return [p for page in pages for p in page["Partitions"]]

    def _add_partition_inputs(self, database: str, table: str, inputs: list[dict[str, Any]]) -> int:
        added = 0
        for i in range(0, len(inputs), _BATCH):
            chunk = inputs[i:i + _BATCH]
            r = self._call("batch_create_partition", f"glue table {database}.{table}",
                           DatabaseName=database, TableName=table, PartitionInputList=chunk)
            errors = r.get("Errors", [])
            real = [e for e in errors if e["ErrorDetail"].get("ErrorCode") != "AlreadyExistsException"]
            if real:
                first = real[0]
                raise CatalogError(
                    f"registering partition {first.get('PartitionValues')} failed: "
                    f"{first['ErrorDetail'].get('ErrorCode')}: {first['ErrorDetail'].get('ErrorMessage')}; "
                    "run the table's crawler or MSCK REPAIR TABLE to register it",
                    where=f"glue table {database}.{table}")
            added += len(chunk) - len(errors)
        return added

    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None:
        for i in range(0, len(values), _BATCH):
            chunk = [{"Values": v} for v in values[i:i + _BATCH]]
            self._call("batch_delete_partition", f"glue table {database}.{table}",
                       DatabaseName=database, TableName=table, PartitionsToDelete=chunk)
