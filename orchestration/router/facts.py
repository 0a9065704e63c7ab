"""What the router decides from: the objects plan found, and words for people."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

__all__ = ["ObjectFacts", "PlanFacts", "format_label", "human_bytes", "human_seconds"]


@dataclass(frozen=True, slots=True)
class ObjectFacts:
    """One source object: stored size, compression and whether a reader could split it."""

    size: int
    compression: str = "none"
    splittable: bool = True
    uri: str = ""
    """Where the object is, for reasons that name it (empty in synthetic facts)."""


@dataclass(frozen=True)
class PlanFacts:
    """Everything the router needs to know about a run's input."""

    format: str
    objects: Sequence[ObjectFacts]
    where: str = "the source"
    """What was listed (URIs and pattern), for the reason when nothing is found."""
    total_bytes: int = field(init=False)
    largest: ObjectFacts | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total_bytes", sum(o.size for o in self.objects))
        object.__setattr__(self, "largest", max(self.objects, key=lambda o: o.size, default=None))

    @property
    def count(self) -> int:
        return len(self.objects)

    @property
    def largest_bytes(self) -> int:
        return self.largest.size if self.largest else 0

    @property
    def compressions(self) -> list[str]:
        return sorted({o.compression for o in self.objects})


_FORMAT_NAMES = {"csv": "CSV", "jsonl": "JSON Lines", "parquet": "Parquet"}


def format_label(fmt: str, compression: str) -> str:
    """``gzip CSV``, ``JSON Lines``, ``Parquet``."""
    name = _FORMAT_NAMES.get(fmt, fmt)
    return name if compression == "none" or fmt == "parquet" else f"{compression} {name}"


def human_bytes(n: float) -> str:
    """``3.2 GB``, ``80 MB``, ``512 B`` (binary units, as AWS sizes Lambda memory)."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{int(n)} B"


def human_seconds(s: float) -> str:
    """``~8 s``, ``~21 min``, ``~1.5 h``."""
    if s < 90:
        return f"~{max(s, 0):.0f} s" if s >= 1 else f"~{max(s, 0):.1f} s"
    if s < 5400:
        return f"~{s / 60:.0f} min"
    return f"~{s / 3600:.1f} h"
