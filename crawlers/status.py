"""Turning a GetCrawler response into Lockgate's view of the crawl: finished or not, and the
crawler's own failure message as a ``CrawlerError``.

``crawler_error(response)`` returns a ``CrawlerError`` when the last crawl FAILED or was CANCELLED
(None otherwise); ``raise_for_crawler(response)`` raises it; ``crawl_finished(response)`` is True
once the crawler is READY again. Accepts the full GetCrawler response or its ``Crawler`` member, from
boto3 (datetimes) or the local service (ISO strings).
"""

from __future__ import annotations

from typing import Any

from orchestration.core.errors import CrawlerError

__all__ = ["crawler_error", "raise_for_crawler", "crawl_finished", "last_crawl"]


def _crawler(response: dict[str, Any]) -> dict[str, Any]:
    return dict(response.get("Crawler", response))


def last_crawl(response: dict[str, Any]) -> dict[str, Any] | None:
    return _crawler(response).get("LastCrawl")


def crawl_finished(response: dict[str, Any]) -> bool:
    return _crawler(response).get("State") == "READY"


def crawler_error(response: dict[str, Any]) -> CrawlerError | None:
    """A CrawlerError carrying the crawler's own message when its last crawl did not succeed."""
    crawler = _crawler(response)
    name = crawler.get("Name", "?")
    last = crawler.get("LastCrawl") or {}
    status = last.get("Status")
    if status not in ("FAILED", "CANCELLED"):
        return None
    message = (last.get("ErrorMessage") or "").strip() or "no error message"
    started = last.get("StartTime")
    when = f" (crawl started {started.isoformat() if hasattr(started, 'isoformat') else started})" if started else ""
    logs = ""
    if last.get("LogGroup") and last.get("LogStream"):
        logs = f"; logs: CloudWatch {last['LogGroup']} / {last['LogStream']}"
    fix = ("start the crawler again once the cause is fixed" if status == "FAILED"
           else "the crawl was stopped; start it again")
    return CrawlerError(f"last crawl {status}{when}: {message}{logs}; {fix}", where=f"glue crawler {name}")


def raise_for_crawler(response: dict[str, Any]) -> None:
    error = crawler_error(response)
    if error is not None:
        raise error
