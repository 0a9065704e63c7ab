"""``lockgate render --terraform DIR``: a Terraform root module for a project that lives outside this
repository.

DIR gets the modules Lockgate ships (``modules/``), the example environment's files with their module
sources pointing there, and ``lockgate.auto.tfvars.json`` with the render and package folders (relative
to DIR, so the folder can be committed). The user's own settings (buckets, subscriptions, ...) go into
``terraform.tfvars``, which is never overwritten. The Terraform comes from this checkout's ``terraform/``
or, for an installed package, from ``<prefix>/share/lockgate/terraform`` (pyproject's data-files).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from orchestration.core.errors import ConfigError

__all__ = ["terraform_source", "write_root", "ENVIRONMENT_FILES", "TFVARS"]

ENVIRONMENT_FILES = ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "terraform.tfvars.example")
TFVARS = "lockgate.auto.tfvars.json"
_CHECKOUT = Path(__file__).resolve().parents[1] / "terraform"


def terraform_source(candidates: tuple[Path, ...] | None = None) -> Path:
    """The folder holding ``modules/`` and ``environments/example/``."""
    for root in candidates or (_CHECKOUT, Path(sys.prefix) / "share" / "lockgate" / "terraform"):
        if (root / "modules").is_dir() and (root / "environments" / "example" / "main.tf").is_file():
            return root
    raise ConfigError("the Terraform modules Lockgate ships were not found (a checkout's terraform/ or "
                      f"{Path(sys.prefix) / 'share' / 'lockgate' / 'terraform'}); reinstall lockgate",
                      where="lockgate render --terraform")


def write_root(out: Path, render_dir: Path, package_dir: Path, source: Path | None = None) -> list[Path]:
    """Write the root module into ``out``; the files written."""
    src = source or terraform_source()
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    modules = out / "modules"
    if modules.exists():
        shutil.rmtree(modules)
    shutil.copytree(src / "modules", modules, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    written += sorted(p for p in modules.rglob("*") if p.is_file())
    for name in ENVIRONMENT_FILES:
        text = (src / "environments" / "example" / name).read_text()
        target = out / name
        target.write_text(text.replace('"../../modules/', '"./modules/'))
        written.append(target)
    rel = {"render_dir": os.path.relpath(render_dir.resolve(), out.resolve()),
           "package_dir": os.path.relpath(package_dir.resolve(), out.resolve())}
    (out / TFVARS).write_text(json.dumps(rel, indent=2) + "\n")
    written.append(out / TFVARS)
    return written
