"""Rules both engines apply to a Parquet object's own columns before reading any row."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["column_names_problem"]


def column_names_problem(names: Sequence[str]) -> str | None:
    """Why the top-level column names of a Parquet object cannot be read by column name, or None. Spark
    matches Parquet columns without regard to case (as Athena and the Glue catalog do), so two names that
    differ only in case are one column to them: the Glue engine cannot read the object at all, and the
    Lambda engine refuses it too, so both routes treat the object alike."""
    seen: dict[str, str] = {}
    for name in names:
        other = seen.get(name.lower())
        if other == name:
            return f"column {name!r} appears twice; each column of a Parquet object needs its own name"
        if other is not None:
            return (f"columns {other!r} and {name!r} differ only in case, which Spark, Athena and the Glue "
                    "catalog cannot tell apart; rename one upstream")
        seen[name.lower()] = name
    return None
