"""The compiled state machine's state names and the ``${...}`` placeholders Terraform's templatefile fills:
shared by the compiler and the router's cost model (``router.transitions``), which the plan Lambda runs
without the compiler."""

from __future__ import annotations

__all__ = ["PLACEHOLDERS", "ph", "SPEC_URI", "S"]

PLACEHOLDERS = (
    "plan_function_arn",
    "process_batch_function_arn",
    "dedupe_function_arn",
    "commit_function_arn",
    "failure_function_arn",
    "download_list_function_arn",
    "download_file_function_arn",
    "download_finish_function_arn",
    "glue_job_name",
    "crawler_name",
    "sns_topic_arn",
    "success_topic_arn",
    "control_bucket",
    "spec_key",
)
"""Every placeholder a definition may use; nothing else in the ASL may contain ``${`` or ``%{``."""


def ph(name: str) -> str:
    """``${name}`` for a known placeholder."""
    if name not in PLACEHOLDERS:
        raise ValueError(f"{name!r} is not a Terraform placeholder; known: {', '.join(PLACEHOLDERS)}")
    return "${" + name + "}"


SPEC_URI = f"s3://{ph('control_bucket')}/{ph('spec_key')}"


class S:
    """State names (they appear in the console, in notifications as failed_state, and in golden files)."""

    LIST_DOWNLOADS = "ListDownloads"
    ANYTHING_TO_DOWNLOAD = "AnythingToDownload"
    DOWNLOAD_FILES = "DownloadFiles"
    DOWNLOAD_FILE = "DownloadFile"
    FINISH_DOWNLOADS = "FinishDownloads"
    PLAN = "Plan"
    ROUTE = "Route"
    SUMMARIZE_EMPTY = "SummarizeEmpty"
    NOTHING = "NothingToImport"
    UNKNOWN_ROUTE = "UnknownRoute"
    PROCESS_BATCHES = "ProcessBatches"
    PROCESS_BATCH = "ProcessBatch"
    DEDUPE_NEEDED = "DedupeNeeded"
    MAKE_BUCKETS = "MakeDedupeBuckets"
    DEDUPE = "Dedupe"
    DEDUPE_BUCKET = "DedupeBucket"
    GLUE = "RunGlueJob"
    COMMIT = "Commit"
    CRAWL_NEEDED = "CrawlNeeded"
    PREPARE_CRAWL = "PrepareCrawl"
    START_CRAWLER = "StartCrawler"
    CRAWLER_BUSY = "CrawlerBusy"
    WAIT_BUSY = "WaitForRunningCrawler"
    COUNT_START = "CountCrawlerStart"
    COUNT_POLL = "CountCrawlerPoll"
    CRAWLER_BUSY_TOO_LONG = "CrawlerBusyTooLong"
    WAIT_CRAWLER = "WaitForCrawler"
    GET_CRAWLER = "GetCrawler"
    CRAWLER_FINISHED = "CrawlerFinished"
    CHECK_LAST_CRAWL = "CheckLastCrawl"
    CRAWL_FAILED = "CrawlFailed"
    CRAWL_TIMED_OUT = "CrawlerTimedOut"
    SUMMARIZE = "Summarize"
    NOTIFY_SUCCESS = "NotifySuccess"
    PUBLISHED = "Published"
    DESCRIBE_FAILURE = "DescribeFailure"
    CAUGHT_HAS_CAUSE = "CaughtErrorHasCause"
    DESCRIBE_AS_CAUGHT = "DescribeFailureAsCaught"
    DESCRIBE_WITHOUT_CAUSE = "DescribeFailureWithoutCause"
    NOTIFY_FAILURE = "NotifyFailure"
    FAILED = "Failed"
