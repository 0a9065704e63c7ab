"""The crawler SDK integration over the real local crawler service."""

from __future__ import annotations

import json

from crawlers.service import LocalCrawlerService
from orchestration.config import Project
from orchestration.local import execute
from orchestration.local.services import CrawlerService
from tests.runtime.conftest import ROOT


def _start(name: str) -> dict:
    return {"StartAt": "Start", "States": {
        "Start": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:glue:startCrawler",
                  "Parameters": {"Name": name}, "ResultPath": None, "Next": "Get",
                  "Catch": [{"ErrorEquals": ["Glue.CrawlerRunningException"], "ResultPath": "$.busy", "Next": "Busy"}]},
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:glue:getCrawler",
                "Parameters": {"Name": name}, "ResultSelector": {"state.$": "$.Crawler.State"}, "End": True},
        "Busy": {"Type": "Pass", "End": True}}}


def test_starting_a_running_crawler_fails_with_glue_crawler_running_exception(make_resolver, lake):
    backend = LocalCrawlerService(lake)
    name = backend.ensure_crawler(Project.load(ROOT).spec("orders"))
    resolver = make_resolver({}, crawlers=CrawlerService(backend))

    first = execute(_start(name), {}, resolver=resolver)
    assert first.status == "SUCCEEDED", first.cause
    assert first.output == {"state": "RUNNING"}

    second = execute(_start(name), {}, resolver=resolver)
    assert second.status == "SUCCEEDED"
    assert second.output["busy"]["Error"] == "Glue.CrawlerRunningException"
    assert "(Service: Glue, Status Code: 400, Error Code: CrawlerRunningException" in second.output["busy"]["Cause"]


def test_unknown_crawler_is_entity_not_found(make_resolver, lake):
    resolver = make_resolver({}, crawlers=CrawlerService(LocalCrawlerService(lake)))
    result = execute(_start("lockgate-nope"), {}, resolver=resolver)
    assert result.status == "FAILED"
    assert result.error == "Glue.EntityNotFoundException"
    assert json.dumps(result.cause).count("lockgate-nope") >= 1
