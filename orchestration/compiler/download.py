"""The download stage of an https:// or sftp:// import, before Plan (docs/sources.md):

ListDownloads (list the window's remote files, skip the unchanged, write downloads.json) -> AnythingToDownload
-> DownloadFiles (a Distributed Map over downloads.json, one DownloadFile per file or byte range) ->
FinishDownloads (complete the files copied in ranges) -> Plan. Transient failures (timeouts, 5xx, dropped
connections: ``Lockgate.TransientError``) are retried with backoff, permanent ones (401, 403, 404, a host
key mismatch: ``Lockgate.RemoteSourceError``) are caught into the failure path, which names the file.
"""

from __future__ import annotations

from typing import Any

from orchestration.core.errors import RETRYABLE_ASL_ERRORS
from orchestration.core.spec.models import Spec

from ..machine_names import SPEC_URI, S, ph
from .retry import _retrier, catch_all, caught, caught_state, lambda_retry
from .tasks import distributed_map

__all__ = ["download_states", "DOWNLOAD_FIELDS", "download_retry"]

Json = dict[str, Any]
DOWNLOAD_FIELDS = ("files", "copied", "skipped", "bytes", "items", "items_uri", "items_bucket", "items_key", "reasons")
"""What the state machine keeps of the listing (counts and where downloads.json is; never the file list)."""


def download_retry() -> list[Json]:
    """Lambda hiccups as everywhere; Lockgate's retryable errors (a remote server that is slow, overloaded
    or drops the connection raises TransientError) with a longer back-off than other tasks: 6 attempts,
    5 s doubling to at most 5 minutes (the first matching retrier wins, so it replaces the default one)."""
    return [lambda_retry()[0], _retrier(RETRYABLE_ASL_ERRORS, 5, 6, 2.0, 300)]


def _invoke(function: str, payload: Json) -> Json:
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": ph(f"{function}_function_arn"), "Payload": payload},
            "Retry": download_retry()}


def download_states(spec: Spec, fail: str) -> dict[str, Json]:
    download = spec.source.download
    if not spec.source.remote or download is None:
        return {}
    listing = _invoke("download_list", {
        "import": spec.name, "spec_uri": SPEC_URI,
        "execution": {"name.$": "$$.Execution.Name", "start_time.$": "$$.Execution.StartTime"}, "input.$": "$",
    })
    listing |= {"ResultSelector": {f"{f}.$": f"$.Payload.{f}" for f in DOWNLOAD_FIELDS}, "ResultPath": "$.download",
                "Catch": [catch_all(S.LIST_DOWNLOADS)], "Next": S.ANYTHING_TO_DOWNLOAD}
    copy = _invoke("download_file", {"spec_uri": SPEC_URI, "items_uri.$": "$.items_uri", "item.$": "$.item"})
    copy |= {"ResultPath": None, "OutputPath": None, "End": True}
    finish = _invoke("download_finish", {"spec_uri": SPEC_URI, "items_uri.$": "$.download.items_uri"})
    finish |= {"ResultPath": None, "Catch": [catch_all(S.FINISH_DOWNLOADS)], "Next": S.PLAN}
    return {
        S.LIST_DOWNLOADS: listing,
        caught(S.LIST_DOWNLOADS): caught_state(S.LIST_DOWNLOADS, fail),
        S.ANYTHING_TO_DOWNLOAD: {
            "Type": "Choice",
            "Choices": [{"Variable": "$.download.items", "NumericGreaterThan": 0, "Next": S.DOWNLOAD_FILES}],
            "Default": S.PLAN,
        },
        S.DOWNLOAD_FILES: distributed_map(
            S.DOWNLOAD_FILES, ("$.download.items_bucket", "$.download.items_key"),
            {"items_uri.$": "$.download.items_uri", "item.$": "$$.Map.Item.Value"},
            S.DOWNLOAD_FILE, copy, download.max_concurrency, S.FINISH_DOWNLOADS),
        caught(S.DOWNLOAD_FILES): caught_state(S.DOWNLOAD_FILES, fail),
        S.FINISH_DOWNLOADS: finish,
        caught(S.FINISH_DOWNLOADS): caught_state(S.FINISH_DOWNLOADS, fail),
    }
