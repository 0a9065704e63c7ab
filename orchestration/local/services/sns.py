"""SNS: ``sns:publish`` writes the message to an outbox in the lake,
``<lake>/_outbox/<topic>/<timestamp>-<n>.json``, where people and tests can read what a subscriber
would have received (``Message`` is the string SNS delivers; a JSON Message is serialised as the
Step Functions integration does)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import TaskFailure

__all__ = ["SnsService", "OUTBOX"]

OUTBOX = "_outbox"


class SnsService:
    def __init__(self, lake_root: str | Path) -> None:
        self.root = Path(lake_root) / OUTBOX
        self._count = 0

    def publish(self, parameters: Mapping[str, Any]) -> dict[str, Any]:
        topic_arn = parameters.get("TopicArn") or parameters.get("TargetArn")
        if not isinstance(topic_arn, str) or not topic_arn:
            raise TaskFailure("SNS.InvalidParameterException",
                              "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
        if "Message" not in parameters:
            raise TaskFailure("SNS.InvalidParameterException", "Invalid parameter: Message Reason: no value for required parameter")
        message = parameters["Message"]
        text = message if isinstance(message, str) else json.dumps(message, separators=(",", ":"))
        topic = topic_arn.rsplit(":", 1)[-1]
        message_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        self._count += 1
        record = {"TopicArn": topic_arn, "MessageId": message_id, "Timestamp": now.isoformat(),
                  "Subject": parameters.get("Subject"), "Message": text,
                  "MessageAttributes": parameters.get("MessageAttributes") or {}}
        folder = self.root / topic
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{now:%Y%m%dT%H%M%S%fZ}-{self._count}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=2, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
        return {"MessageId": message_id, "SdkHttpMetadata": {"HttpStatusCode": 200},
                "SdkResponseMetadata": {"RequestId": str(uuid.uuid4())}}

    def messages(self, topic: str) -> list[dict[str, Any]]:
        """Every message published to ``topic`` (name or ARN), oldest first."""
        folder = self.root / topic.rsplit(":", 1)[-1]
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        return [json.loads(f.read_text(encoding="utf-8")) for f in files]
