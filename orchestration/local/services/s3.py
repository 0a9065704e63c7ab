"""S3 through the local lake: what a Distributed Map's ItemReader and ResultWriter call
(``s3:getObject``, ``s3:listObjectsV2``, ``s3:putObject``). ``s3://BUCKET/KEY`` is ``<lake>/BUCKET/KEY``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from orchestration.core.storage import LocalLake, ObjectNotFoundError

from ..errors import TaskFailure

__all__ = ["S3Service"]


def _required(parameters: Mapping[str, Any], key: str, action: str) -> str:
    value = parameters.get(key)
    if not isinstance(value, str) or not value:
        raise TaskFailure("States.Runtime", f"s3:{action} needs a {key} string parameter, got {value!r}")
    return value


class S3Service:
    def __init__(self, lake: LocalLake) -> None:
        self.lake = lake

    def get_object(self, parameters: Mapping[str, Any]) -> str:
        """The object body as text (what the ItemReader parses)."""
        bucket, key = _required(parameters, "Bucket", "getObject"), _required(parameters, "Key", "getObject")
        try:
            return self.lake.read_bytes(f"s3://{bucket}/{key}").decode("utf-8")
        except ObjectNotFoundError:
            raise TaskFailure("S3.NoSuchKeyException", f"The specified key does not exist. (Service: S3, Status Code: 404, "
                              f"Error Code: NoSuchKey) s3://{bucket}/{key}") from None

    def put_object(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        bucket, key = _required(parameters, "Bucket", "putObject"), _required(parameters, "Key", "putObject")
        body = parameters.get("Body", "")
        data = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        self.lake.write_bytes(f"s3://{bucket}/{key}", data)
        return {"ETag": f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'}

    def list_objects_v2(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        bucket = _required(parameters, "Bucket", "listObjectsV2")
        prefix = str(parameters.get("Prefix", ""))
        objects = self.lake.list(f"s3://{bucket}/{prefix}")
        contents = [{"Key": o.uri.removeprefix(f"s3://{bucket}/"), "Size": o.size, "StorageClass": "STANDARD"}
                    for o in objects]
        return {"Name": bucket, "Prefix": prefix, "KeyCount": len(contents), "IsTruncated": False, "Contents": contents}
