"""One error root for Lockgate.

Every error knows whether a retry could help (``retryable``) and the ASL error name it surfaces as
(``asl_error``). The compiler builds Retry/Catch blocks from these names and the local runtime raises
them, so the deployed state machine and the local one agree on what is retried and what is caught.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "LockgateError",
    "SpecError",
    "ConfigError",
    "UsageError",
    "DataError",
    "QualityError",
    "AccountingError",
    "PublishError",
    "TransientError",
    "StorageError",
    "CrawlerError",
    "RemoteSourceError",
    "UnsupportedFeatureError",
    "ASL_ERROR_NAMES",
    "RETRYABLE_ASL_ERRORS",
]


class LockgateError(Exception):
    """Root of every error Lockgate raises on purpose."""

    retryable: ClassVar[bool] = False
    asl_error: ClassVar[str] = "Lockgate.Error"

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class SpecError(LockgateError):
    """A spec is invalid. ``where`` is ``FILE: field.path``; the message names the fix."""

    asl_error = "Lockgate.SpecError"


class ConfigError(LockgateError):
    """``lockgate.yaml`` or the environment is wrong."""

    asl_error = "Lockgate.ConfigError"


class UsageError(LockgateError):
    """A command was called wrongly: a bad option value, an unknown import, a window that is not one.
    Raised before anything starts; the message names the option and the fix."""

    asl_error = "Lockgate.UsageError"


class DataError(LockgateError):
    """Input data cannot be read at all (corrupt file, wrong format); rows that merely fail rules
    go to quarantine instead. The message names the object and the position."""

    asl_error = "Lockgate.DataError"


class QualityError(LockgateError):
    """The run broke a quality threshold (``max_reject_ratio``, ``min_rows``); nothing is published."""

    asl_error = "Lockgate.QualityError"


class AccountingError(LockgateError):
    """Row counts do not add up: rows_in != written + rejected + filtered + deduplicated."""

    asl_error = "Lockgate.AccountingError"


class PublishError(LockgateError):
    """Publishing staging to the target failed in a way a retry will not fix."""

    asl_error = "Lockgate.PublishError"


class TransientError(LockgateError):
    """Something outside Lockgate failed in a way that a retry may fix (throttling, timeouts)."""

    retryable = True
    asl_error = "Lockgate.TransientError"


class StorageError(TransientError):
    """S3 or the local lake answered with a transient failure."""

    asl_error = "Lockgate.StorageError"


class CrawlerError(LockgateError):
    """The Glue crawler's last crawl failed; carries the crawler's own message."""

    asl_error = "Lockgate.CrawlerError"


class RemoteSourceError(LockgateError):
    """A remote (https://, sftp://) source refused a download in a way a retry will not fix: 401, 403, 404,
    a host key that is not the pinned one, a server that keeps sending other bytes than it announced. The
    message names the file and the reason; timeouts, 5xx and dropped connections are TransientError."""

    asl_error = "Lockgate.RemoteSourceError"


class UnsupportedFeatureError(LockgateError):
    """A feature (ASL field, state type, intrinsic) that the local runtime does not implement."""

    asl_error = "States.Runtime"


def _all_subclasses(cls: type[LockgateError]) -> list[type[LockgateError]]:
    out: list[type[LockgateError]] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(_all_subclasses(sub))
    return out


_ALL: list[type[LockgateError]] = [LockgateError, *_all_subclasses(LockgateError)]
ASL_ERROR_NAMES: dict[str, type[LockgateError]] = {c.asl_error: c for c in _ALL if c.asl_error.startswith("Lockgate.")}
RETRYABLE_ASL_ERRORS: tuple[str, ...] = tuple(sorted(n for n, c in ASL_ERROR_NAMES.items() if c.retryable))
