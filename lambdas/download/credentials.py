"""Read a download's named credentials: Secrets Manager or SSM on AWS; an environment variable or a file in
the local runtime (``LOCKGATE_LAKE`` set). The value never appears in logs, errors or the state machine."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.core.errors import ConfigError, TransientError
from orchestration.core.spec.download import Credentials

__all__ = ["Secret", "read_credentials", "parse_secret"]

_THROTTLED = {"ThrottlingException", "InternalServiceError", "InternalServerError", "ServiceUnavailable"}


@dataclass(frozen=True)
class Secret:
    """A parsed credential value. ``repr`` shows no secret."""

    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    def http_headers(self) -> dict[str, str]:
        out = dict(self.headers)
        if self.token:
            out["Authorization"] = f"Bearer {self.token}"
        elif self.username is not None and self.password is not None:
            pair = f"{self.username}:{self.password}".encode()
            out["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        return out


def parse_secret(text: str, where: str) -> Secret:
    """A JSON object (username, password, token, private_key, passphrase, headers), or a bare token/password."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return Secret(token=stripped, password=stripped)
    try:
        data = json.loads(stripped)
    except ValueError:
        raise ConfigError("the credential value starts with '{' but is not valid JSON; store a JSON object such as "
                          '{"username": "...", "password": "..."} or a bare token', where=where) from None
    known = {"username", "password", "token", "private_key", "passphrase", "headers"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"the credential value has unknown keys {', '.join(unknown)}; use {', '.join(sorted(known))}",
                          where=where)
    headers = data.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ConfigError("headers must map header names to strings", where=where)
    return Secret(username=data.get("username"), password=data.get("password"), token=data.get("token"),
                  private_key=data.get("private_key"), passphrase=data.get("passphrase"), headers=headers)


def _local(creds: Credentials, import_name: str) -> Secret:
    if creds.env:
        value = os.environ.get(creds.env)
        if value is None:
            raise ConfigError(f"environment variable {creds.env} is not set; export it before `lockgate run` (the "
                              "local runtime passes it to the download functions only)",
                              where=f"{import_name}: source.download.credentials.env")
        return parse_secret(value, f"environment variable {creds.env}")
    if creds.file:
        path = Path(creds.file).expanduser()
        try:
            return parse_secret(path.read_text(encoding="utf-8"), f"credentials file {creds.file}")
        except OSError as e:
            raise ConfigError(f"cannot read {path.resolve()}: {e.strerror}; create it or fix the path (relative to "
                              "the project root)", where=f"{import_name}: source.download.credentials.file") from None
    raise ConfigError("no local credentials are named; add env: VARIABLE or file: PATH next to the secret/parameter",
                      where=f"{import_name}: source.download.credentials")


def _aws(creds: Credentials, import_name: str) -> Secret:
    from botocore.exceptions import BotoCoreError, ClientError

    from orchestration.core.aws import client

    where = f"{import_name}: source.download.credentials"
    try:
        if creds.secret:
            answer = client("secretsmanager").get_secret_value(SecretId=creds.secret)
            text = answer.get("SecretString")
            if text is None:
                text = answer["SecretBinary"].decode("utf-8")
            return parse_secret(text, f"secret {creds.secret}")
        if creds.parameter:
            answer = client("ssm").get_parameter(Name=creds.parameter, WithDecryption=True)
            return parse_secret(answer["Parameter"]["Value"], f"parameter {creds.parameter}")
    except ClientError as e:
        code = str(e.response.get("Error", {}).get("Code", ""))
        name = creds.secret or creds.parameter
        if code in _THROTTLED:
            raise TransientError(f"reading {name} was throttled ({code})", where=where) from None
        raise ConfigError(f"cannot read {name}: {code}; create it, or check that the name matches the spec (the "
                          "download role may read exactly that name)", where=where) from None
    except BotoCoreError as e:
        raise TransientError(f"cannot reach the secret store: {e}", where=where) from None
    raise ConfigError("no secret or parameter is named for AWS; add secret: NAME or parameter: NAME", where=where)


def read_credentials(creds: Credentials | None, import_name: str) -> Secret | None:
    """The credential value, or None when the spec names none."""
    if creds is None:
        return None
    return _local(creds, import_name) if os.environ.get("LOCKGATE_LAKE") else _aws(creds, import_name)
