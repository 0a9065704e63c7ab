"""HTTPS sources through urllib3 (which the Lambda runtime already ships with botocore).

Listing: an HTML index page (Apache, nginx and most servers' autoindex): every ``<a href>`` that names a
file directly in the directory. Facts per file from a HEAD request: Content-Length, ETag, Last-Modified,
Accept-Ranges and a checksum when offered (``Repr-Digest``/``Digest`` sha-256, ``Content-MD5``).
Status codes: 401, 403, 404, 410 and other 4xx are permanent (RemoteSourceError); 408, 429 and 5xx,
timeouts, refused and dropped connections and a body shorter than its Content-Length are transient.
The CA bundle is the system's, or ``LOCKGATE_CA_BUNDLE`` (a PEM file) for a private or test CA.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import urllib3
from urllib3.exceptions import HTTPError, MaxRetryError, SSLError

from orchestration.core.errors import LockgateError, RemoteSourceError

from .credentials import Secret
from .remote import MAX_INDEX_BYTES, Remote, RemoteFile, matches, permanent, transient

__all__ = ["HttpsRemote", "CA_BUNDLE_ENV", "links_in"]

CA_BUNDLE_ENV = "LOCKGATE_CA_BUNDLE"
_PERMANENT_WORDS = {401: "401 Unauthorized: the credentials were refused",
                    403: "403 Forbidden: the credentials may not read it",
                    404: "404 Not Found: no such file on the server", 410: "410 Gone: the file was removed"}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def links_in(html: str, directory: str) -> list[str]:
    """Relative names of the files an HTML index page links to directly inside ``directory``."""
    parser = _Links()
    parser.feed(html)
    out: dict[str, None] = {}
    for href in parser.hrefs:
        url = urljoin(directory, href)
        if urlsplit(url).query or "#" in url or not url.startswith(directory):
            continue
        name = unquote(url[len(directory):])
        if name and "/" not in name and "\\" not in name and name not in (".", ".."):
            out.setdefault(name)
    return list(out)


def _checksum(headers: Any) -> str | None:
    for name in ("Repr-Digest", "Digest"):
        value = headers.get(name)
        if not value:
            continue
        for item in value.split(","):
            algo, _, encoded = item.strip().partition("=")
            if algo.lower() in ("sha-256", "sha256"):
                try:
                    return "sha256:" + base64.b64decode(encoded.strip(":"), validate=True).hex()
                except (binascii.Error, ValueError):
                    return None
    md5 = headers.get("Content-MD5")
    if md5:
        try:
            return "md5:" + base64.b64decode(md5, validate=True).hex()
        except (binascii.Error, ValueError):
            return None
    return None


def _discard(response: urllib3.BaseHTTPResponse) -> None:
    """Give the connection back only when its answer was read to the end; otherwise close it, so the next
    request on the pool never reads the rest of this answer as its own."""
    if not response.closed:
        response.close()
    response.release_conn()


class HttpsRemote(Remote):
    def __init__(self, secret: Secret | None, timeout_s: float) -> None:
        ca = os.environ.get(CA_BUNDLE_ENV) or None
        # No retries here (the state machine retries, with backoff); redirects are followed, and urllib3
        # drops Authorization on a redirect to another host.
        retries = urllib3.Retry(total=None, connect=0, read=0, other=0, status=0, redirect=5, raise_on_status=False)
        self._pool = urllib3.PoolManager(cert_reqs="CERT_REQUIRED", ca_certs=ca, retries=retries,
                                         timeout=urllib3.Timeout(connect=timeout_s, read=timeout_s))
        self._headers = {"User-Agent": "lockgate-download"}
        if secret is not None:
            self._headers |= secret.http_headers()

    def _request(self, method: str, url: str, headers: dict[str, str] | None = None,
                 stream: bool = False) -> urllib3.BaseHTTPResponse:
        try:
            response = self._pool.request(method, url, headers=self._headers | (headers or {}), redirect=True,
                                          preload_content=not stream)
        except HTTPError as e:
            cause = e.reason if isinstance(e, MaxRetryError) and e.reason is not None else e
            if isinstance(cause, SSLError):
                raise permanent(url, f"TLS failed ({cause}); the server's certificate is not trusted (for a private "
                                     f"CA set {CA_BUNDLE_ENV})") from None
            raise transient(url, f"{type(cause).__name__}: {cause}") from None
        status = response.status
        if status < 300:
            return response
        _discard(response)
        if status in (408, 429) or status >= 500:
            raise transient(url, f"the server answered {status}")
        raise permanent(url, _PERMANENT_WORDS.get(status, f"the server answered {status}" +
                                                  (" (a redirect without a target)" if status < 400 else "")))

    def list_directory(self, url: str, pattern: str | None) -> list[RemoteFile]:
        names = [n for n in links_in(self.read_text(url), url) if matches(n, pattern)]
        return [self.stat(urljoin(url, n), n) for n in sorted(names)]

    def stat(self, url: str, relative: str) -> RemoteFile:
        try:
            response = self._request("HEAD", url)
        except RemoteSourceError as e:
            if not any(f"answered {code}" in e.message for code in (405, 501)):
                raise
            return self._stat_by_get(url, relative)
        h = response.headers
        length = h.get("Content-Length")
        return RemoteFile(url=url, relative=relative, size=int(length) if length and length.isdigit() else None,
                          etag=h.get("ETag"), last_modified=h.get("Last-Modified"), checksum=_checksum(h),
                          ranges=h.get("Accept-Ranges", "").lower() == "bytes")

    def _stat_by_get(self, url: str, relative: str) -> RemoteFile:
        """For a server that refuses HEAD: the facts of a one-byte range request (the size from its
        Content-Range), or of a plain answer whose body is left unread."""
        response = self._request("GET", url, {"Range": "bytes=0-0"}, stream=True)
        try:
            h = response.headers
            total = h.get("Content-Range", "").rpartition("/")[2] if response.status == 206 else h.get("Content-Length")
            return RemoteFile(url=url, relative=relative, size=int(total) if total and total.isdigit() else None,
                              etag=h.get("ETag"), last_modified=h.get("Last-Modified"),
                              checksum=_checksum(h) if response.status == 200 else None,
                              ranges=response.status == 206)
        finally:
            if response.status == 206:
                response.drain_conn()  # one byte
            else:
                _discard(response)

    def read_text(self, url: str) -> str:
        response = self._request("GET", url, stream=True)
        try:
            data = response.read(MAX_INDEX_BYTES + 1)
        except HTTPError as e:
            raise transient(url, f"reading the listing failed: {e}") from None
        finally:
            _discard(response)
        if len(data) > MAX_INDEX_BYTES:
            raise permanent(url, f"the listing is larger than {MAX_INDEX_BYTES:,} bytes")
        return data.decode("utf-8", errors="replace")

    def read(self, file: RemoteFile, start: int, end: int | None, chunk: int) -> Iterator[bytes]:
        ranged = start > 0 or end is not None
        headers = {"Range": f"bytes={start}-{'' if end is None else end - 1}"} if ranged else {}
        if file.etag and not file.etag.startswith("W/") and ranged:
            headers["If-Range"] = file.etag
        response = self._request("GET", file.url, headers, stream=True)
        try:
            if ranged and response.status != 206:
                raise permanent(file.url, f"asked for bytes {start}..{end} but the server sent the whole file "
                                          f"({response.status}): the file changed since it was listed (If-Range), "
                                          "or the server stopped honouring ranges; run the import again")
            yield from self._body(response, file.url, chunk)
        finally:
            _discard(response)

    @staticmethod
    def _body(response: urllib3.BaseHTTPResponse, url: str, chunk: int) -> Iterator[bytes]:
        got = 0
        try:
            while True:
                data = response.read(chunk)
                if not data:
                    return
                got += len(data)
                yield data
        except LockgateError:
            raise
        except HTTPError as e:  # incl. a body shorter than its Content-Length, a read timeout, a reset
            raise transient(url, f"the transfer broke after {got:,} bytes ({type(e).__name__}: {e})") from None

    def close(self) -> None:
        self._pool.clear()
