"""The one AWS client factory: every boto3 client in Lockgate comes from ``client()``.

Endpoints: boto3 (>= 1.28) honours ``AWS_ENDPOINT_URL`` and per-service ``AWS_ENDPOINT_URL_<SERVICE>``
itself; we read them too, so the cache key changes when a test points the environment at another
endpoint (moto, LocalStack) and so pyarrow's S3 filesystem can be given the same endpoint.
Retries use botocore's ``standard`` mode (or ``adaptive`` with ``LOCKGATE_AWS_RETRY_MODE=adaptive``).

Kept light on purpose: boto3 is imported on first use, nothing else is.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

__all__ = ["client", "session", "endpoint_url", "region_name", "clear_cache"]

_local = threading.local()
_DEFAULT_REGION = "eu-central-1"


def region_name(region: str | None = None) -> str:
    """The region to use: the argument, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then eu-central-1."""
    return region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or _DEFAULT_REGION


def endpoint_url(service: str) -> str | None:
    """The endpoint override for ``service`` (``AWS_ENDPOINT_URL_S3`` wins over ``AWS_ENDPOINT_URL``)."""
    key = "AWS_ENDPOINT_URL_" + service.upper().replace("-", "_")
    return os.environ.get(key) or os.environ.get("AWS_ENDPOINT_URL") or None


def session(region: str | None = None) -> boto3.Session:
    """A boto3 session for ``region`` (one per thread: boto3 sessions are not thread-safe)."""
    import boto3

    reg = region_name(region)
    cache: dict[str, Any] = _local.__dict__.setdefault("sessions", {})
    if reg not in cache:
        cache[reg] = boto3.session.Session(region_name=reg)
    return cache[reg]


def _config() -> Any:
    from botocore.config import Config

    mode = os.environ.get("LOCKGATE_AWS_RETRY_MODE", "standard")
    attempts = int(os.environ.get("LOCKGATE_AWS_MAX_ATTEMPTS", "8"))
    return Config(
        retries={"mode": mode, "max_attempts": attempts},
        connect_timeout=10,
        read_timeout=120,
        max_pool_connections=32,
        user_agent_extra="lockgate",
    )


def client(service: str, *, region: str | None = None, session: boto3.Session | None = None) -> Any:
    """A boto3 client for ``service``, cached per thread, region and endpoint.

    ``session`` lets callers bring their own credentials (not cached then).
    """
    reg = region_name(region)
    endpoint = endpoint_url(service)
    if session is not None:
        return session.client(service, region_name=reg, endpoint_url=endpoint, config=_config())
    key = (service, reg, endpoint, os.environ.get("AWS_ACCESS_KEY_ID"))
    cache: dict[tuple[Any, ...], Any] = _local.__dict__.setdefault("clients", {})
    found = cache.get(key)
    if found is None:
        found = _session_for(reg).client(service, region_name=reg, endpoint_url=endpoint, config=_config())
        cache[key] = found
    return found


def _session_for(region: str) -> boto3.Session:
    return session(region)


def clear_cache() -> None:
    """Forget this thread's sessions and clients (tests that change credentials call this)."""
    _local.__dict__.pop("clients", None)
    _local.__dict__.pop("sessions", None)
