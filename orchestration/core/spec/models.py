"""The import spec: one YAML file per import, the source of truth for everything Lockgate generates.

Structural rules (types, ranges, names) live on the models; rules that relate fields to each other
(expressions naming columns, partition columns existing) live in ``checks.py`` so each problem can be
reported with its exact field path.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from .download import Download
from .remote import check_remote_uri, is_remote, landed_template
from .schedule import check_schedule_expression
from .types import ColumnType, parse_derive_type, parse_type
from .uris import check_s3_uri

__all__ = [
    "Spec", "Source", "CsvOptions", "Column", "Derived", "Dedupe", "Quality", "Target", "Routing", "LambdaSettings",
    "GlueSettings", "Hooks", "Crawler", "Schedule", "Notifications", "IDENTIFIER_PATTERN",
]

IDENTIFIER_PATTERN = r"^[a-z_][a-z0-9_]*$"
_IDENTIFIER = re.compile(IDENTIFIER_PATTERN)
_HOOK = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$")


def _identifier(value: str) -> str:
    if len(value) > 255:
        raise ValueError(f"{value[:20]!r}... is longer than 255 characters")
    if not _IDENTIFIER.match(value):
        suggestion = re.sub(r"[^a-z0-9_]", "_", value.lower())
        if suggestion[:1].isdigit():
            suggestion = "_" + suggestion
        raise ValueError(f"{value!r} is not a lowercase identifier ([a-z_][a-z0-9_]*); try {suggestion!r}")
    return value


def _s3(value: str) -> str:
    return check_s3_uri(value)


def _source_uri(value: str) -> str:
    if is_remote(value):
        return check_remote_uri(value)
    if "://" in value and not value.startswith("s3://"):
        raise ValueError(f"{value!r}: source.uri is s3://bucket/key, https://host/path or sftp://[user@]host/path")
    return check_s3_uri(value, allow_placeholders=True)


def _hook(value: str) -> str:
    if not _HOOK.match(value):
        raise ValueError(f"{value!r} is not in module:function form, e.g. 'examples.hooks.sessions:add_sessions'")
    return value


Identifier = Annotated[
    str,
    AfterValidator(_identifier),
    WithJsonSchema({"type": "string", "pattern": IDENTIFIER_PATTERN, "maxLength": 255}),
]
S3Uri = Annotated[
    str, AfterValidator(_s3), WithJsonSchema({"type": "string", "pattern": r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"})
]
SourceUriTemplate = Annotated[
    str,
    AfterValidator(_source_uri),
    WithJsonSchema({"type": "string", "pattern": r"^(s3|https|sftp)://.+$",
                    "description": "may contain {date} {year} {month} {day} {hour}"}),
]
HookRef = Annotated[str, AfterValidator(_hook), WithJsonSchema({"type": "string", "pattern": _HOOK.pattern})]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class CsvOptions(_Model):
    """How CSV sources are parsed. Every field is read as text and cast by the column's type."""

    header: bool = True
    """The first line holds column names. Without a header, columns are matched by position."""
    delimiter: str = Field(",", min_length=1, max_length=1)
    """Field separator, one ASCII character other than a line end."""
    quote: str = Field('"', min_length=1, max_length=1)
    """Quote character, one ASCII character other than a line end and the delimiter; a doubled quote inside a
    quoted field is a literal quote."""
    null_values: list[str] = Field(default_factory=lambda: [""])
    """Field values that mean NULL, compared exactly (before trimming)."""
    encoding: Literal["utf-8", "utf-8-sig", "latin-1", "cp1252"] = "utf-8"
    """Text encoding. A UTF-8 byte-order mark at the start of an object is skipped with utf-8 and utf-8-sig;
    with latin-1 and cp1252 its three bytes are text, as any other."""

    @field_validator("delimiter", "quote")
    @classmethod
    def _one_ascii_character(cls, value: str) -> str:
        # Both engines cut lines and fields on single bytes: a character that is more than one byte in the
        # object (any non-ASCII one in UTF-8), or a line end, cannot be a delimiter or a quote.
        if not value.isascii() or value in "\r\n":
            raise ValueError(f"{value!r} must be one ASCII character other than a line end")
        return value

    @model_validator(mode="after")
    def _delimiter_is_not_quote(self) -> CsvOptions:
        if self.delimiter == self.quote:
            raise ValueError(f"delimiter and quote are both {self.quote!r}; they must differ")
        return self


class Source(_Model):
    """Where the raw data comes from."""

    uri: SourceUriTemplate
    """Prefix (ending in /) or object, s3://bucket/key; or a remote directory (ending in /) or file,
    https://host/path or sftp://[user@]host[:port]/path, copied into S3 by the download stage before Plan
    (source.download, docs/sources.md). {date} {year} {month} {day} {hour} expand from the run window."""
    format: Literal["csv", "jsonl", "parquet"]
    """File format of every object under the URI."""
    compression: Literal["auto", "none", "gzip", "zstd", "bz2"] = "auto"
    """Compression; auto takes it from the object name's suffix, and from the object's first bytes only when
    the name says nothing (orchestration/core/compression.py)."""
    pattern: str | None = None
    """Optional glob on object names (the part after the last /), e.g. '*.csv.gz'."""
    csv: CsvOptions = Field(default_factory=CsvOptions)
    """CSV parsing options (format: csv only)."""
    download: Download | None = None
    """How an https:// or sftp:// source is listed, authenticated and copied into the raw bucket (required
    for those, not allowed for s3://)."""

    @property
    def remote(self) -> bool:
        """The source is an https:// or sftp:// location, copied into S3 before Plan."""
        return is_remote(self.uri)

    @property
    def s3_uri(self) -> str:
        """The S3 URI template Plan and commit read: ``uri`` itself, or where the download stage lands a
        remote source's files (``orchestration.core.spec.remote``)."""
        if not self.remote:
            return self.uri
        if self.download is None:
            raise ValueError(f"source.uri {self.uri} is remote but source.download is missing; add "
                             "source.download.landing: s3://raw-bucket/prefix/")
        return landed_template(self.uri, self.download.landing)


class Column(_Model):
    """One target column, in the order the table has them."""

    name: Identifier
    """Target column name."""
    type: str
    """string, boolean, int, bigint, double, float, decimal(p,s), date or timestamp."""
    nullable: bool = True
    """When false, a row with NULL here goes to quarantine (rule not_null:NAME)."""
    source: str | None = None
    """Source column (CSV header / JSON key / Parquet field); defaults to name."""
    format: str | None = None
    """Spark datetime pattern for date/timestamp text, e.g. 'yyyy-MM-dd HH:mm:ss'; ISO 8601 when unset."""
    checks: list[str] = Field(default_factory=list)
    """Spark SQL boolean expressions every row must satisfy (rule check:EXPR); NULL counts as passing."""
    allowed: list[str | int | float | bool] | None = None
    """The only values allowed in this column (rule allowed:NAME); NULL is allowed unless not nullable."""
    description: str | None = None
    """Column comment, carried into the catalog."""

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        return str(parse_type(value))

    @property
    def column_type(self) -> ColumnType:
        return parse_type(self.type)

    @property
    def source_name(self) -> str:
        return self.source if self.source is not None else self.name


class Derived(_Model):
    """A derived column written out in full: its expression and the type its values are stored as."""

    expr: str
    """Spark SQL expression over the spec's columns and the derived columns before this one."""
    type: str | None = None
    """The column's type in the table and in every Parquet file: string, boolean, int, bigint, double,
    float, decimal(p,s), date, timestamp or array<T>. Both engines cast the expression's value to it
    (a value that does not fit becomes NULL, as Spark's CAST does). Needed when Lockgate cannot infer the
    type for certain (decimal arithmetic, functions it does not know); `lockgate validate` says so."""

    @field_validator("type")
    @classmethod
    def _type(cls, value: str | None) -> str | None:
        return None if value is None else parse_derive_type(value)


class Dedupe(_Model):
    """Keep one row per key over the whole run."""

    keys: list[Identifier] = Field(min_length=1)
    """Columns (target or derived) that identify a row."""
    order_by: str | None = None
    """Spark SQL ORDER BY list choosing the row to keep (the first); ties keep the earliest source
    file and record."""


class Quality(_Model):
    """Thresholds checked before anything is published; a run that breaks one publishes nothing."""

    max_reject_ratio: float = Field(0.05, ge=0.0, le=1.0)
    """Largest allowed rows_rejected / rows_in."""
    min_rows: int = Field(0, ge=0)
    """Fewest rows that must be written. Also applies to a window with no source objects at all: such a
    run fails at plan (and notifies) unless allow_empty is true."""
    allow_empty: bool = False
    """A window without any source object is expected: the run succeeds with nothing published even when
    min_rows is above 0."""


class Target(_Model):
    """Where the validated data lands."""

    database: Identifier
    """Glue Data Catalog database (Athena schema)."""
    table: Identifier
    """Table name."""
    location: S3Uri
    """Table location, s3://bucket/prefix/."""
    partition_by: list[Identifier] = Field(default_factory=list)
    """Hive partition columns (target or derived), in directory order."""
    mode: Literal["replace_window", "overwrite_partitions", "append", "overwrite"] = "replace_window"
    """replace_window replaces the rows read from the run window's source objects, wherever they landed,
    and keeps every other row; overwrite_partitions does the same but refuses a run whose partitions also
    hold rows of another window; append adds rows (a re-run adds them again); overwrite replaces the
    whole table with the run's rows. See docs/semantics.md section 7."""
    quarantine: S3Uri | None = None
    """Where rejected rows go; defaults to the location with a _quarantine suffix."""
    compression: Literal["snappy", "zstd", "gzip"] = "snappy"
    """Parquet compression codec."""

    @property
    def quarantine_uri(self) -> str:
        return self.quarantine or self.location.rstrip("/") + "_quarantine/"


class LambdaSettings(_Model):
    """Settings of the process-batch Lambda function."""

    memory_mb: int = Field(1769, ge=128, le=10240)
    """Memory in MB (128..10240); 1769 MB is one full vCPU."""
    timeout_s: int = Field(900, ge=1, le=900)
    """Timeout in seconds (1..900)."""
    max_concurrency: int = Field(20, ge=1, le=10000)
    """Most batches processed at once."""


class GlueSettings(_Model):
    """Settings of the Glue job run."""

    version: Literal["5.0", "5.1"] = "5.0"
    """Glue version (5.x: Spark 3.5, Python 3.11)."""
    worker_type: Literal["G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X"] = "G.1X"
    """Glue worker type."""
    workers: int = Field(10, ge=2, le=1000)
    """Maximum number of workers (at least 2); each run takes as many as its read tasks can use."""
    timeout_minutes: int = Field(120, ge=1, le=10080)
    """Job run timeout in minutes."""
    flex: bool = False
    """Backfill runs may use the Flex execution class (spare capacity, cheaper, may start later; G.1X/G.2X)."""


class Routing(_Model):
    """How each run picks its engine."""

    engine: Literal["auto", "lambda", "glue"] = "auto"
    """auto lets the router decide per run; lambda or glue forces one."""
    lambda_: LambdaSettings = Field(default_factory=LambdaSettings, alias="lambda")
    """Lambda route settings."""
    glue: GlueSettings = Field(default_factory=GlueSettings)
    """Glue route settings."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True)


class Hooks(_Model):
    """Custom transformation code, applied after derive/filter and before dedupe."""

    arrow: HookRef | None = None
    """'pkg.mod:fn' taking and returning a pyarrow.Table (Lambda engine)."""
    spark: HookRef | None = None
    """'pkg.mod:fn' taking and returning a Spark DataFrame (Glue engine)."""

    @property
    def spark_only(self) -> bool:
        return self.spark is not None and self.arrow is None


class Crawler(_Model):
    """When the Glue crawler runs after a successful publish."""

    run: Literal["always", "on_schema_change", "never"] = "always"
    """always; on_schema_change (new partitions are registered directly); never (partitions registered
    directly, schema managed elsewhere)."""


class Schedule(_Model):
    """EventBridge Scheduler schedule."""

    expression: str
    """cron(...), rate(...) or at(...) as EventBridge Scheduler accepts them."""
    timezone: str = "UTC"
    """IANA time zone of the expression and of the window policy."""
    window: Literal["previous_day", "previous_hour", "current_day", "none"] = "previous_day"
    """Which window a scheduled run loads, relative to its start time."""

    @field_validator("expression")
    @classmethod
    def _expression(cls, value: str) -> str:
        return check_schedule_expression(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin' or 'UTC'") from None
        return value


class Notifications(_Model):
    """SNS notifications."""

    on_failure: bool = True
    """Publish when a run fails (import, run id, failed state, error, cause)."""
    on_success: bool = False
    """Publish a summary when a run succeeds."""


class Spec(_Model):
    """One import."""

    name: Identifier
    """Import name; names the state machine, functions and job."""
    description: str | None = None
    """What this import is for."""
    source: Source
    """Where the raw data comes from."""
    columns: list[Column] = Field(min_length=1)
    """Target schema, in order."""
    derive: dict[Identifier, str | Derived] = Field(default_factory=dict)
    """New columns from Spark SQL expressions, evaluated in order (later ones may use earlier ones):
    `name: "expr"`, or `name: {expr: "expr", type: "decimal(10,1)"}` to fix the column's type where
    Lockgate cannot infer it for certain (docs/semantics.md section 4)."""
    filter: str | None = None
    """Spark SQL condition; rows where it is not true are dropped and counted (rows_filtered)."""
    dedupe: Dedupe | None = None
    """Keep one row per key across the whole run."""
    quality: Quality = Field(default_factory=Quality)
    """Thresholds checked before publishing."""
    target: Target
    """Where the data lands."""
    routing: Routing = Field(default_factory=Routing)
    """Engine choice and engine settings."""
    hooks: Hooks = Field(default_factory=Hooks)
    """Optional custom code."""
    crawler: Crawler = Field(default_factory=Crawler)
    """Glue crawler policy."""
    schedule: Schedule | None = None
    """Run on a schedule; omit for manual imports."""
    notifications: Notifications = Field(default_factory=Notifications)
    """SNS notifications."""

    @property
    def spark_dependent(self) -> bool:
        """A spec whose only hook is ``spark`` can only run on Glue."""
        return self.hooks.spark_only

    @property
    def output_columns(self) -> list[str]:
        """Target then derived columns (without metadata columns)."""
        return [c.name for c in self.columns] + list(self.derive)

    @property
    def derive_expressions(self) -> dict[str, str]:
        """Each derived column's Spark SQL expression, in spec order (short and full forms alike)."""
        return {k: v if isinstance(v, str) else v.expr for k, v in self.derive.items()}

    @property
    def declared_derive_types(self) -> dict[str, str]:
        """The derived columns whose spec declares a type, with that type."""
        return {k: v.type for k, v in self.derive.items() if not isinstance(v, str) and v.type is not None}

    def canonical(self) -> dict[str, object]:
        """The canonical JSON form (aliases such as ``routing.lambda``), shipped to the engines."""
        return self.model_dump(mode="json", by_alias=True)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)
