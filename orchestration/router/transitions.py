"""State transitions one execution takes per route, for the router's Step Functions cost.

Counted along the compiled definition's success path for each route (crawl: a few polls), so the cost
follows the ASL when it changes; ``tests/compiler`` checks every counted state exists.
"""

from __future__ import annotations

from orchestration.core.spec.models import Spec

from ..machine_names import S
from .cost import StateCounts

__all__ = ["state_counts", "success_path", "TYPICAL_CRAWL_POLLS"]

TYPICAL_CRAWL_POLLS = 4
"""About two minutes of crawling at 30 s per poll."""


def success_path(spec: Spec, route: str) -> list[str]:
    """State names a successful run on ``route`` passes through (a poll loop is listed once per poll)."""
    head = [S.PLAN, S.ROUTE]
    if route == "empty":
        return [*head, S.SUMMARIZE_EMPTY, S.NOTHING]
    if route == "lambda":
        engine = [S.PROCESS_BATCHES] + ([S.DEDUPE_NEEDED, S.MAKE_BUCKETS, S.DEDUPE] if spec.dedupe else [])
    else:
        engine = [S.GLUE]
    crawl: list[str] = []
    if spec.crawler.run != "never":
        crawl = [S.CRAWL_NEEDED] if spec.crawler.run == "on_schema_change" else []
        crawl += [S.PREPARE_CRAWL, S.START_CRAWLER]
        crawl += [S.WAIT_CRAWLER, S.GET_CRAWLER, S.COUNT_POLL, S.CRAWLER_FINISHED] * TYPICAL_CRAWL_POLLS
        crawl += [S.CHECK_LAST_CRAWL]
    tail = [S.SUMMARIZE] + ([S.NOTIFY_SUCCESS] if spec.notifications.on_success else []) + [S.PUBLISHED]
    return [*head, *engine, S.COMMIT, *crawl, *tail]


def state_counts(spec: Spec) -> StateCounts:
    return StateCounts(
        lambda_parent=len(success_path(spec, "lambda")),
        glue_parent=len(success_path(spec, "glue")),
        per_batch=2,  # the child execution's start and its one Task
        per_bucket=1,
    )
