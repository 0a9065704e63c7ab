"""Real servers on 127.0.0.1 for the download tests: an HTTPS server with a certificate from a CA generated
per session (``examples.partner_server.make_ca``, the ``cryptography`` package), and an SFTP server
(paramiko) over a local folder.

Both serve files from a folder and can be told to misbehave per file (``faults``): be slow, drop the
connection mid-file, lie about the length, answer 500. Every request is logged for the assertions.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import html
import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import paramiko

from examples.partner_server import CertAuthority, make_ca

__all__ = ["CertAuthority", "HttpsServer", "SftpServer", "make_ca"]


@dataclass
class _State:
    root: Path
    token: str | None
    ranges: bool = True
    digest: bool = True
    faults: dict[str, list[str]] = field(default_factory=dict)
    """path -> faults to apply, one per GET, in order: slow, drop, lie, 500."""
    forbidden: set[str] = field(default_factory=set)
    head: bool = True
    """False: HEAD is answered 405 Method Not Allowed, as some API gateways do."""
    redirects: dict[str, str] = field(default_factory=dict)
    """path -> where a 302 sends HEAD and GET requests for it."""
    log: list[tuple[str, str, str | None]] = field(default_factory=list)
    delay_s: float = 2.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self, path: str) -> str | None:
        with self.lock:
            queue = self.faults.get(path)
            return queue.pop(0) if queue else None


def _handler(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _deny(self) -> bool:
            if state.token and self.headers.get("Authorization") != f"Bearer {state.token}":
                self._empty(401)
                return True
            if self.path in state.forbidden:
                self._empty(403)
                return True
            return False

        def _empty(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _file(self) -> Path | None:
            p = (state.root / self.path.lstrip("/")).resolve()
            return p if p.is_relative_to(state.root) and p.exists() else None

        def _facts(self, p: Path) -> None:
            data = p.read_bytes()
            self.send_header("ETag", '"' + hashlib.md5(data).hexdigest() + '"')
            self.send_header("Last-Modified", email.utils.formatdate(p.stat().st_mtime, usegmt=True))
            if state.ranges:
                self.send_header("Accept-Ranges", "bytes")
            if state.digest:
                self.send_header("Repr-Digest", "sha-256=:" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":")

        def _listing(self, p: Path) -> None:
            links = "".join(f'<a href="{html.escape(c.name)}{"/" if c.is_dir() else ""}">{html.escape(c.name)}</a>\n'
                            for c in sorted(p.iterdir()))
            body = f'<html><body><a href="../">../</a>\n{links}<a href="?C=N;O=D">sort</a></body></html>'.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self) -> bool:
            target = state.redirects.get(self.path)
            if target is None:
                return False
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True

        def do_HEAD(self) -> None:  # noqa: N802
            state.log.append(("HEAD", self.path, None))
            if self._deny() or self._redirect():
                return
            if not state.head:
                self._empty(405)
                return
            p = self._file()
            if p is None or p.is_dir():
                self._empty(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(p.stat().st_size))
            self._facts(p)
            self.end_headers()

        def do_GET(self) -> None:  # noqa: N802
            state.log.append(("GET", self.path, self.headers.get("Range")))
            if self._deny() or self._redirect():
                return
            p = self._file()
            if p is None:
                self._empty(404)
                return
            if p.is_dir():
                self._listing(p)
                return
            data = p.read_bytes()
            fault = state.next_fault(self.path)
            if fault == "500":
                self._empty(500)
                return
            if fault == "slow":
                time.sleep(state.delay_s)
            status, body = 200, data
            wanted = self.headers.get("Range")
            if wanted and state.ranges:
                a, _, b = wanted.removeprefix("bytes=").partition("-")
                start, end = int(a), (int(b) + 1 if b else len(data))
                body, status = data[start:end], 206
            self.send_response(status)
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{len(data)}")
            length = len(body) + (len(body) // 2 + 10 if fault == "lie" else 0)
            self.send_header("Content-Length", str(length))
            self._facts(p)
            self.end_headers()
            if fault == "drop":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(body)
            if fault == "lie":
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up on a slow or lying answer is what the tests make happen


class HttpsServer:
    """``with HttpsServer(root, ca) as server: server.url`` -> ``https://127.0.0.1:PORT``."""

    def __init__(self, root: Path, ca: CertAuthority, token: str | None = None) -> None:
        self.state = _State(root.resolve(), token)
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler(self.state))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(ca.cert_pem), str(ca.key_pem))
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._httpd.server_address[1]}"

    def gets(self, path: str) -> list[str | None]:
        """The Range header of every GET of ``path``."""
        return [r for m, p, r in self.state.log if m == "GET" and p == path]

    def __enter__(self) -> HttpsServer:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# --- SFTP ----------------------------------------------------------------------------------------------

class _Auth(paramiko.ServerInterface):
    def __init__(self, user: str, password: str, delay_s: float) -> None:
        self.user, self.password = user, password
        self.transport: paramiko.Transport | None = None
        self.delay_s = delay_s

    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == self.user and password == self.password
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Handle(paramiko.SFTPHandle):
    def __init__(self, path: Path, faults: list[str], auth: _Auth) -> None:
        super().__init__()
        self.readfile = open(path, "rb")  # noqa: SIM115 - closed by SFTPHandle.close
        self._faults = faults
        self._auth = auth

    def read(self, offset: int, length: int) -> bytes | int:
        if "drop" in self._faults and offset > 0:  # the connection really goes away mid-file
            self._faults.remove("drop")
            if self._auth.transport is not None:
                self._auth.transport.close()
            return paramiko.SFTP_CONNECTION_LOST
        if "slow" in self._faults:
            self._faults.remove("slow")
            time.sleep(self._auth.delay_s)
        return super().read(offset, length)

    def stat(self) -> paramiko.SFTPAttributes:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.readfile.fileno()))


def _sftp_interface(root: Path, faults: dict[str, list[str]], log: list[str]) -> type[paramiko.SFTPServerInterface]:
    class Interface(paramiko.SFTPServerInterface):
        def __init__(self, server: _Auth, *args: Any, **kwargs: Any) -> None:
            super().__init__(server, *args, **kwargs)
            self.auth = server

        def _path(self, path: str) -> Path:
            p = (root / path.lstrip("/")).resolve()
            if not p.is_relative_to(root):
                raise PermissionError(path)
            return p

        def list_folder(self, path: str) -> list[paramiko.SFTPAttributes] | int:
            log.append(f"LIST {path}")
            p = self._path(path)
            if not p.is_dir():
                return paramiko.SFTP_NO_SUCH_FILE
            out = []
            for c in sorted(p.iterdir()):
                attrs = paramiko.SFTPAttributes.from_stat(c.stat())
                attrs.filename = c.name
                out.append(attrs)
            return out

        def stat(self, path: str) -> paramiko.SFTPAttributes | int:
            p = self._path(path)
            return paramiko.SFTPAttributes.from_stat(p.stat()) if p.exists() else paramiko.SFTP_NO_SUCH_FILE

        lstat = stat

        def open(self, path: str, flags: int, attr: Any) -> paramiko.SFTPHandle | int:
            log.append(f"OPEN {path}")
            p = self._path(path)
            if not p.is_file():
                return paramiko.SFTP_NO_SUCH_FILE
            if p.name.startswith("secret"):
                return paramiko.SFTP_PERMISSION_DENIED
            return _Handle(p, faults.setdefault(path, []), self.auth)

    return Interface


class SftpServer:
    """``with SftpServer(root, user, password) as server: server.url, server.host_key``."""

    def __init__(self, root: Path, user: str = "partner", password: str = "s3cret") -> None:
        self.root = root.resolve()
        self.key = paramiko.ECDSAKey.generate()
        self.user, self.password = user, password
        self.faults: dict[str, list[str]] = {}
        """path -> faults for its next reads: drop (the connection closes mid-file), slow (one read waits)."""
        self.log: list[str] = []
        self.delay_s = 2.0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._transports: list[paramiko.Transport] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"sftp://{self.user}@127.0.0.1:{self._sock.getsockname()[1]}"

    @property
    def host_key(self) -> str:
        return f"{self.key.get_name()} {self.key.get_base64()}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _sftp_interface(self.root, self.faults, self.log))
            self._transports.append(transport)
            auth = _Auth(self.user, self.password, self.delay_s)
            auth.transport = transport
            try:
                transport.start_server(server=auth)
            except (paramiko.SSHException, EOFError, OSError):
                transport.close()

    def __enter__(self) -> SftpServer:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for t in self._transports:
            t.close()
        self._sock.close()


def files(root: Path, spec: dict[str, bytes]) -> Iterator[Path]:
    for rel, data in spec.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        yield p
