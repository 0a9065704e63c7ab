"""How each deployed piece of an import is wired: the one source for its runtime configuration.

``functions(spec, config)`` gives every Lambda function of the import its handler, memory, timeout,
ephemeral storage and environment; ``glue_job(spec)`` gives the Glue job's sizing. ``lockgate render``
writes both into ``terraform.json`` (``functions``, ``glue``), Terraform applies exactly that, and the
local runner starts the same handlers with the same settings and environment (plus what only a laptop
needs: the lake folder, the region). So a setting tuned in ``lockgate.yaml`` (``routing:``) reaches
the plan function on AWS the same way it does locally.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from orchestration.core.spec.models import Spec

from .config import ProjectConfig
from .planning import MAX_WINDOW_ENV, ROUTING_ENV

__all__ = ["FunctionWiring", "FUNCTION_KINDS", "functions", "glue_job", "PLAN_SIZING", "COMMIT_SIZING",
           "DEFAULT_EPHEMERAL_MB", "MAX_EPHEMERAL_MB"]

FUNCTION_KINDS = ("plan", "process_batch", "dedupe", "commit", "failure", "download_list", "download_file",
                  "download_finish")
# (memory MB, timeout s): plan lists and sizes objects; commit moves staged objects and updates the
# catalog; failure reads a few small records.
PLAN_SIZING = (512, 300)
COMMIT_SIZING = (1024, 900)
# download_file streams one file (or range) through parts of part_size_mb: a few parts' memory, the
# longest timeout (a range is sized for it); list and finish make small requests.
DOWNLOAD_SIZING = (1024, 900)
DEFAULT_EPHEMERAL_MB = 512  # Lambda's free /tmp
MAX_EPHEMERAL_MB = 10240


@dataclass(frozen=True, slots=True)
class FunctionWiring:
    kind: str
    handler: str
    memory_mb: int
    timeout_s: int
    ephemeral_storage_mb: int
    environment: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("kind")
        return out


def _spill_mb(memory_mb: int) -> int:
    """/tmp for a function that runs the engine: DuckDB spills to it (``temp_directory``) once its
    memory limit (half the function's memory) is reached, and a dedupe bucket may spill whole; twice the
    memory, within Lambda's 512-10,240 MB, covers both."""
    return max(DEFAULT_EPHEMERAL_MB, min(MAX_EPHEMERAL_MB, 2 * memory_mb))


def functions(spec: Spec, config: ProjectConfig) -> dict[str, FunctionWiring]:
    """Every function the import may use, by kind (``plan``, ``process_batch``, ...; the ``download_*``
    functions only for an https:// or sftp:// source)."""
    environment = {
        "LOCKGATE_CONTROL_URI": config.aws.control_uri,
        "LOCKGATE_IMPORT": spec.name,
        # Only what differs from the defaults, so the variable stays far under Lambda's 4 KB.
        ROUTING_ENV: config.routing.model_dump_json(exclude_defaults=True),
        MAX_WINDOW_ENV: str(config.limits.max_window_days),
    }
    engine = spec.routing.lambda_
    sizing = {
        "plan": (*PLAN_SIZING, DEFAULT_EPHEMERAL_MB),
        "process_batch": (engine.memory_mb, engine.timeout_s, _spill_mb(engine.memory_mb)),
        "dedupe": (engine.memory_mb, engine.timeout_s, _spill_mb(engine.memory_mb)),
        "commit": (*COMMIT_SIZING, DEFAULT_EPHEMERAL_MB),
        "failure": (*PLAN_SIZING, DEFAULT_EPHEMERAL_MB),
    }
    download = spec.source.download
    if spec.source.remote and download is not None:
        part_mb = download.part_size_mb
        sizing |= {
            "download_list": (*PLAN_SIZING, DEFAULT_EPHEMERAL_MB),
            "download_file": (max(DOWNLOAD_SIZING[0], min(10240, 4 * part_mb + 256)), DOWNLOAD_SIZING[1],
                              DEFAULT_EPHEMERAL_MB),
            "download_finish": (*PLAN_SIZING, DEFAULT_EPHEMERAL_MB),
        }
    return {kind: FunctionWiring(kind, f"lambdas.handlers.{kind}.handler", memory, timeout, tmp, dict(environment))
            for kind, (memory, timeout, tmp) in sizing.items()}


def glue_job(spec: Spec) -> dict[str, Any]:
    """The Glue job's own settings (a run may still pick its workers and Flex from its plan)."""
    return spec.routing.glue.model_dump(mode="json", exclude={"flex"})
