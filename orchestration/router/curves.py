"""The Lambda engine's measured capacity: stored MB/s at 1, 2, 4 and 6 vCPUs, per data shape and format.

A curve is a few points ``{vCPUs: MB/s}``; between points the rate is interpolated linearly, below the
lowest point it scales down with the vCPU share (half a vCPU gets half the CPU time), above the highest
it stays flat (no gain is assumed beyond what was measured or extrapolated). The default curves are in
``throughput.json`` next to this module, written by the calibration benchmark (``python -m benchmarks
calibrate``, benchmarks/calibrate.py): the one source of the router's default rates. Which points were
measured and which extrapolated, and how, is recorded in the same file (docs/routing.md).

Two data shapes: ``narrow`` (few columns, the orders data) and ``wide`` (many numeric columns, the
flight-log data). Per stored byte they differ most when compressed (wide numeric text compresses less).
Kept light (json and pathlib only): the plan Lambda imports it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal, cast

__all__ = ["Shape", "SHAPES", "FORMATS", "COMPRESSIONS", "KEYS", "DATA_FILE", "Curve", "interpolate",
           "throughput_key", "default_curves", "calibration_info", "parse_curve_key", "reload_defaults",
           "check_curve", "default_batch_setup_s", "curve_table"]

Shape = Literal["narrow", "wide"]
SHAPES: tuple[Shape, ...] = ("narrow", "wide")
FORMATS = ("csv", "jsonl", "parquet")
COMPRESSIONS = ("none", "gzip", "zstd", "bz2")
KEYS: tuple[str, ...] = tuple(f"{f}/{c}" for f in FORMATS for c in (COMPRESSIONS if f != "parquet" else ("none",)))
"""Every FORMAT/COMPRESSION the engine reads (Parquet compresses inside the file: only ``parquet/none``)."""
DATA_FILE = Path(__file__).with_name("throughput.json")
MAX_POINT_VCPUS = 64.0

Curve = dict[float, float]
"""vCPUs -> stored MB per second."""


def throughput_key(fmt: str, compression: str) -> str:
    """``csv`` + ``gzip`` -> ``csv/gzip``; Parquet compresses inside the file, so it is always ``none``."""
    return f"{fmt}/{'none' if fmt == 'parquet' else compression}"


def parse_curve_key(key: str) -> tuple[Shape | None, str]:
    """``wide/csv/gzip`` -> ``("wide", "csv/gzip")``; ``csv/gzip`` -> ``(None, "csv/gzip")`` (every shape).
    ValueError naming the key and the accepted forms otherwise."""
    parts = key.split("/")
    shape = parts[0] if len(parts) == 3 else None
    fmt_key = "/".join(parts[1:] if len(parts) == 3 else parts)
    if (shape is not None and shape not in SHAPES) or fmt_key not in KEYS:
        raise ValueError(f"{key!r} is not [SHAPE/]FORMAT/COMPRESSION with SHAPE in {SHAPES} and FORMAT/COMPRESSION "
                         f"one of {', '.join(KEYS)}; e.g. 'csv/gzip' (every shape) or 'wide/csv/gzip'")
    return cast("Shape | None", shape), fmt_key


def check_curve(key: str, points: Mapping[float, float]) -> Curve:
    """A curve as given in lockgate.yaml or throughput.json, checked: at least one point, vCPUs in
    (0, 64], MB/s above 0. ValueError naming the key and the point otherwise."""
    if not points:
        raise ValueError(f"{key}: give at least one point, e.g. {{1: 20.0, 2: 36.0}} (vCPUs: MB/s)")
    curve: Curve = {}
    for vcpus, rate in points.items():
        v, r = float(vcpus), float(rate)
        if not 0 < v <= MAX_POINT_VCPUS:
            raise ValueError(f"{key}: {v:g} vCPUs is not in (0, {MAX_POINT_VCPUS:g}]")
        if r <= 0:
            raise ValueError(f"{key}: throughput at {v:g} vCPUs must be above 0 MB/s, got {rate}")
        curve[v] = r
    return dict(sorted(curve.items()))


def interpolate(curve: Mapping[float, float], vcpus: float) -> float:
    """MB/s at ``vcpus``: linear between points, scaled down below the lowest, flat above the highest."""
    xs = sorted(curve)
    lo, hi = xs[0], xs[-1]
    if vcpus <= lo:
        return curve[lo] * max(vcpus, 0.0) / lo
    if vcpus >= hi:
        return curve[hi]
    for a, b in zip(xs, xs[1:], strict=False):
        if vcpus <= b:
            t = (vcpus - a) / (b - a)
            return curve[a] + t * (curve[b] - curve[a])
    return curve[hi]  # unreachable: vcpus < hi


@cache
def _load() -> dict[str, object]:
    data = json.loads(DATA_FILE.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("curves"), dict):
        raise ValueError(f"{DATA_FILE}: no 'curves' object; regenerate it with python -m benchmarks calibrate")
    return data


@cache
def default_curves() -> dict[Shape, dict[str, Curve]]:
    """The calibrated curves, ``{shape: {format/compression: {vCPUs: MB/s}}}``, every shape and key present
    (ValueError naming the file and what is missing otherwise)."""
    raw = cast(dict[str, dict[str, dict[str, float]]], _load()["curves"])
    out: dict[Shape, dict[str, Curve]] = {}
    for shape in SHAPES:
        given = raw.get(shape) or {}
        missing = [k for k in KEYS if k not in given]
        if missing:
            raise ValueError(f"{DATA_FILE}: shape {shape!r} has no curve for {', '.join(missing)}; "
                             "regenerate it with python -m benchmarks calibrate")
        out[shape] = {k: check_curve(f"{DATA_FILE.name}: {shape}/{k}", {float(v): r for v, r in given[k].items()})
                      for k in KEYS}
    return out


def reload_defaults() -> None:
    """Read throughput.json again on next use (after the calibration benchmark rewrote it)."""
    _load.cache_clear()
    default_curves.cache_clear()


def default_batch_setup_s() -> float:
    """The engine's measured fixed seconds per invocation (connection, prepared SQL, writers)."""
    value = _load().get("batch_setup_s", 0.0)
    if not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{DATA_FILE}: batch_setup_s must be a number of seconds >= 0, got {value!r}")
    return float(value)


def calibration_info() -> dict[str, object]:
    """What throughput.json says about its measurement (when, where, measured and extrapolated points)."""
    return {k: v for k, v in _load().items() if k != "curves"}


def curve_table() -> str:
    """throughput.json's curves as the Markdown table docs/routing.md shows (extrapolated points marked *)."""
    info = _load()
    guessed = {float(v) for v in cast(list[float], info.get("extrapolated_vcpus", []))}
    curves = default_curves()
    points = sorted({v for shape in SHAPES for c in curves[shape].values() for v in c})
    head = [f"{v:g} vCPU{'s' if v != 1 else ''}{'*' if v in guessed else ''}" for v in points]
    lines = ["| shape | format/compression | " + " | ".join(head) + " |", "|---|---|" + "---|" * len(points)]
    for shape in SHAPES:
        for key in KEYS:
            c = curves[shape][key]
            lines.append(f"| {shape} | {key} | " + " | ".join(f"{c[v]:g}" if v in c else "-" for v in points) + " |")
    return "\n".join(lines)
