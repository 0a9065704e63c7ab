"""``source.download``: how a remote (``https://``, ``sftp://``) source is listed, authenticated and copied
into the raw bucket before Plan (docs/sources.md)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema, model_validator

from .remote import check_host_key
from .uris import check_s3_uri

__all__ = ["Download", "Credentials", "SECRET_NAME_PATTERN", "PARAMETER_NAME_PATTERN", "ENV_NAME_PATTERN"]

SECRET_NAME_PATTERN = r"^[A-Za-z0-9/_+=.@-]{1,512}$"
PARAMETER_NAME_PATTERN = r"^[A-Za-z0-9_.\-/]{1,1011}$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _landing(value: str) -> str:
    check_s3_uri(value)
    if not value.endswith("/"):
        raise ValueError(f"{value!r} names an object; the landing location is a prefix: end it with /")
    return value


def _parameter(value: str) -> str:
    if "/" in value and not value.startswith("/"):
        raise ValueError(f"SSM parameter name {value!r} has a '/' but does not start with one; hierarchical "
                         f"names are written /a/b (try {'/' + value!r})")
    if value.lower().startswith(("/aws", "aws", "/ssm", "ssm")):
        raise ValueError(f"SSM parameter name {value!r} starts with 'aws' or 'ssm', which SSM reserves")
    return value


def _secret(value: str) -> str:
    if value.startswith("arn:"):
        raise ValueError(f"{value[:40]!r}... is an ARN; give the secret's name (IAM is granted on that name only)")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Credentials(_Model):
    """Where the download's credentials are kept. Only their name is in the spec, never the value. The
    value is a JSON object with ``username`` and ``password``, ``token`` (HTTPS: a bearer token),
    ``headers`` (HTTPS: extra request headers such as an API key) or ``private_key`` (SFTP: an OpenSSH or
    PEM private key, with ``passphrase`` when it is encrypted); a value that is not JSON is a token
    (HTTPS) or a password (SFTP)."""

    secret: Annotated[str, AfterValidator(_secret)] | None = Field(None, pattern=SECRET_NAME_PATTERN)
    """On AWS: the Secrets Manager secret's name. The download functions may read exactly this secret."""
    parameter: Annotated[str, AfterValidator(_parameter)] | None = Field(None, pattern=PARAMETER_NAME_PATTERN)
    """On AWS: the SSM parameter's name (a SecureString), instead of a secret."""
    env: str | None = Field(None, pattern=ENV_NAME_PATTERN)
    """Locally: the environment variable holding the value (passed to the local download functions only)."""
    file: str | None = Field(None, min_length=1)
    """Locally: a file holding the value, relative to the project root, instead of an environment variable."""

    @model_validator(mode="after")
    def _one_of_each(self) -> Credentials:
        if self.secret and self.parameter:
            raise ValueError("name either a secret or a parameter for AWS, not both")
        if self.env and self.file:
            raise ValueError("name either an env variable or a file for local runs, not both")
        if not (self.secret or self.parameter or self.env or self.file):
            raise ValueError("name where the credentials are kept: secret or parameter (AWS) and env or file "
                             "(local runs)")
        return self


class Download(_Model):
    """How a remote source is copied into the raw bucket before Plan (https:// and sftp:// sources only)."""

    landing: Annotated[str, AfterValidator(_landing), WithJsonSchema(
        {"type": "string", "pattern": r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/(.*/)?$"})]
    """The raw bucket prefix the files are copied to, s3://bucket/prefix/; each window's files land under it
    at source.uri's path from its first placeholder on (docs/sources.md), where Plan then reads them."""
    index: str | None = None
    """Listing rule: the URL of an index file naming the window's files, one URL or path (relative to the
    index) per line, '#' comments allowed; absolute, or relative to source.uri; placeholders as in
    source.uri. Without it, source.uri's directory is listed (an HTML index page over HTTPS, a directory
    listing over SFTP) and source.pattern picks the files."""
    credentials: Credentials | None = None
    """Named credentials; omit for a server that needs none."""
    host_key: Annotated[str, AfterValidator(check_host_key)] | None = None
    """SFTP only, required: the server's pinned host key, as `ssh-keyscan HOST` prints it without the host
    ('ssh-ed25519 AAAA...'), or its 'SHA256:...' fingerprint. Any other key fails the run."""
    max_concurrency: int = Field(8, ge=1, le=1000)
    """Most files (or ranges) copied at once."""
    timeout_s: int = Field(60, ge=1, le=600)
    """Seconds to wait to connect and between received bytes; a slower server is a transient error (retried)."""
    part_size_mb: int = Field(16, ge=5, le=5120)
    """Multipart upload part size in MiB (memory held per file; raised when a file needs more than 10,000 parts)."""
    range_mb: int = Field(4096, ge=16, le=1_000_000)
    """Largest piece of one file one invocation copies; a larger file is fetched with range requests across
    several invocations (HTTPS servers that accept ranges, and SFTP)."""
