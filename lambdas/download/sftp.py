"""SFTP sources through paramiko, with the server's host key pinned in the spec.

The connection offers only the pinned key's algorithm and compares the key the server presents with the
pin before authenticating: a different key is a RemoteSourceError naming both fingerprints, never a
prompt or trust on first use. Refused authentication, a missing file or a denied permission are
permanent; timeouts, resets and a file that ends early are transient.
"""

from __future__ import annotations

import contextlib
import errno
import io
import socket
import stat as statmod
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import paramiko

from orchestration.core.spec.remote import host_key_fingerprint

from .credentials import Secret
from .remote import MAX_INDEX_BYTES, Remote, RemoteFile, matches, permanent, transient

__all__ = ["SftpRemote"]

_RSA = ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa")


def _private_key(text: str, passphrase: str | None, where: str) -> paramiko.PKey:
    for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
        try:
            return kind.from_private_key(io.StringIO(text), password=passphrase)
        except paramiko.PasswordRequiredException:
            raise permanent(where, "the private key is encrypted; add passphrase to the credential value") from None
        except (paramiko.SSHException, ValueError):
            continue
    raise permanent(where, "the credential's private_key is not an Ed25519, ECDSA or RSA private key")


class SftpRemote(Remote):
    def __init__(self, url: str, host_key: str, secret: Secret | None, timeout_s: float) -> None:
        parts = urlsplit(url)
        self._where = f"sftp://{parts.hostname}:{parts.port or 22}"
        self._timeout = timeout_s
        try:
            sock = socket.create_connection((parts.hostname or "", parts.port or 22), timeout=timeout_s)
        except OSError as e:
            raise transient(self._where, f"cannot connect: {e}") from None
        self._transport = paramiko.Transport(sock)
        self._sftp: paramiko.SFTPClient | None = None
        try:
            self._connect(host_key, parts.username, secret)
        except BaseException:
            self._transport.close()
            raise

    def _connect(self, pinned: str, url_user: str | None, secret: Secret | None) -> None:
        kind = pinned.split(" ", 1)[0]
        if not pinned.startswith("SHA256:"):
            self._transport.get_security_options().key_types = _RSA if kind == "ssh-rsa" else (kind,)
        try:
            self._transport.start_client(timeout=self._timeout)
        except (paramiko.SSHException, EOFError, OSError) as e:
            if "no acceptable host key" in str(e).lower() or "incompatible ssh" in str(e).lower():
                raise permanent(self._where, f"host key mismatch: the server offers no {kind} key, and the "
                                             f"spec pins {host_key_fingerprint(pinned)}") from None
            raise transient(self._where, f"SSH handshake failed: {e}") from None
        key = self._transport.get_remote_server_key()
        presented = host_key_fingerprint(f"{key.get_name()} {key.get_base64()}")
        if presented != host_key_fingerprint(pinned):
            raise permanent(self._where, f"host key mismatch: the server presented {presented}, the spec pins "
                                         f"{host_key_fingerprint(pinned)} (source.download.host_key); if the partner "
                                         "rotated its key, check the new one with them and update the spec")
        user = (secret.username if secret else None) or url_user
        if not user:
            raise permanent(self._where, "no user name: put it in the URI (sftp://user@host/...) or the credential")
        try:
            if secret is not None and secret.private_key:
                self._transport.auth_publickey(user, _private_key(secret.private_key, secret.passphrase, self._where))
            elif secret is not None and secret.password:
                self._transport.auth_password(user, secret.password)
            else:
                self._transport.auth_none(user)
        except paramiko.BadAuthenticationType as e:
            raise permanent(self._where, f"authentication refused for {user} (server allows {e.allowed_types})") from None
        except paramiko.AuthenticationException:
            raise permanent(self._where, f"authentication refused for {user}: the credentials were refused") from None
        except (paramiko.SSHException, EOFError, OSError) as e:
            raise transient(self._where, f"authentication broke off: {e}") from None
        self._sftp = paramiko.SFTPClient.from_transport(self._transport)
        if self._sftp is None:
            raise transient(self._where, "the server did not open an SFTP session")
        self._sftp.get_channel().settimeout(self._timeout)

    @property
    def sftp(self) -> paramiko.SFTPClient:
        assert self._sftp is not None
        return self._sftp

    def _error(self, url: str, e: BaseException, doing: str) -> Exception:
        if isinstance(e, FileNotFoundError) or getattr(e, "errno", None) == errno.ENOENT:
            return permanent(url, f"{doing}: no such file or directory on the server")
        if isinstance(e, PermissionError) or getattr(e, "errno", None) == errno.EACCES:
            return permanent(url, f"{doing}: permission denied")
        return transient(url, f"{doing}: {type(e).__name__}: {e}")

    @staticmethod
    def _facts(url: str, relative: str, attrs: Any) -> RemoteFile:
        mtime = attrs.st_mtime
        modified = datetime.fromtimestamp(mtime, UTC).isoformat() if mtime is not None else None
        return RemoteFile(url=url, relative=relative, size=attrs.st_size, last_modified=modified, ranges=True)

    def list_directory(self, url: str, pattern: str | None) -> list[RemoteFile]:
        path = unquote(urlsplit(url).path)
        try:
            entries = self.sftp.listdir_attr(path)
        except (OSError, paramiko.SSHException, EOFError) as e:
            raise self._error(url, e, "listing the directory") from None
        files = [e for e in entries if e.st_mode is not None and statmod.S_ISREG(e.st_mode) and matches(e.filename, pattern)]
        return [self._facts(url + e.filename, e.filename, e) for e in sorted(files, key=lambda e: e.filename)]

    def stat(self, url: str, relative: str) -> RemoteFile:
        try:
            attrs = self.sftp.stat(unquote(urlsplit(url).path))
        except (OSError, paramiko.SSHException, EOFError) as e:
            raise self._error(url, e, "reading the file's size") from None
        return self._facts(url, relative, attrs)

    def read_text(self, url: str) -> str:
        data = b"".join(self.read(RemoteFile(url, ""), 0, MAX_INDEX_BYTES + 1, 65536))
        if len(data) > MAX_INDEX_BYTES:
            raise permanent(url, f"the index is larger than {MAX_INDEX_BYTES:,} bytes")
        return data.decode("utf-8", errors="replace")

    def read(self, file: RemoteFile, start: int, end: int | None, chunk: int) -> Iterator[bytes]:
        try:
            handle = self.sftp.open(unquote(urlsplit(file.url).path), "rb")
        except (OSError, paramiko.SSHException, EOFError) as e:
            raise self._error(file.url, e, "opening the file") from None
        got = 0
        want = None if end is None else end - start
        try:
            handle.seek(start)
            while want is None or got < want:
                n = chunk if want is None else min(chunk, want - got)
                try:
                    data = handle.read(n)
                except (TimeoutError, OSError, paramiko.SSHException, EOFError) as e:
                    raise transient(file.url, f"the transfer broke after {got:,} bytes ({type(e).__name__}: {e})") from None
                if not data:
                    break
                got += len(data)
                yield data
        finally:
            with contextlib.suppress(OSError, paramiko.SSHException, EOFError):
                handle.close()

    def close(self) -> None:
        if self._sftp is not None:
            self._sftp.close()
        self._transport.close()
