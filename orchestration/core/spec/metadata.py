"""The metadata columns the engines add to every output and quarantine row: one definition for the
engines, the catalog shapes and the spec checks (their names are reserved in specs)."""

from __future__ import annotations

__all__ = ["METADATA_SCHEMA", "QUARANTINE_SCHEMA", "METADATA_COLUMNS", "QUARANTINE_COLUMNS", "RESERVED_COLUMNS"]

METADATA_SCHEMA: tuple[tuple[str, str], ...] = (
    ("_source_file", "string"), ("_record", "bigint"), ("_run_id", "string"), ("_ingested_at", "timestamp"),
)
"""(name, Glue type) appended to every output row, in this order, after the spec's and derived columns."""
QUARANTINE_SCHEMA: tuple[tuple[str, str], ...] = (
    ("_source_file", "string"), ("_record", "bigint"), ("_run_id", "string"), ("_errors", "array<string>"),
)
"""(name, Glue type) following the source columns (all text) in every quarantine row."""
METADATA_COLUMNS: tuple[str, ...] = tuple(n for n, _ in METADATA_SCHEMA)
QUARANTINE_COLUMNS: tuple[str, ...] = tuple(n for n, _ in QUARANTINE_SCHEMA)
RESERVED_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(METADATA_COLUMNS + QUARANTINE_COLUMNS))
"""Names no spec column (target, source or derived) may use: the engines fill them, so the data cannot."""
