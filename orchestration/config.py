"""Project configuration: ``lockgate.yaml`` at the project root.

```yaml
imports: examples/imports          # directory of spec files
local: {lake: .lake}               # s3://BUCKET/KEY maps to .lake/BUCKET/KEY
aws: {region: eu-central-1, prefix: lockgate, control_uri: s3://lockgate-control/}
limits: {max_window_days: 3653}    # longest --window (default ten years)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from orchestration.core.errors import ConfigError, UsageError
from orchestration.core.spec import Problem, Spec, SpecInvalid, load_spec
from orchestration.core.spec.lines import with_lines
from orchestration.core.spec.loader import read_yaml
from orchestration.core.spec.problems import did_you_mean
from orchestration.core.spec.window import DEFAULT_MAX_WINDOW_DAYS

from .router.config import RoutingConfig

__all__ = ["ProjectConfig", "Project", "SpecSet", "LocalConfig", "AwsConfig", "LimitsConfig", "CONFIG_FILE"]

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


class LimitsConfig(_Model):
    """Bounds on what commands accept (docs/security.md)."""

    max_window_days: int = Field(DEFAULT_MAX_WINDOW_DAYS, ge=1, le=36_525)
    """Longest --window a plan, run, backfill or lake put may name, in days (default ten years)."""


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
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    """Input bounds: the longest window (see docs/security.md)."""


@dataclass(frozen=True)
class SpecSet:
    """Every spec file of a project: the valid imports by name, and the invalid files with their problems.
    An invalid file blocks only the import it declares."""

    specs: dict[str, Spec]
    invalid: dict[Path, SpecInvalid]
    files: dict[str, Path]
    """The file of each valid import."""

    def declared_name(self, file: Path) -> str:
        """The import name an invalid file declares (its ``name:`` when readable, else the file stem)."""
        try:
            data = read_yaml(file)
        except SpecInvalid:
            return file.stem
        name = data.get("name") if isinstance(data, dict) else None
        return name if isinstance(name, str) and name else file.stem


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
            raise ConfigError(f"no {CONFIG_FILE} in {base}; start a project with `lockgate init`, or point at one with --project DIR or LOCKGATE_PROJECT")
        try:
            data = read_yaml(path) or {}
        except SpecInvalid as e:
            raise ConfigError(str(e)) from None
        try:
            return cls(base.resolve(), ProjectConfig.model_validate(data))
        except ValidationError as e:
            raise ConfigError(_config_problems(path, e)) from None

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

    def load_specs(self) -> SpecSet:
        """Every spec file, valid or not; a name declared by two files makes both invalid."""
        specs: dict[str, Spec] = {}
        files: dict[str, Path] = {}
        invalid: dict[Path, SpecInvalid] = {}
        for f in self.spec_files():
            try:
                spec = load_spec(f)
            except SpecInvalid as e:
                invalid[f] = e
                continue
            if spec.name in files:
                first = files[spec.name]
                invalid[f] = SpecInvalid(str(f), [Problem("name", f"import {spec.name!r} is already declared in "
                                                                  f"{first}; rename one of them")])
                invalid.setdefault(first, SpecInvalid(str(first), [Problem(
                    "name", f"import {spec.name!r} is declared again in {f}; rename one of them")]))
                specs.pop(spec.name, None)
                continue
            files[spec.name] = f
            specs[spec.name] = spec
        return SpecSet(specs, invalid, {n: f for n, f in files.items() if n in specs})

    def specs(self) -> dict[str, Spec]:
        """Every import by name, for commands that need all of them (render, deploy); raises the first
        invalid file's SpecInvalid."""
        found = self.load_specs()
        for error in found.invalid.values():
            raise error
        return found.specs

    def spec(self, name: str) -> Spec:
        """One import by name (or by path to its file). Other imports' invalid files do not matter; the
        import's own invalid file raises its SpecInvalid."""
        p = Path(name)
        if p.suffix in (".yaml", ".yml") and p.is_file():
            return load_spec(p)
        found = self.load_specs()
        if name in found.specs:
            return found.specs[name]
        for file, error in found.invalid.items():
            if found.declared_name(file) == name:
                raise error
        known = ", ".join(sorted(found.specs)) or "none"
        broken = (f"; {len(found.invalid)} spec file(s) are invalid ({', '.join(f.name for f in found.invalid)}): "
                  "run lockgate validate" if found.invalid else "")
        raise UsageError(f"no import named {name!r}; known: {known}{broken}")


def _config_problems(path: Path, error: ValidationError) -> str:
    """Every problem of lockgate.yaml at once, one ``FILE:LINE:COL: field: message`` line each."""
    problems = []
    for err in error.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(root)"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parent = ".".join(str(p) for p in err["loc"][:-1])
            msg = "unknown field" + did_you_mean(str(err["loc"][-1]), _config_fields(parent)) + \
                "; remove it or check its spelling"
        problems.append(Problem(field, msg))
    return "\n".join(p.render(str(path)) for p in with_lines(problems, path.read_text(encoding="utf-8")))


def _config_fields(parent: str) -> list[str]:
    model: type[BaseModel] = ProjectConfig
    for part in filter(None, parent.split(".")):
        annotation = model.model_fields[part].annotation if part in model.model_fields else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


def _find_root(start: Path) -> Path:
    for d in [start, *start.parents]:
        if (d / CONFIG_FILE).is_file():
            return d
    return start
