"""The events Step Functions sends to the download functions (docs/contracts.md)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DownloadItemEvent", "DownloadFinishEvent"]


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DownloadItemEvent(_Event):
    """One entry of the run's downloads.json (``$$.Map.Item.Value``)."""

    spec_uri: str
    items_uri: str
    item: dict[str, Any]


class DownloadFinishEvent(_Event):
    spec_uri: str
    items_uri: str = Field(min_length=1)
