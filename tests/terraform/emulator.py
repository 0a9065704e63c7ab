"""An AWS emulator for `terraform apply`: moto's server, in this process, on a loopback port.

Every provider endpoint points at it. Gaps of moto 5.2 are worked around here, in the test harness only,
never in the modules; each names the gap:

- S3 bucket policies: moto ignores ``Condition``, so the TLS-only ``Deny`` (``aws:SecureTransport`` is
  false) would deny every request. Statements with a condition are left out of moto's evaluation (the
  conditions themselves are checked by the plan tests and checkov).
- S3 access logging: moto crashes on a ``"Principal": "*"`` statement in the target bucket's policy and
  accepts only the exact resource ``bucket/prefix*``; AWS matches the grant's wildcard. The harness checks
  the logging grant as AWS does (service principal, Allow, s3:PutObject, a resource covering the prefix).
- Step Functions: moto has no ``ValidateStateMachineDefinition`` (the provider calls it while planning)
  and no ``ListStateMachineVersions`` (called after every create); the front answers those two (a valid
  definition, no versions).
- Connections: moto's server listens with a backlog of 5, and terraform opens many connections at once;
  a connection lost after moto created a resource made the provider retry the create and fail with
  ``AlreadyExistsException``. Every call goes through a front with a deep backlog, which forwards it to
  moto unchanged (one connection per call).
"""

from __future__ import annotations

import fnmatch
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SERVICES = ("sts", "s3", "kms", "iam", "lambda", "glue", "sns", "sqs", "scheduler", "logs", "athena", "cloudwatch",
            "events")
CANNED_SFN = {
    "ValidateStateMachineDefinition": {"result": "OK", "diagnostics": []},
    "ListStateMachineVersions": {"stateMachineVersions": []},
}
LOGGING_PRINCIPAL = "logging.s3.amazonaws.com"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@contextmanager
def _s3_gaps_patched() -> Iterator[None]:
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3 import models

    def get_permission(bucket: Any, action: str, resource: str) -> Any:
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        doc = json.loads(bucket.policy.decode())
        doc["Statement"] = [s for s in _as_list(doc["Statement"]) if "Condition" not in s]
        if not doc["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(doc)).is_action_permitted(action, resource)

    def logging_allowed(target_bucket: Any, target_prefix: str | None) -> bool:
        if not target_bucket.policy:
            return False
        key = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}/{target_prefix or ''}object"
        for s in _as_list(json.loads(target_bucket.policy.decode())["Statement"]):
            principal = s.get("Principal")
            if (isinstance(principal, dict) and principal.get("Service") == LOGGING_PRINCIPAL
                    and s.get("Effect") == "Allow" and "s3:PutObject" in _as_list(s.get("Action", []))
                    and any(fnmatch.fnmatchcase(key, r) for r in _as_list(s.get("Resource", [])))):
                return True
        return False

    saved = models.FakeBucket.get_permission, models.FakeBucket.__dict__["_log_permissions_enabled_policy"]
    models.FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
    models.FakeBucket._log_permissions_enabled_policy = staticmethod(logging_allowed)  # type: ignore[method-assign]
    try:
        yield
    finally:
        models.FakeBucket.get_permission = saved[0]  # type: ignore[method-assign]
        models.FakeBucket._log_permissions_enabled_policy = saved[1]  # type: ignore[method-assign]


class _Front(ThreadingHTTPServer):
    request_queue_size = 128  # terraform opens many connections at once; the default backlog is 5
    daemon_threads = True


def _front(moto_port: int) -> type[BaseHTTPRequestHandler]:
    class Front(BaseHTTPRequestHandler):
        def _forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            operation = self.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1]
            if operation in CANNED_SFN:
                self._answer(200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(CANNED_SFN[operation]).encode())
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            request = urllib.request.Request(f"http://127.0.0.1:{moto_port}{self.path}", data=body or None,
                                             headers=headers, method=self.command)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    self._answer(response.status, dict(response.headers), response.read())
            except urllib.error.HTTPError as err:
                self._answer(err.code, dict(err.headers), err.read())

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _forward  # noqa: N815

        def _answer(self, status: int, headers: dict[str, str], data: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Front


@contextmanager
def emulator() -> Iterator[dict[str, str]]:
    """Start moto and its front; yield the endpoint URL of every service."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    front = _Front(("127.0.0.1", 0), _front(port))
    with _s3_gaps_patched():
        moto.start()
        thread = threading.Thread(target=front.serve_forever, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{front.server_address[1]}"
            endpoints = {s: url for s in (*SERVICES, "sfn")}
            yield endpoints
        finally:
            front.shutdown()
            front.server_close()
            moto.stop()


def provider_override(endpoints: dict[str, str], region: str) -> str:
    lines = "\n".join(f'    {name} = "{url}"' for name, url in sorted(endpoints.items()))
    return f"""
provider "aws" {{
  region                      = "{region}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  endpoints {{
{lines}
  }}
}}
"""
