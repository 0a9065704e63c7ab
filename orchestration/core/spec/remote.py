"""Remote source URIs: ``https://`` and ``sftp://`` in ``source.uri``, and where their files land in S3.

A remote source is copied into the raw bucket by the download stage before Plan. The landing layout is
derived from the spec: ``source.download.landing`` plus the part of ``source.uri`` from its first
placeholder on (the whole file name when there is none), so the landed S3 template has the same
placeholders and Plan expands it over the same window steps:

    uri      https://partner.example.com/exports/orders/{date}/
    landing  s3://acme-raw/partner/orders/
    landed   s3://acme-raw/partner/orders/{date}/
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from urllib.parse import urlsplit

from .uris import placeholders_in

__all__ = ["REMOTE_SCHEMES", "is_remote", "check_remote_uri", "landed_template", "landed_key_for",
           "check_host_key", "host_key_fingerprint", "HOST_KEY_TYPES"]

REMOTE_SCHEMES = ("https", "sftp")
HOST_KEY_TYPES = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$")


def is_remote(uri: str) -> bool:
    """The URI names a remote source (``https://`` or ``sftp://``) rather than S3."""
    return uri.startswith(tuple(f"{s}://" for s in REMOTE_SCHEMES))


def check_remote_uri(uri: str, *, allow_placeholders: bool = True) -> str:
    """Validate an ``https://host/path`` or ``sftp://[user@]host[:port]/path`` URI; returns it. Raises
    ValueError naming the fix. A password in the URI is refused: credentials are named, never inlined."""
    if any(ord(c) < 32 or c.isspace() for c in uri):
        raise ValueError(f"{uri!r} contains whitespace or a control character; percent-encode it (%20)")
    parts = urlsplit(uri)
    if parts.scheme not in REMOTE_SCHEMES:
        raise ValueError(f"{uri!r} is not an https:// or sftp:// URI")
    if "{" in parts.netloc or "}" in parts.netloc:
        raise ValueError(f"{uri!r}: placeholders are not allowed in the host")
    if parts.password is not None or (parts.scheme == "https" and parts.username is not None):
        raise ValueError(f"{uri!r} carries credentials in the URI; name them in source.download.credentials "
                         "(a Secrets Manager secret or SSM parameter, an environment variable or a file) instead")
    host = parts.netloc.rpartition("@")[2]
    hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    if not hostname or not _HOST.match(hostname):
        raise ValueError(f"{uri!r} has no valid host; write it as {parts.scheme}://host/path")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise ValueError(f"{uri!r} has an invalid port") from None
    if parts.query or parts.fragment:
        raise ValueError(f"{uri!r} has a query or fragment; source URIs name a directory (ending in /) or a file")
    path = parts.path
    if not path.startswith("/") or path == "/" and parts.scheme == "sftp":
        raise ValueError(f"{uri!r} has no path; name the remote directory (ending in /) or file")
    if "//" in path or any(seg in (".", "..") for seg in path.split("/")):
        raise ValueError(f"{uri!r} has an empty, '.' or '..' path segment; write the path without it")
    if allow_placeholders:
        placeholders_in(path)
    elif "{" in path or "}" in path:
        raise ValueError(f"{uri!r}: placeholders are only allowed in source.uri and source.download.index")
    return uri


def _variable_part(uri: str) -> str:
    """The part of a remote URI the landing layout keeps: from the segment of its first placeholder on,
    or its file name when it has none (empty for a directory)."""
    path = urlsplit(uri).path
    cut = path.find("{")
    if cut < 0:
        return path.rsplit("/", 1)[1]
    return path[path.rfind("/", 0, cut) + 1:]


def landed_template(uri: str, landing: str) -> str:
    """The S3 URI template the landed copies of ``uri``'s files sit under (module docstring)."""
    return landing.rstrip("/") + "/" + _variable_part(uri)


def landed_key_for(landed_dir: str, relative: str) -> str:
    """The landed URI of a listed file ``relative`` (its path under the listed directory) below
    ``landed_dir``."""
    return landed_dir.rstrip("/") + "/" + relative.lstrip("/")


def _key_blob(text: str) -> tuple[str, bytes]:
    kind, _, rest = text.strip().partition(" ")
    blob_text = rest.strip().split(" ", 1)[0]
    try:
        blob = base64.b64decode(blob_text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("its key is not valid base64") from None
    return kind, blob


def check_host_key(text: str) -> str:
    """A pinned SSH host key: ``ssh-ed25519 AAAA...`` (a known_hosts / ``ssh-keyscan`` line without the
    host) or a fingerprint ``SHA256:...`` as ``ssh-keygen -lf`` prints it. Returns it; ValueError otherwise."""
    text = text.strip()
    if text.startswith("SHA256:"):
        raw = text.removeprefix("SHA256:")
        try:
            digest = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != 32:
            raise ValueError(f"{text!r} is not a SHA256 fingerprint (SHA256: and 43 base64 characters, as "
                             "`ssh-keygen -lf` prints it)")
        return text
    kind, _, _ = text.partition(" ")
    if kind not in HOST_KEY_TYPES:
        raise ValueError(f"{text[:30]!r}... is not a host key; write the server's public key as "
                         f"`ssh-keyscan HOST` prints it without the host ('ssh-ed25519 AAAA...'; types: "
                         f"{', '.join(HOST_KEY_TYPES)}) or its fingerprint 'SHA256:...'")
    try:
        _, blob = _key_blob(text)
    except ValueError as e:
        raise ValueError(f"host key {text[:30]!r}...: {e}") from None
    if not blob.startswith(len(kind).to_bytes(4, "big") + kind.encode()):
        raise ValueError(f"host key {text[:30]!r}...: the key data is not a {kind} key")
    return text


def host_key_fingerprint(text: str) -> str:
    """``SHA256:...`` of a pinned host key (a fingerprint is returned as it is)."""
    text = text.strip()
    if text.startswith("SHA256:"):
        return text.rstrip("=")
    _, blob = _key_blob(text)
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
