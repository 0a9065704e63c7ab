"""Open the remote adapter a spec's source needs, with its named credentials."""

from __future__ import annotations

from orchestration.core.spec.models import Spec

from .credentials import read_credentials
from .remote import Remote

__all__ = ["connect"]


def connect(spec: Spec) -> Remote:
    """A connection to ``spec.source.uri``'s server (https: a connection pool; sftp: one SSH session)."""
    download = spec.source.download
    if download is None:
        raise ValueError(f"{spec.name}: source {spec.source.uri} has no source.download")
    secret = read_credentials(download.credentials, spec.name)
    if spec.source.uri.startswith("sftp://"):
        from .sftp import SftpRemote

        if download.host_key is None:
            raise ValueError(f"{spec.name}: an sftp:// source needs source.download.host_key")
        return SftpRemote(spec.source.uri, download.host_key, secret, download.timeout_s)
    from .https import HttpsRemote

    return HttpsRemote(secret, download.timeout_s)
