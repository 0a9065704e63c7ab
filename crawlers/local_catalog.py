"""``LocalCatalog``: the catalog port over JSON files in the lake, in Glue Data Catalog shapes.

Layout under ``<lake>/_catalog/``::

    <database>/_database.json                   {"Name", "CreateTime"}
    <database>/<table>/versions/<NNNNNNNN>.json  one Glue ``Table`` per version (VersionId 1, 2, ...)
    <database>/<table>/partitions.json           {"Partitions": [Glue ``Partition``, ...]}
    _crawlers/<name>.json                        crawler definitions (crawlers.service)

Writes are atomic (temp file + rename) and serialised per table with a file lock, so a crawl and a
commit registering partitions at the same time cannot lose each other's updates.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .catalog import Catalog, CatalogError

__all__ = ["LocalCatalog", "CATALOG_DIR", "write_json", "read_json"]

CATALOG_DIR = "_catalog"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (hidden temp file in the same directory, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True, default=str)
    os.replace(tmp, path)


def read_json(path: Path) -> Any:
    with open(path) as f:
        return json.load(f)


class LocalCatalog(Catalog):
    """Glue Data Catalog shapes stored under ``<lake>/_catalog``."""

    def __init__(self, lake: str | os.PathLike[str]) -> None:
        self.lake = Path(lake)
        self.root = self.lake / CATALOG_DIR

    # -- paths ---------------------------------------------------------------------------------------
    def _db(self, database: str) -> Path:
        return self.root / database

    def _table_dir(self, database: str, table: str) -> Path:
        return self.root / database / table

    def _versions(self, database: str, table: str) -> list[Path]:
        d = self._table_dir(database, table) / "versions"
        return sorted(d.glob("*.json")) if d.is_dir() else []

    @contextlib.contextmanager
    def _locked(self, database: str, table: str) -> Iterator[None]:
        d = self._table_dir(database, table)
        d.mkdir(parents=True, exist_ok=True)
        with open(d / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    # -- databases and tables -------------------------------------------------------------------------
    def ensure_database(self, database: str) -> None:
        marker = self._db(database) / "_database.json"
        if not marker.is_file():
            write_json(marker, {"Name": database, "CreateTime": _now()})

    def list_databases(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(d.name for d in self.root.iterdir() if (d / "_database.json").is_file())

    def list_tables(self, database: str) -> list[str]:
        d = self._db(database)
        if not d.is_dir():
            return []
        return sorted(t.name for t in d.iterdir() if t.is_dir() and self._versions(database, t.name))

    def get_table(self, database: str, table: str) -> dict[str, Any] | None:
        versions = self._versions(database, table)
        return dict(read_json(versions[-1])) if versions else None

    def _write_version(self, database: str, table_input: dict[str, Any], created: str | None) -> str:
        name = table_input["Name"]
        version = len(self._versions(database, name)) + 1
        now = _now()
        record = {**copy.deepcopy(table_input), "DatabaseName": database, "CreateTime": created or now,
                  "UpdateTime": now, "VersionId": str(version)}
        write_json(self._table_dir(database, name) / "versions" / f"{version:08d}.json", record)
        return str(version)

    def create_table(self, database: str, table_input: dict[str, Any]) -> None:
        name = table_input["Name"]
        self.ensure_database(database)
        with self._locked(database, name):
            if self._versions(database, name):
                raise CatalogError(f"table {database}.{name} already exists; update it instead",
                                   where=str(self._table_dir(database, name)))
            self._write_version(database, table_input, None)

    def update_table(self, database: str, table_input: dict[str, Any]) -> str:
        name = table_input["Name"]
        with self._locked(database, name):
            current = self.require_table(database, name)
            return self._write_version(database, table_input, current.get("CreateTime"))

    def get_table_versions(self, database: str, table: str) -> list[dict[str, Any]]:
        out = []
        for path in reversed(self._versions(database, table)):
            t = read_json(path)
            out.append({"VersionId": t["VersionId"], "Table": t})
        return out

    # -- partitions -----------------------------------------------------------------------------------
    def _partitions_file(self, database: str, table: str) -> Path:
        return self._table_dir(database, table) / "partitions.json"

    def get_partitions(self, database: str, table: str) -> list[dict[str, Any]]:
        path = self._partitions_file(database, table)
        return list(read_json(path)["Partitions"]) if path.is_file() else []

    def _add_partition_inputs(self, database: str, table: str, inputs: list[dict[str, Any]]) -> int:
        with self._locked(database, table):
            self.require_table(database, table)
            current = self.get_partitions(database, table)
            known = {tuple(p["Values"]) for p in current}
            now = _now()
            added = 0
            for p in inputs:
                key = tuple(p["Values"])
                if key in known:
                    continue
                known.add(key)
                current.append({**copy.deepcopy(p), "DatabaseName": database, "TableName": table,
                                "CreationTime": now, "LastAccessTime": now})
                added += 1
            if added:
                current.sort(key=lambda p: p["Values"])
                write_json(self._partitions_file(database, table), {"Partitions": current})
            return added

    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None:
        with self._locked(database, table):
            drop = {tuple(v) for v in values}
            kept = [p for p in self.get_partitions(database, table) if tuple(p["Values"]) not in drop]
            write_json(self._partitions_file(database, table), {"Partitions": kept})
