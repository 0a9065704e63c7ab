"""The local crawler service: Glue's crawler states in virtual time, failures as LastCrawl."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawlers.local_catalog import LocalCatalog
from crawlers.service import CrawlerNotFoundError, CrawlerRunningError, LocalCrawlerService

from .conftest import make_spec, orders, write


class Clock:
    def __init__(self) -> None:
        self.t = datetime(2024, 1, 1, tzinfo=UTC)

    def now(self) -> datetime:
        return self.t


def test_poll_loop_sees_running_then_stopping_then_ready(lake: Path) -> None:
    service = LocalCrawlerService(lake, running_polls=2)
    name = service.ensure_crawler(make_spec())
    assert name == "lockgate-orders"
    assert service.get_crawler(name)["Crawler"]["State"] == "READY"
    service.start_crawler(name)
    write(lake, "order_date=2024-01-01/a.parquet", orders([1, 2]))  # published while the crawl runs
    with pytest.raises(CrawlerRunningError) as info:
        service.start_crawler(name)
    assert info.value.glue_error == "CrawlerRunningException" and info.value.retryable
    states = [service.get_crawler(name)["Crawler"]["State"] for _ in range(4)]
    assert states == ["RUNNING", "RUNNING", "STOPPING", "READY"]
    last = service.get_crawler(name)["Crawler"]["LastCrawl"]
    assert last["Status"] == "SUCCEEDED" and last["Summary"]["partitions_added"] == ["order_date=2024-01-01"]
    assert LocalCatalog(lake).get_table("sales", "orders") is not None
    service.start_crawler(name)  # READY again: a new crawl may start


def test_virtual_clock_drives_the_crawl(lake: Path) -> None:
    clock = Clock()
    service = LocalCrawlerService(lake, clock=clock, crawl_seconds=60)
    name = service.ensure_crawler(make_spec())
    write(lake, "order_date=2024-01-01/a.parquet", orders([1]))
    service.start_crawler(name)
    assert service.get_crawler(name)["Crawler"]["State"] == "RUNNING"
    clock.t += timedelta(seconds=61)
    assert service.get_crawler(name)["Crawler"]["State"] == "STOPPING"
    clock.t += timedelta(seconds=10)
    response = service.get_crawler(name)
    assert response["Crawler"]["State"] == "READY"
    assert response["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"


def test_failed_crawl_surfaces_the_crawlers_message(lake: Path) -> None:
    service = LocalCrawlerService(lake, running_polls=0)
    name = service.ensure_crawler(make_spec())
    write(lake, "order_date=2024-01-01/a.parquet", orders([1]))
    (lake / "_catalog/sales/orders/versions").mkdir(parents=True)
    (lake / "_catalog/sales/orders/versions/00000001.json").write_text("{not json")  # broken catalog
    service.start_crawler(name)
    while (response := service.get_crawler(name))["Crawler"]["State"] != "READY":
        pass
    assert response["Crawler"]["LastCrawl"]["Status"] == "FAILED"
    assert "JSONDecodeError" in response["Crawler"]["LastCrawl"]["ErrorMessage"]


def test_stop_cancels_and_unknown_crawler_is_named(lake: Path) -> None:
    service = LocalCrawlerService(lake)
    name = service.ensure_crawler(make_spec())
    service.start_crawler(name)
    service.stop_crawler(name)
    response = service.get_crawler(name)
    assert response["Crawler"]["LastCrawl"]["Status"] == "CANCELLED"
    with pytest.raises(CrawlerNotFoundError, match="lockgate-nope"):
        service.start_crawler("lockgate-nope")

