"""``lockgate init``: a new project with one example import, a tiny sample file and the commands that
take it from nothing to a queried table on this machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from orchestration.core.errors import UsageError

from .config import CONFIG_FILE

__all__ = ["Scaffold", "scaffold_project", "EXAMPLE_IMPORT", "SAMPLE_DATE"]

EXAMPLE_IMPORT = "orders"
SAMPLE_DATE = "2024-01-01"
SAMPLE_FILE = f"data/orders-{SAMPLE_DATE}.csv"

_CONFIG = """\
# Lockgate project configuration; see docs/getting-started.md.
imports: imports                   # directory of import specs (*.yaml)
local:
  lake: .lake                      # s3://BUCKET/KEY is .lake/BUCKET/KEY in local runs
aws:
  region: eu-central-1
  prefix: lockgate                 # every deployed resource's name starts with this
  control_uri: s3://my-lockgate-control/   # manifests, staging and run records on AWS
"""

_SPEC = """\
# An example import made by `lockgate init`; every field is in docs/spec-reference.md
# (`lockgate schema` prints the JSON Schema for editor completion).
name: orders
description: Daily order exports (example)
source:
  uri: s3://my-raw/orders/{date}/          # {date} comes from the run window
  format: csv
  pattern: "*.csv"
columns:
  - {name: order_id, type: bigint, nullable: false}
  - {name: customer, type: string}
  - {name: amount, type: "decimal(10,2)", checks: ["amount >= 0"]}
  - {name: currency, type: string, allowed: [EUR, USD]}
  - {name: ordered_at, type: timestamp}
derive:
  order_date: "CAST(ordered_at AS DATE)"
dedupe: {keys: [order_id], order_by: "ordered_at DESC"}
quality: {max_reject_ratio: 0.5}            # the sample has one bad row in six on purpose
target:
  database: shop
  table: orders
  location: s3://my-lake/shop/orders/
  partition_by: [order_date]
"""

# One row breaks a check (negative amount) and goes to quarantine; order 3 appears twice (dedupe).
_SAMPLE = """\
order_id,customer,amount,currency,ordered_at
1,alice,19.90,EUR,2024-01-01 08:15:00
2,bob,5.00,USD,2024-01-01 09:30:00
3,carol,42.00,EUR,2024-01-01 10:00:00
3,carol,42.50,EUR,2024-01-01 10:05:00
4,dave,-7.00,EUR,2024-01-01 11:45:00
5,erin,12.25,USD,2024-01-01 12:00:00
"""

_GITIGNORE = """\
# Lockgate: the local lake (runs, tables, quarantine) and rendered output
.lake/
build/
"""

FILES: dict[str, str] = {
    CONFIG_FILE: _CONFIG,
    f"imports/{EXAMPLE_IMPORT}.yaml": _SPEC,
    SAMPLE_FILE: _SAMPLE,
    ".gitignore": _GITIGNORE,
}

NEXT_COMMANDS: list[str] = [
    "lockgate validate",
    f"lockgate lake put {EXAMPLE_IMPORT} {SAMPLE_FILE} --window {SAMPLE_DATE}",
    f"lockgate run {EXAMPLE_IMPORT} --local --window {SAMPLE_DATE}",
    f'lockgate query "SELECT order_date, count(*) AS orders FROM shop.{EXAMPLE_IMPORT} GROUP BY 1" --local',
]


@dataclass(frozen=True)
class Scaffold:
    """What ``lockgate init`` made: the project directory, the files written and the commands to run next
    (from inside the project directory)."""

    project: Path
    files: list[Path]
    next_commands: list[str]


def scaffold_project(directory: Path) -> Scaffold:
    """Write a new project into ``directory`` (created when missing); never overwrites a file."""
    if (directory / CONFIG_FILE).exists():
        raise UsageError(f"{directory / CONFIG_FILE} already exists; this is a project already "
                         "(lockgate validate checks it), or choose another DIR")
    clashes = [rel for rel in FILES if rel != ".gitignore" and (directory / rel).exists()]
    if clashes:
        raise UsageError(f"{', '.join(clashes)} already exist(s) in {directory}; lockgate init never overwrites "
                         "files: choose an empty or new DIR")
    written = []
    for rel, text in FILES.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel == ".gitignore" and path.exists():  # add our lines to the one a repository already has
            have = path.read_text(encoding="utf-8")
            text = "".join(f"{line}\n" for line in text.splitlines() if line not in have.splitlines())
            path.write_text(have + ("" if have.endswith("\n") or not have else "\n") + text, encoding="utf-8")
        else:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return Scaffold(directory, written, list(NEXT_COMMANDS))
