"""Glue crawlers through the AWS SDK integration (``aws-sdk:glue:startCrawler`` / ``getCrawler``),
backed by the local crawler service (``crawlers.local``).

Errors are named the way the SDK integration names them, ``Glue.<ExceptionName>`` (the ``Exception``
suffix is always present), with the AWS SDK's cause format, e.g. ``Glue.CrawlerRunningException`` with
``Crawler with name X has already started (Service: Glue, Status Code: 400, Error Code:
CrawlerRunningException, Request ID: ...)``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import TaskFailure

__all__ = ["CrawlerBackend", "CrawlerService", "sdk_error_name"]


class CrawlerBackend(Protocol):
    def start_crawler(self, name: str) -> Any: ...

    def get_crawler(self, name: str) -> Any: ...


def sdk_error_name(exc: BaseException) -> str:
    """The AWS exception name an error stands for: its ``glue_error``/``error_code`` or its class name,
    always with the ``Exception`` suffix (``CrawlerRunningError`` -> ``CrawlerRunningException``)."""
    code = getattr(exc, "glue_error", None) or getattr(exc, "error_code", None)
    name = code if isinstance(code, str) and code else type(exc).__name__
    if name.endswith("Error"):
        name = name[: -len("Error")]
    return name if name.endswith("Exception") else name + "Exception"


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if hasattr(v, "isoformat") else str(v)))


class CrawlerService:
    def __init__(self, backend: CrawlerBackend) -> None:
        self.backend = backend

    def _call(self, action: str, parameters: Mapping[str, Any]) -> Any:
        name = parameters.get("Name")
        if not isinstance(name, str) or not name:
            raise TaskFailure("Glue.InvalidInputException", f"{action} needs a Name (Service: Glue, Status Code: 400, "
                              f"Error Code: InvalidInputException, Request ID: {uuid.uuid4()})")
        try:
            return getattr(self.backend, action)(name)
        except TaskFailure:
            raise
        except Exception as exc:  # noqa: BLE001 - every backend error becomes an SDK-integration error
            code = sdk_error_name(exc)
            raise TaskFailure(f"Glue.{code}", f"{exc} (Service: Glue, Status Code: 400, Error Code: {code}, "
                              f"Request ID: {uuid.uuid4()})") from exc

    def start_crawler(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        self._call("start_crawler", parameters)
        return {}

    def get_crawler(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        result = _json(self._call("get_crawler", parameters))
        return result if isinstance(result, dict) and "Crawler" in result else {"Crawler": result}
