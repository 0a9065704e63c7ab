"""Put local files into the local lake where an import's ``source.uri`` expects them for a window, so a
following ``lockgate run IMPORT --local --window ...`` of that window reads them."""

from __future__ import annotations

import fnmatch
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.core.errors import UsageError
from orchestration.core.spec import Spec
from orchestration.core.spec.window import Window, expand_source_uris
from orchestration.core.storage import LocalLake

__all__ = ["PutObject", "source_location", "put_files"]


@dataclass(frozen=True)
class PutObject:
    """One file copied into the lake."""

    file: str
    uri: str
    path: str
    bytes: int


def source_location(spec: Spec, window: Window | None) -> str:
    """The one source location (prefix or object URI) that a run of ``window`` reads."""
    tz = spec.schedule.timezone if spec.schedule else "UTC"
    try:
        uris = expand_source_uris(spec.source.s3_uri, window, tz)
    except ValueError:
        raise UsageError(f"{spec.name}'s source.uri {spec.source.uri} has placeholders; pass --window to say "
                         "which, e.g. --window 2024-03-01", where="--window") from None
    if len(uris) != 1:
        raise UsageError(f"window {window} covers {len(uris)} source locations of {spec.source.uri} "
                         f"({uris[0]} ... {uris[-1]}); put the files of one location at a time, e.g. "
                         f"--window {window.start.date().isoformat() if window else ''}", where="--window")
    return uris[0]


def _destinations(spec: Spec, location: str, files: list[Path]) -> list[str]:
    if not location.endswith("/"):  # source.uri names one object
        if len(files) != 1:
            raise UsageError(f"{spec.name}'s source.uri names one object ({location}); put exactly one file, "
                             f"not {len(files)}")
        return [location]
    pattern = spec.source.pattern
    for f in files:
        if pattern and not fnmatch.fnmatchcase(f.name, pattern):
            raise UsageError(f"{f.name} does not match {spec.name}'s source.pattern {pattern!r}, so a run would "
                             "not read it; rename the file to match")
    names = [f.name for f in files]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"two files are named {twice[0]}; they would land on the same object")
    return [location + f.name for f in files]


def put_files(lake: Path, spec: Spec, files: list[Path], window: Window | None) -> list[PutObject]:
    """Copy ``files`` to the location ``spec`` reads for ``window`` (replacing objects of the same name)."""
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    location = source_location(spec, window)
    store = LocalLake(lake)
    out: list[PutObject] = []
    for f, uri in zip(files, _destinations(spec, location, files), strict=True):
        with f.open("rb") as src, store.open_output(uri) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        out.append(PutObject(str(f), uri, str(store.path(uri)), f.stat().st_size))
    return out
