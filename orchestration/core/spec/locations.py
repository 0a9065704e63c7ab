"""Which S3 locations an import reads and writes, and which of them must never overlap (ADR 0009).

A target location is replaced by its import's commits, so nothing else may live under it: not another
import's table, quarantine or source, not its own source (a table equal to its own Parquet source would
delete the raw files) and not its own quarantine (Athena reads every file under a table location, so
rejected rows would be read as table rows). Two locations overlap when one is the other or lies inside it,
compared by whole path segments (``s3://b/orders/`` and ``s3://b/orders_quarantine/`` do not overlap). A
quarantine in a hidden folder of its table (``.../orders/_quarantine/``) is allowed: every reader skips it.
"""

from __future__ import annotations

from collections.abc import Mapping

from .models import Spec
from .problems import Problem

__all__ = ["overlaps", "source_prefix", "own_location_problems", "cross_import_problems"]


def _dir(uri: str) -> str:
    return uri.rstrip("/") + "/"


def source_prefix(uri: str) -> str:
    """The fixed part of a source URI: up to the last ``/`` before its first placeholder (or the whole URI)."""
    cut = uri.find("{")
    if cut < 0:
        return uri
    return uri[: uri.rfind("/", 0, cut) + 1]


def overlaps(a: str, b: str) -> bool:
    """One location is the other or lies inside it (whole path segments)."""
    da, db = _dir(a), _dir(b)
    return da.startswith(db) or db.startswith(da)


def hidden_inside(inner: str, outer: str) -> bool:
    """``inner`` lies in a hidden folder (``_x`` or ``.x``) of ``outer``, which Athena, Hive, the crawler's
    exclusions and commit all skip."""
    di, do = _dir(inner), _dir(outer)
    return di != do and di.startswith(do) and di[len(do):].startswith(("_", "."))


def own_location_problems(spec: Spec) -> list[Problem]:
    """An import's target against its own quarantine and source."""
    t = spec.target
    problems: list[Problem] = []
    source = source_prefix(spec.source.s3_uri)
    if overlaps(t.location, source):
        problems.append(Problem("target.location", f"the table location {t.location} overlaps this import's own "
                                f"source {spec.source.s3_uri}; a commit replaces files under the location and would "
                                "delete raw files. Write the table to a location of its own"))
    q = t.quarantine_uri
    if overlaps(t.location, q) and not hidden_inside(q, t.location):
        problems.append(Problem("target.quarantine", f"the quarantine {q} overlaps the table location "
                                f"{t.location}; Athena reads every file under a table location, so rejected rows "
                                "would be read as table rows. Put the quarantine outside the table, e.g. "
                                f"{t.location.rstrip('/')}_quarantine/, or in a hidden folder of it "
                                f"({t.location.rstrip('/')}/_quarantine/)"))
    elif overlaps(q, source):
        problems.append(Problem("target.quarantine", f"the quarantine {q} overlaps this import's own source "
                                f"{spec.source.s3_uri}; rejected rows would be read back as input. Move it"))
    return problems


def cross_import_problems(specs: Mapping[str, Spec]) -> list[tuple[str, Problem]]:
    """``(import, problem)`` for every target or quarantine overlapping another import's target, quarantine
    or source; each problem names both imports."""
    out: list[tuple[str, Problem]] = []
    names = sorted(specs)
    for name in names:
        spec = specs[name]
        mine = {"target.location": spec.target.location, "target.quarantine": spec.target.quarantine_uri}
        for other in names:
            if other == name:
                continue
            o = specs[other]
            theirs = {"target.location": o.target.location, "target.quarantine": o.target.quarantine_uri,
                      "source.uri": source_prefix(o.source.s3_uri)}
            for field, uri in mine.items():
                for their_field, their_uri in theirs.items():
                    if overlaps(uri, their_uri):
                        out.append((name, Problem(field, f"{uri} overlaps import {other!r}'s {their_field} "
                                                  f"{their_uri}; imports {name!r} and {other!r} would replace or "
                                                  "read each other's files. Give each import locations of its own")))
    return out
