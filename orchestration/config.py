"""Project configuration: ``lockgate.yaml`` at the project root.

```yaml
imports: examples/imports          # directory of spec files
local: {lake: .lake}               # s3://BUCKET/KEY maps to .lake/BUCKET/KEY
aws: {region: eu-central-1, prefix: lockgate, control_uri: s3://lockgate-control/}
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError
from .router.config import RoutingConfig
from .spec import Spec, SpecInvalid, load_spec
from .spec.loader import read_yaml

__all__ = ["ProjectConfig", "Project", "LocalConfig", "AwsConfig", "CONFIG_FILE"]

CONFIG_FILE = "lockgate.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class LocalConfig(_Model):
    """The local runtime."""

    lake: str = ".lake"
    """Directory standing in for S3: s3://BUCKET/KEY is LAKE/BUCKET/KEY. Relative to the project."""


class AthenaConfig(_Model):
    """Athena settings for `lockgate query` on AWS."""

    workgroup: str = "primary"
    """Athena workgroup."""
    output: str | None = None
    """Query result location, s3://...; the workgroup's enforced location wins when set."""


class AwsConfig(_Model):
    """Where the deployed system lives."""

    region: str = "eu-central-1"
    """AWS region."""
    prefix: str = Field("lockgate", pattern=r"^[a-z][a-z0-9-]{0,30}$")
    """Name prefix of every resource."""
    control_uri: str = "s3://lockgate-control/"
    """Control location: manifests, staging, run records, specs."""
    athena: AthenaConfig = Field(default_factory=AthenaConfig)
    """Athena settings."""


class ProjectConfig(_Model):
    """Contents of lockgate.yaml."""

    imports: str = "imports"
    """Directory of import spec files (*.yaml, *.yml), relative to the project."""
    local: LocalConfig = Field(default_factory=LocalConfig)
    """Local runtime settings."""
    aws: AwsConfig = Field(default_factory=AwsConfig)
    """AWS settings."""
    routing: RoutingConfig = Field(default_factory=RoutingConfig)
    """Router tuning: throughput model and prices (see docs/routing.md)."""


@dataclass(frozen=True)
class Project:
    """A Lockgate project: its root, configuration and import specs."""

    root: Path
    config: ProjectConfig

    @classmethod
    def load(cls, root: str | Path | None = None) -> Project:
        """Load the project at ``root`` (default: the nearest directory upwards with lockgate.yaml)."""
        base = Path(root) if root is not None else _find_root(Path.cwd())
        path = base / CONFIG_FILE
        if not path.is_file():
            raise ConfigError(f"no {CONFIG_FILE} in {base}; create one or pass --project DIR")
        try:
            data = read_yaml(path) or {}
        except SpecInvalid as e:
            raise ConfigError(str(e)) from None
        try:
            return cls(base.resolve(), ProjectConfig.model_validate(data))
        except ValidationError as e:
            first = e.errors()[0]
            loc = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"{first['msg']}", where=f"{path}: {loc}") from None

    @property
    def imports_dir(self) -> Path:
        return self.root / self.config.imports

    @property
    def lake(self) -> Path:
        return (self.root / self.config.local.lake).resolve()

    def spec_files(self) -> list[Path]:
        d = self.imports_dir
        if not d.is_dir():
            raise ConfigError(f"imports directory {d} does not exist", where=f"{self.root / CONFIG_FILE}: imports")
        return sorted([*d.glob("*.yaml"), *d.glob("*.yml")])

    def specs(self) -> dict[str, Spec]:
        """Every import by name; raises SpecInvalid on the first invalid file."""
        out: dict[str, Spec] = {}
        for f in self.spec_files():
            spec = load_spec(f)
            if spec.name in out:
                raise ConfigError(f"import {spec.name!r} is declared twice", where=str(f))
            out[spec.name] = spec
        return out

    def spec(self, name: str) -> Spec:
        """One import by name (or by path to its file)."""
        p = Path(name)
        if p.suffix in (".yaml", ".yml") and p.is_file():
            return load_spec(p)
        specs = self.specs()
        if name not in specs:
            raise ConfigError(f"no import named {name!r}; known: {', '.join(sorted(specs)) or 'none'}")
        return specs[name]


def _find_root(start: Path) -> Path:
    for d in [start, *start.parents]:
        if (d / CONFIG_FILE).is_file():
            return d
    return start
