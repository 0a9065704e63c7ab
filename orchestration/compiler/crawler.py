"""Start the Glue crawler after commit and wait for it, failing the run when its crawl fails.

``Glue.CrawlerRunningException`` means another crawl is under way: wait, then start again, at most
``MAX_STARTS`` times. After a start, poll ``getCrawler`` until the crawler is READY again (at most
``MAX_POLLS`` polls); then ``LastCrawl.Status`` FAILED or CANCELLED fails the run with the crawler's
own message in the cause. The two counters ride in the payload (``$.crawl``).
"""

from __future__ import annotations

from typing import Any

from orchestration.core.spec.models import Spec

from ..machine_names import S, ph
from .retry import CRAWLER_RUNNING, catch_all, caught, caught_state, glue_api_retry

__all__ = ["crawler_states", "crawler_entry", "POLL_SECONDS", "MAX_POLLS", "BUSY_WAIT_SECONDS", "MAX_STARTS"]

Json = dict[str, Any]
POLL_SECONDS = 30
MAX_POLLS = 120
"""An hour of polling."""
BUSY_WAIT_SECONDS = 60
MAX_STARTS = 30
"""Half an hour of waiting for someone else's crawl."""


def crawler_entry(spec: Spec, after: str) -> str:
    """The state that follows Commit."""
    if spec.crawler.run == "never":
        return after
    return S.CRAWL_NEEDED if spec.crawler.run == "on_schema_change" else S.PREPARE_CRAWL


def _error(cause: Json, state: str, fail: str) -> Json:
    return {"Type": "Pass", "Parameters": {"Error": "Lockgate.CrawlerError", **cause}, "ResultPath": "$.error",
            "Next": caught(state)}


def _count(field: str, next_state: str) -> Json:
    """Add one to ``$.crawl.<field>`` (the counters ride in the payload: a few bytes)."""
    other = "polls" if field == "starts" else "starts"
    return {"Type": "Pass",
            "Parameters": {f"{field}.$": f"States.MathAdd($.crawl.{field}, 1)", f"{other}.$": f"$.crawl.{other}"},
            "ResultPath": "$.crawl", "Next": next_state}


def crawler_states(spec: Spec, fail: str, after: str) -> dict[str, Json]:
    """The crawler states; ``after`` is where a finished crawl (or no crawl) continues."""
    if spec.crawler.run == "never":
        return {}
    name = ph("crawler_name")
    states: dict[str, Json] = {}
    if spec.crawler.run == "on_schema_change":
        states[S.CRAWL_NEEDED] = {
            "Type": "Choice",
            "Choices": [{"Variable": "$.commit.crawl_needed", "BooleanEquals": True, "Next": S.PREPARE_CRAWL}],
            "Default": after,
        }
    states |= {
        S.PREPARE_CRAWL: {"Type": "Pass", "Result": {"starts": 1, "polls": 0}, "ResultPath": "$.crawl",
                          "Next": S.START_CRAWLER},
        S.START_CRAWLER: {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:glue:startCrawler",
            "Parameters": {"Name": name},
            "Retry": glue_api_retry(),
            "ResultPath": None,
            "Catch": [
                {"ErrorEquals": [CRAWLER_RUNNING], "ResultPath": None, "Next": S.CRAWLER_BUSY},
                catch_all(S.START_CRAWLER),
            ],
            "Next": S.WAIT_CRAWLER,
        },
        caught(S.START_CRAWLER): caught_state(S.START_CRAWLER, fail),
        S.CRAWLER_BUSY: {
            "Type": "Choice",
            "Choices": [{"Variable": "$.crawl.starts", "NumericGreaterThanEquals": MAX_STARTS,
                         "Next": S.CRAWLER_BUSY_TOO_LONG}],
            "Default": S.WAIT_BUSY,
        },
        S.WAIT_BUSY: {"Type": "Wait", "Seconds": BUSY_WAIT_SECONDS, "Next": S.COUNT_START},
        S.COUNT_START: _count("starts", S.START_CRAWLER),
        S.CRAWLER_BUSY_TOO_LONG: _error(
            {"Cause": f"crawler {name} was still running another crawl after {MAX_STARTS} attempts to start it "
                      f"{BUSY_WAIT_SECONDS} s apart; the data is published, start the crawler by hand"},
            S.START_CRAWLER, fail),
        S.WAIT_CRAWLER: {"Type": "Wait", "Seconds": POLL_SECONDS, "Next": S.GET_CRAWLER},
        S.GET_CRAWLER: {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:glue:getCrawler",
            "Parameters": {"Name": name},
            "Retry": glue_api_retry(),
            "ResultSelector": {"Crawler.$": "$.Crawler"},
            "ResultPath": "$.crawler",
            "Catch": [catch_all(S.GET_CRAWLER)],
            "Next": S.COUNT_POLL,
        },
        caught(S.GET_CRAWLER): caught_state(S.GET_CRAWLER, fail),
        S.COUNT_POLL: _count("polls", S.CRAWLER_FINISHED),
        S.CRAWLER_FINISHED: {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.crawler.Crawler.State", "StringEquals": "READY", "Next": S.CHECK_LAST_CRAWL},
                {"Variable": "$.crawl.polls", "NumericGreaterThanEquals": MAX_POLLS, "Next": S.CRAWL_TIMED_OUT},
            ],
            "Default": S.WAIT_CRAWLER,
        },
        S.CHECK_LAST_CRAWL: {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.crawler.Crawler.LastCrawl.Status", "IsPresent": False, "Next": after},
                {"Or": [
                    {"Variable": "$.crawler.Crawler.LastCrawl.Status", "StringEquals": "FAILED"},
                    {"Variable": "$.crawler.Crawler.LastCrawl.Status", "StringEquals": "CANCELLED"},
                ], "Next": S.CRAWL_FAILED},
            ],
            "Default": after,
        },
        S.CRAWL_FAILED: _error(
            {"Cause.$": f"States.Format('crawler {name}: last crawl {{}}: {{}}', "
                        "$.crawler.Crawler.LastCrawl.Status, States.JsonToString($.crawler.Crawler.LastCrawl))"},
            S.GET_CRAWLER, fail),
        S.CRAWL_TIMED_OUT: _error(
            {"Cause": f"crawler {name} did not finish within {MAX_POLLS * POLL_SECONDS // 60} minutes of polling; "
                      "the data is published, check the crawler in the Glue console"},
            S.GET_CRAWLER, fail),
    }
    return states
