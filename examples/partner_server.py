"""A partner's HTTPS file server on this machine, for `make demo` and the download tests.

``make_ca`` makes a certificate authority and a server certificate for ``localhost`` / ``127.0.0.1``
(the ``cryptography`` package); ``PartnerServer`` serves a folder over TLS with an HTML directory index,
HEAD, Last-Modified and a bearer token, as many partners' export endpoints do. Lockgate trusts the
generated CA through ``LOCKGATE_CA_BUNDLE``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = ["CertAuthority", "make_ca", "PartnerServer"]


@dataclass
class CertAuthority:
    ca_pem: Path
    cert_pem: Path
    key_pem: Path


def _usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def make_ca(folder: Path, days: int = 1) -> CertAuthority:
    """A CA and a server certificate for localhost and 127.0.0.1, written as PEM files into ``folder``."""
    now = dt.datetime.now(dt.UTC)
    valid = (now - dt.timedelta(hours=1), now + dt.timedelta(days=days))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Lockgate demo CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(valid[0]).not_valid_after(valid[1])
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(_usage(True), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(valid[0]).not_valid_after(valid[1])
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    out = CertAuthority(folder / "ca.pem", folder / "server.pem", folder / "server.key")
    out.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    return out


class _Handler(SimpleHTTPRequestHandler):
    token = ""

    def log_message(self, *args: Any) -> None:
        pass

    def _allowed(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.token}":
            return True
        self.send_error(401, "a bearer token is required")
        return False

    def do_GET(self) -> None:  # noqa: N802
        if self._allowed():
            super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        if self._allowed():
            super().do_HEAD()


class PartnerServer:
    """``with PartnerServer(folder, ca, token, port) as s: s.url``: HTTPS on 127.0.0.1 (port 0: any free one)."""

    def __init__(self, folder: Path, ca: CertAuthority, token: str, port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"token": token})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(folder)))
        self._httpd.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(str(ca.cert_pem), str(ca.key_pem))
        self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"https://localhost:{self._httpd.server_address[1]}"

    def __enter__(self) -> PartnerServer:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
