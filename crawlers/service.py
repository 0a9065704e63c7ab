"""``LocalCrawlerService``: Glue's crawler API (create/start/get) for the local runtime, in virtual time.

Crawler definitions are ``crawler_settings(spec)`` dicts stored at ``<lake>/_catalog/_crawlers/<name>.json``
(``create_crawler(settings)`` / ``ensure_crawler(spec)``); the state of each crawler lives next to it in
``<name>.state.json`` so every service instance over the same lake sees the same crawler.

- ``start_crawler(name)``: READY -> RUNNING; ``CrawlerRunningError`` (map to
  ``Glue.CrawlerRunningException``) when a crawl is under way; ``CrawlerNotFoundError``
  (``Glue.EntityNotFoundException``) for an unknown name.
- ``get_crawler(name)``: a GetCrawler-shaped response ``{"Crawler": {"Name", "State", "LastCrawl": {"Status",
  "ErrorMessage", "StartTime", ...}, ...}}``. A started crawl stays RUNNING for ``running_polls`` calls
  (or, with a ``clock`` exposing ``now()``, until ``crawl_seconds`` of its time have passed), then
  reports STOPPING once, then READY with LastCrawl SUCCEEDED or FAILED. The crawl itself happens when
  the RUNNING phase ends, so it sees the data published until then.
- ``stop_crawler(name)``: RUNNING -> STOPPING, then READY with LastCrawl CANCELLED.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from orchestration.core.errors import CrawlerError

from .local import crawl
from .local_catalog import CATALOG_DIR, LocalCatalog, read_json, write_json
from .settings import crawler_settings

if TYPE_CHECKING:
    from orchestration.core.spec import Spec

__all__ = ["LocalCrawlerService", "CrawlerRunningError", "CrawlerNotFoundError", "CrawlerNotRunningError"]


_STOPPING_SECONDS = 5.0


class _Clock(Protocol):
    def now(self) -> datetime: ...


class CrawlerRunningError(CrawlerError):
    """StartCrawler while a crawl is running (Glue: CrawlerRunningException); retry after a wait."""

    retryable = True
    glue_error: ClassVar[str] = "CrawlerRunningException"


class CrawlerNotFoundError(CrawlerError):
    """No crawler of that name (Glue: EntityNotFoundException)."""

    glue_error: ClassVar[str] = "EntityNotFoundException"


class CrawlerNotRunningError(CrawlerError):
    """StopCrawler while nothing runs (Glue: CrawlerNotRunningException)."""

    glue_error: ClassVar[str] = "CrawlerNotRunningException"


class LocalCrawlerService:
    """Glue crawler calls over the local lake; see the module docstring."""

    def __init__(self, lake: str | os.PathLike[str], *, clock: _Clock | None = None, running_polls: int = 2,
                 crawl_seconds: float = 60.0) -> None:
        self.lake = Path(lake)
        self.dir = self.lake / CATALOG_DIR / "_crawlers"
        self.clock = clock
        self.running_polls = running_polls
        self.crawl_seconds = crawl_seconds
        self.catalog = LocalCatalog(self.lake)

    def _now(self) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.now(UTC)

    # -- definitions ---------------------------------------------------------------------------------
    def create_crawler(self, settings: dict[str, Any]) -> None:
        """Store (or replace) a crawler definition rendered by ``crawler_settings``."""
        write_json(self.dir / f"{settings['name']}.json", settings)

    def ensure_crawler(self, spec: Spec, *, prefix: str = "lockgate") -> str:
        """Store the crawler for ``spec``; returns its name."""
        settings = crawler_settings(spec, prefix=prefix)
        self.create_crawler(settings)
        return str(settings["name"])

    def definition(self, name: str) -> dict[str, Any]:
        path = self.dir / f"{name}.json"
        if not path.is_file():
            raise CrawlerNotFoundError(
                f"no local crawler named {name!r}; register it with "
                "LocalCrawlerService(lake).ensure_crawler(spec) (lockgate run --local does this)",
                where=str(path))
        return dict(read_json(path))

    def _state(self, name: str) -> dict[str, Any]:
        path = self.dir / f"{name}.state.json"
        return dict(read_json(path)) if path.is_file() else {"State": "READY", "CrawlCount": 0}

    def _save(self, name: str, state: dict[str, Any]) -> None:
        write_json(self.dir / f"{name}.state.json", state)

    # -- API ------------------------------------------------------------------------------------------
    def start_crawler(self, name: str) -> dict[str, Any]:
        self.definition(name)
        state = self._advance(name, self._state(name), poll=False)
        if state["State"] != "READY":
            raise CrawlerRunningError(f"crawler {name} is {state['State'].lower()}; wait for it to finish",
                                      where=f"crawler {name}")
        state.update(State="RUNNING", StartTime=self._now().isoformat(), Polls=0, Cancelled=False)
        self._save(name, state)
        return {}

    def stop_crawler(self, name: str) -> dict[str, Any]:
        self.definition(name)
        state = self._advance(name, self._state(name), poll=False)
        if state["State"] != "RUNNING":
            raise CrawlerNotRunningError(f"crawler {name} is not running", where=f"crawler {name}")
        state.update(State="STOPPING", Cancelled=True)
        self._save(name, state)
        return {}

    def get_crawler(self, name: str) -> dict[str, Any]:
        settings = self.definition(name)
        state = self._advance(name, self._state(name), poll=True)
        return {"Crawler": self._shape(settings, state)}

    # -- lifecycle ------------------------------------------------------------------------------------
    def _phase(self, state: dict[str, Any]) -> str:
        """RUNNING, STOPPING or READY for a started crawl, from virtual time or the number of polls."""
        if self.clock is not None:
            elapsed = (self._now() - datetime.fromisoformat(state["StartTime"])).total_seconds()
            return "RUNNING" if elapsed < self.crawl_seconds else (
                "STOPPING" if elapsed < self.crawl_seconds + _STOPPING_SECONDS else "READY")
        polls = int(state.get("Polls", 0))
        return "RUNNING" if polls <= self.running_polls else (
            "STOPPING" if polls == self.running_polls + 1 else "READY")

    def _advance(self, name: str, state: dict[str, Any], *, poll: bool) -> dict[str, Any]:
        if state["State"] == "READY":
            return state
        if poll:
            state["Polls"] = int(state.get("Polls", 0)) + 1
        if state.get("Cancelled"):
            phase = "READY" if poll or self.clock is not None else "STOPPING"
            if phase == "READY":
                state["LastCrawl"] = {"Status": "CANCELLED", "StartTime": state["StartTime"]}
        else:
            phase = self._phase(state)
            if phase != "RUNNING" and not state.get("Crawled"):
                state.update(self._finish(name, state), Crawled=True)
        state["State"] = phase
        if phase == "READY":
            state["CrawlCount"] = int(state.get("CrawlCount", 0)) + 1
            for key in ("Polls", "Cancelled", "Crawled"):
                state.pop(key, None)
        self._save(name, state)
        return state

    def _finish(self, name: str, state: dict[str, Any]) -> dict[str, Any]:
        settings = self.definition(name)
        message: str | None = None
        detail: dict[str, Any] | None = None
        try:
            summary = crawl(self.lake, settings, catalog=self.catalog)
        except Exception as e:  # a crawl failure is the crawler's LastCrawl, never an API error
            status, message, detail = "FAILED", f"{type(e).__name__}: {e}", None
        else:
            status, message, detail = "SUCCEEDED", None, summary.to_dict()
        return {"LastCrawl": {"Status": status, "ErrorMessage": message, "StartTime": state["StartTime"],
                              "Summary": detail, "LogGroup": "/aws-glue/crawlers", "LogStream": name}}

    def _shape(self, settings: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        crawler: dict[str, Any] = {
            "Name": settings["name"],
            "DatabaseName": settings["database"],
            "TablePrefix": settings.get("table_prefix", ""),
            "Targets": {"S3Targets": [{"Path": settings["s3_target"]["path"],
                                       "Exclusions": settings["s3_target"]["exclusions"]}]},
            "SchemaChangePolicy": {"UpdateBehavior": settings["schema_change_policy"]["update_behavior"],
                                   "DeleteBehavior": settings["schema_change_policy"]["delete_behavior"]},
            "RecrawlPolicy": {"RecrawlBehavior": settings["recrawl_policy"]["recrawl_behavior"]},
            "Configuration": settings["configuration"],
            "State": state["State"],
            "Version": 1,
        }
        if state["State"] == "RUNNING":
            started = datetime.fromisoformat(state["StartTime"])
            crawler["CrawlElapsedTime"] = int((self._now() - started).total_seconds() * 1000)
        if "LastCrawl" in state:
            last = {k: v for k, v in state["LastCrawl"].items() if v is not None}
            crawler["LastCrawl"] = last
        return crawler
