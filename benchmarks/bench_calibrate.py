"""Calibrate the router's capacity model: ``python -m benchmarks calibrate`` (part of ``make bench``).

Measures the Lambda engine's throughput per data shape (``narrow``: the orders data, 7 columns;
``wide``: the flight-log data, 19 columns, 15 numeric; benchmarks/engine_data.py) and per format and
compression the router knows, at every core count this machine has up to 2: generated objects go through
``lambdas.engine.process_batch`` on the local lake in a fresh process pinned to N cores
(``sched_setaffinity``, as a Lambda with N vCPUs) with ``LOCKGATE_DUCKDB_THREADS``,
``LOCKGATE_ENGINE_WORKERS`` and ``OMP_NUM_THREADS`` (Arrow's pool) set to N. Python start-up and imports
are the invocation overhead (``invocation_overhead_s``), not throughput, and are not timed. Runs at 1 and
2 cores alternate, so load from other processes falls on both alike; the best of ``CALIBRATE_RUNS``
counts.

The rate is marginal (``fit``): two objects per key (half the rows, then all of them), the MB between
them over the seconds between them, per core count; the rest of the larger object's seconds is the fixed
part (setup and, on several cores, the pipeline's fill), whose median over every key and core count is
``batch_setup_s``. The engine's seconds per further object of a batch are measured on ``OBJECTS_PARTS``
tiny objects against one.

Points beyond the cores measured (4 and 6 vCPUs; a Lambda has at most 6) are extrapolated with Amdahl's
law fitted to the measured 1 -> 2 speed-up ``s``: parallel fraction ``p = 2 (1 - 1/s)``, clamped to
[0, ``MAX_PARALLEL_FRACTION``] (0.5; noise can make ``s`` look perfect), and ``rate(n) = max(rate(2),
rate(1) / ((1 - p) + p / n))``. A curve that did not speed up at 2 stays flat.

The curves go to ``orchestration/router/throughput.json`` (the router's defaults, one source), with which
points were measured and which extrapolated, and the table in docs/routing.md. Then the estimate check on
data the fit did not see: one object of ``CHECK_FACTOR`` times the rows and a batch of ``CHECK_PARTS``
objects holding as many, per shape and key, timed at each core count in the same interleaved runs,
against the router's ``batch_seconds`` (``invocation=False``: no cold start here; the measured local
seconds per object: no S3 request here) for a Lambda of 1769 MB x cores; target: within 25%. Rows go to
benchmarks/RESULTS.md (``python -m benchmarks calibrate`` replaces the rows starting with
``calibration``).
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.bench_engine import ENGINE, ROOT, run_subprocess
from benchmarks.engine_data import DATASETS, generate

RESULTS_PREFIX = "calibration"
"""``python -m benchmarks calibrate`` replaces RESULTS.md's rows starting with this."""
SHAPE_DATA = {"narrow": "orders", "wide": "wide"}
ROWS = {"narrow": int(os.environ.get("LOCKGATE_CALIBRATE_NARROW_ROWS", 2_000_000)),
        "wide": int(os.environ.get("LOCKGATE_CALIBRATE_WIDE_ROWS", 1_000_000))}
"""Rows of each shape's fit object (the first fit object has half, the checks twice as many). Large
enough that the fixed part is a small share of a check's seconds and the fit's two times are far apart."""
FORMAT_ROWS = {"jsonl": 0.25}
"""JSON Lines objects get a quarter of the rows: the slowest format per row, its times are far apart
already."""
FRACTIONAL_VCPUS = (0.5, 1.5)
"""Shares of vCPUs the one-object check also runs at, under a cgroup CPU quota (``cpu_quota_supported``):
884 MB and 2654 MB Lambdas."""
CALIBRATE_RUNS = int(os.environ.get("LOCKGATE_CALIBRATE_RUNS", 2))
CHECK_FACTOR = 2
CHECK_PARTS = 8
"""The batch check: CHECK_PARTS objects holding CHECK_FACTOR x the rows in all."""
OBJECTS_PARTS = 16
"""Tiny objects in one batch, to measure the engine's seconds per further object."""
SETUP_ROWS = 2_000
SETUP_RUNS = 4
CURVE_VCPUS = (1, 2, 4, 6)
MAX_PARALLEL_FRACTION = 0.5
"""Cap of the fitted parallel fraction for the extrapolated points: at most 1.6x the one-vCPU rate at 4
vCPUs and 1.71x at 6, unless 2 vCPUs measured more (then that). Conservative on purpose: a 2-core machine
shared with other work measures the 1 -> 2 speed-up with much noise, and promising a big Lambda more
throughput than the engine delivers is the failure this model exists to prevent."""
TOLERANCE = 0.25
KEYS = ("csv/none", "csv/gzip", "csv/zstd", "csv/bz2", "jsonl/none", "jsonl/gzip", "jsonl/zstd", "jsonl/bz2",
        "parquet/none")
_SUFFIX = {"none": "", "gzip": ".gz", "zstd": ".zst", "bz2": ".bz2"}
DATA_FILE = ROOT / "orchestration" / "router" / "throughput.json"
DOCS_BEGIN = "<!-- default curves: written by python -m benchmarks calibrate -->"
DOCS_END = "<!-- end of default curves -->"


def _spec(shape: str, fmt: str, memory_mb: int = 1769) -> dict[str, Any]:
    spec = dict(DATASETS[SHAPE_DATA[shape]][0])
    source = {"uri": spec["source"]["uri"], "format": fmt, "compression": "auto"}
    if fmt == "csv":
        source["csv"] = spec["source"]["csv"]
    return {**spec, "source": source, "routing": {"engine": "lambda", "lambda": {"memory_mb": memory_mb}}}


CPU_PERIOD_US = 100_000


def cpu_quota_supported() -> bool:
    """Whether this machine lets the benchmark cap a process's CPU time (a cgroup ``cpu`` controller it
    may write to), as Lambda caps a function below 1769 MB to its share of a vCPU."""
    return _quota_root() is not None


def _quota_root() -> tuple[Path, str] | None:
    v1 = Path("/sys/fs/cgroup/cpu")
    if (v1 / "cpu.cfs_quota_us").exists() and os.access(v1, os.W_OK):
        return v1, "v1"
    v2 = Path("/sys/fs/cgroup")
    controllers = v2 / "cgroup.subtree_control"
    if controllers.exists() and "cpu" in controllers.read_text().split() and os.access(v2, os.W_OK):
        return v2, "v2"
    return None


def _quota_group(vcpus: float) -> Path:
    """A new cgroup whose processes get ``vcpus`` CPU-seconds per second, at most."""
    found = _quota_root()
    if found is None:
        raise RuntimeError("no writable cgroup cpu controller: fractional vCPUs cannot be measured here")
    root, version = found
    group = Path(tempfile.mkdtemp(prefix="lockgate-calibrate-", dir=root))
    quota = int(vcpus * CPU_PERIOD_US)
    if version == "v1":
        (group / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(quota))
    else:
        (group / "cpu.max").write_text(f"{quota} {CPU_PERIOD_US}")
    return group


def run_pinned(src: Path, workdir: Path, spec: dict[str, Any], cores: float) -> dict[str, Any]:
    """``process_batch`` over ``src`` in a fresh process on the first ``ceil(cores)`` CPUs, threads to
    match; a fractional ``cores`` (a Lambda below 1769 MB x its next whole vCPU) also caps the process's
    CPU time to ``cores`` CPU-seconds per second with a cgroup (``cpu_quota_supported``)."""
    whole = math.ceil(cores)
    cpus = set(sorted(os.sched_getaffinity(0))[:whole])
    group = _quota_group(cores) if cores != whole else None
    procs = None if group is None else group / "cgroup.procs"

    def enter() -> None:
        os.sched_setaffinity(0, cpus)
        if procs is not None:
            procs.write_text(str(os.getpid()))

    n = str(whole)
    try:
        return run_subprocess(ENGINE, src, workdir, spec, preexec=enter,
                              env={"LOCKGATE_DUCKDB_THREADS": n, "LOCKGATE_ENGINE_WORKERS": n, "OMP_NUM_THREADS": n})
    finally:
        if group is not None:
            group.rmdir()


def _best(objects: dict[str, Path], work: Path, spec: dict[str, Any], cores: Sequence[float],
          repeat: int = CALIBRATE_RUNS) -> dict[tuple[str, float], tuple[float, float]]:
    """Best (wall seconds of process_batch, CPU seconds of the whole process) per object and core count,
    runs interleaved (object A at 1 and 2 cores, object B at 1 and 2, then again) so load from other
    processes falls on all alike."""
    runs: dict[tuple[str, float], list[dict[str, Any]]] = {(o, c): [] for o in objects for c in cores}
    for _ in range(repeat):
        for name, src in objects.items():
            for c in cores:
                runs[(name, c)].append(run_pinned(src, work, spec, c))
    return {k: (min(r["seconds"] for r in v), min(r["cpu_s"] for r in v)) for k, v in runs.items()}


def fit(best: dict[tuple[str, float], tuple[float, float]], sizes: dict[str, float], cores: list[int],
        floor: float) -> tuple[dict[int, float], dict[int, float]]:
    """Per core count, the engine's marginal rate (MB/s) and fixed seconds from two objects of one key
    (``half`` and ``curve``, the second twice the first): ``t = fixed + MB / rate`` through both best wall
    times. The fixed part holds the batch setup and, on several cores, the pipeline's fill (the first chunk
    read before the workers overlap, the last one's write after), so the rate is what each further MB
    costs, whatever the object's size. When noise makes the larger object no slower (no slope), the
    rate falls back to the larger object's MB over its wall seconds less ``floor`` (the tiny object's)."""
    rates: dict[int, float] = {}
    fixed: dict[int, float] = {}
    d_mb = sizes["curve"] - sizes["half"]
    for c in cores:
        t_half, t_curve = best[("half", c)][0], best[("curve", c)][0]
        slope = t_curve - t_half
        if slope <= 0.05 * t_curve:
            rates[c] = sizes["curve"] / max(t_curve - floor, t_curve / 2)
        else:
            rates[c] = d_mb / slope
        fixed[c] = max(t_curve - sizes["curve"] / rates[c], 0.0)
    for c in cores[1:]:  # more than c times the one-core rate on c cores is noise
        rates[c] = min(rates[c], rates[cores[0]] * c)
    return rates, fixed


def extrapolate(measured: dict[int, float]) -> tuple[dict[int, float], float | None]:
    """The curve at ``CURVE_VCPUS`` from the measured points, and the fitted parallel fraction (None when
    only one core was measured: the curve stays flat beyond it)."""
    r1 = measured[1]
    if 2 not in measured:
        return {v: measured.get(v, r1) for v in CURVE_VCPUS}, None
    speedup = measured[2] / r1
    p = min(max(2 * (1 - 1 / speedup), 0.0), MAX_PARALLEL_FRACTION)
    # Never below the 2-core point: more vCPUs do not make the engine slower (it may leave them idle).
    curve = {v: measured[v] if v in measured else max(measured[2], r1 / ((1 - p) + p / v)) for v in CURVE_VCPUS}
    if speedup <= 1:  # no gain from a second core: assume none from more
        curve = {v: measured.get(v, min(measured.values())) for v in CURVE_VCPUS}
    return curve, p


def _load() -> tuple[float, float]:
    one, five, _ = os.getloadavg()
    return one, five


def _generate(shape: str, dest: Path, rows: int, fmt: str, comp: str, parts: int = 1) -> Path:
    """One object, or (``parts`` > 1) a directory of ``parts`` objects with ``rows`` in all: one batch."""
    if parts == 1:
        generate(SHAPE_DATA[shape], dest, rows, fmt, comp)
        return dest
    dest.mkdir()
    for i in range(parts):
        generate(SHAPE_DATA[shape], dest / f"part-{i:03}{''.join(dest.suffixes)}", rows // parts, fmt, comp)
    return dest


def _mb(path: Path) -> float:
    files = list(path.iterdir()) if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files) / 2**20


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def calibrate(work: Path) -> tuple[dict[str, Any], dict[tuple[str, str], dict[str, Any]], float]:
    """Measure, fit and extrapolate; returns throughput.json's content, per (shape, key) details with the
    check batches' sizes and best wall seconds (for ``estimates``), and the engine's measured seconds per
    extra object of a batch."""
    cores = [c for c in (1, 2) if c <= len(os.sched_getaffinity(0))]
    fractions = [f for f in FRACTIONAL_VCPUS if f < max(cores)] if cpu_quota_supported() else []
    if not fractions:
        print("  no writable cgroup cpu controller: the check runs at whole cores only", flush=True)
    curves: dict[str, dict[str, dict[str, float]]] = {s: {} for s in SHAPE_DATA}
    details: dict[tuple[str, str], dict[str, Any]] = {}
    setups, per_object = [], []
    for shape in ROWS:
        tiny = _generate(shape, work / f"setup-{shape}.csv", SETUP_ROWS, "csv", "none")
        many = _generate(shape, work / f"objects-{shape}.csv", SETUP_ROWS * OBJECTS_PARTS, "csv", "none",
                         OBJECTS_PARTS)
        best = _best({"one": tiny, "many": many}, work, _spec(shape, "csv"), [1], repeat=SETUP_RUNS)
        setups.append(best[("one", 1)][0])
        per_object.append(max(best[("many", 1)][0] - best[("one", 1)][0], 0.0) / (OBJECTS_PARTS - 1))
        _remove(tiny)
        _remove(many)
    floor, object_s = max(setups), max(per_object)
    print(f"  engine setup per invocation (tiny object): {' / '.join(f'{w:.2f}' for w in setups)} s; per further "
          f"object of a batch: {' / '.join(f'{o * 1000:.0f}' for o in per_object)} ms (narrow / wide)", flush=True)
    fixed_all: list[float] = []
    for shape, shape_rows in ROWS.items():
        for key in KEYS:
            fmt, comp = key.split("/")
            rows = int(shape_rows * FORMAT_ROWS.get(fmt, 1.0))
            suffix = f".{fmt}{_SUFFIX[comp]}"
            objects = {"half": _generate(shape, work / f"half-{shape}{suffix}", rows // 2, fmt, comp),
                       "curve": _generate(shape, work / f"{shape}{suffix}", rows, fmt, comp),
                       "check": _generate(shape, work / f"check-{shape}{suffix}", rows * CHECK_FACTOR, fmt, comp),
                       "batch": _generate(shape, work / f"batch-{shape}{suffix}", rows * CHECK_FACTOR, fmt, comp,
                                          CHECK_PARTS)}
            sizes = {name: _mb(path) for name, path in objects.items()}
            best = _best(objects, work, _spec(shape, fmt), cores)
            if fractions:  # the check object also at shares of a vCPU (a CPU quota), as Lambda gives them
                best |= _best({"check": objects["check"]}, work, _spec(shape, fmt), fractions)
            measured, fixed = fit(best, sizes, cores, floor)
            fixed_all += fixed.values()
            curve, p = extrapolate(measured)
            curves[shape][key] = {str(v): round(r, 2) for v, r in curve.items()}
            details[(shape, key)] = {
                "mb": sizes["curve"], "curve": curve, "p": p, "fixed": fixed, "load": os.getloadavg()[0],
                "checks": {name: {"bytes": [f.stat().st_size for f in sorted(objects[name].iterdir())]
                                  if objects[name].is_dir() else [objects[name].stat().st_size],
                                  "seconds": {c: best[(name, c)][0]
                                              for c in sorted([*cores, *(fractions if name == "check" else [])])}}
                           for name in ("check", "batch")}}
            print(f"  {shape:6} {key:13} {sizes['half']:6.1f} + {sizes['curve']:6.1f} MB "
                  + "  ".join(f"{c} core {best[('half', c)][0]:5.2f} / {best[('curve', c)][0]:5.2f} s "
                              f"(fixed {fixed[c]:.2f} s)" for c in cores)
                  + "  MB/s " + " / ".join(f"{r:.1f}{'' if v in measured else '*'}" for v, r in curve.items())
                  + (f"  p={p:.2f}" if p is not None else "") + f"  load {os.getloadavg()[0]:.1f}", flush=True)
            for src in objects.values():
                _remove(src)
    fixed_all.sort()
    setup = max(floor, fixed_all[len(fixed_all) // 2])
    data = {
        "generated_by": "python -m benchmarks calibrate (benchmarks/bench_calibrate.py)",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "rows": ROWS,
        "format_rows": FORMAT_ROWS,
        "measured_vcpus": cores,
        "extrapolated_vcpus": [v for v in CURVE_VCPUS if v not in cores],
        "extrapolation": "Amdahl's law fitted to each curve's measured 1 -> 2 vCPU speed-up s: p = 2(1 - 1/s) "
                         f"clamped to [0, {MAX_PARALLEL_FRACTION}], rate(n) = max(rate(2), rate(1) / ((1 - p) + p / n)); "
                         "flat when s <= 1 or when only one core was measured",
        "rate": "marginal stored MB/s: pinned to N cores with N DuckDB threads and N engine workers, two objects "
                f"of each key (the second twice the first), best of {CALIBRATE_RUNS} wall seconds of "
                "process_batch each; rate = the MB between them over the seconds between them",
        "batch_setup_s": round(setup, 3),
        "batch_setup": "the median of the fixed seconds (t - MB / rate) of every key and core count, at least a "
                       f"{SETUP_ROWS}-row object's wall seconds",
        "local_object_s": round(object_s, 4),
        "local_object": f"the engine's seconds per further object of a batch ({OBJECTS_PARTS} {SETUP_ROWS}-row "
                        "objects against one, local disk); the router's per_object_overhead_s also covers an S3 "
                        "request on AWS",
        "curves": curves,
    }
    return data, details, object_s


def estimates(details: dict[tuple[str, str], dict[str, Any]], object_s: float) -> None:
    """The router's estimate for each check (one object of CHECK_FACTOR x the rows, and a batch of
    CHECK_PARTS objects holding as many rows) at each core count, by ``batch_seconds`` over the
    throughput.json just written with the measured local seconds per object (``invocation=False``: no cold
    start here), next to the best wall seconds (``details[...]["estimates"] = {check: {cores: (estimate_s,
    measured_s)}}``)."""
    from orchestration.core.spec import parse_spec
    from orchestration.router import ObjectFacts, ThroughputModel, batch_seconds
    from orchestration.router.curves import reload_defaults

    reload_defaults()
    model = ThroughputModel(per_object_overhead_s=object_s)
    for (shape, key), d in details.items():
        fmt, comp = key.split("/")
        d["estimates"] = {}
        for name, check in d["checks"].items():
            d["estimates"][name] = {}
            for c, wall in check["seconds"].items():
                spec = parse_spec(_spec(shape, fmt, round(1769 * c)), f"{shape}.yaml")
                est = batch_seconds([ObjectFacts(b, comp) for b in check["bytes"]], spec, model, invocation=False)
                d["estimates"][name][c] = (est, wall)
            print(f"  {name:5} {shape:6} {key:13} {sum(check['bytes']) / 2**20:6.1f} MB in {len(check['bytes'])} "
                  + "  ".join(f"{round(1769 * c)} MB: est {e:.2f} s / measured {m:.2f} s = {e / m:.2f}"
                              for c, (e, m) in d["estimates"][name].items()), flush=True)


def write_docs(data: dict[str, Any], load: str) -> None:
    """docs/routing.md's default-curves block (between ``DOCS_BEGIN`` and ``DOCS_END``): the table and where
    it was measured, so a re-calibration keeps the docs true (tests/router/test_capacity.py checks it)."""
    from orchestration.router.curves import curve_table

    docs = ROOT / "docs" / "routing.md"
    text = docs.read_text()
    start, end = text.index(DOCS_BEGIN) + len(DOCS_BEGIN), text.index(DOCS_END)
    block = (f"\n{curve_table()}\n\nMeasured {data['measured_at']} on {data['machine']} "
             f"(`measured_vcpus` {data['measured_vcpus']}, `extrapolated_vcpus` {data['extrapolated_vcpus']}); "
             f"`batch_setup_s` = {data['batch_setup_s']} s; load average (1 min) before, mean and max during, after: "
             f"{load}.\n")
    docs.write_text(text[:start] + block + text[end:])


def run() -> list[dict[str, Any]]:
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="lockgate-calibrate-") as tmp:
        work = Path(tmp)
        data, details, object_s = calibrate(work)
    DATA_FILE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"  wrote {DATA_FILE.relative_to(ROOT)}", flush=True)
    estimates(details, object_s)
    load_after = _load()
    loads = [d["load"] for d in details.values()]
    rows: list[dict[str, Any]] = []
    measured = set(data["measured_vcpus"])
    for (shape, key), d in details.items():
        how = ("flat: one core measured" if d["p"] is None else "flat: no gain at 2" if d["p"] == 0
               else f"Amdahl p={d['p']:.2f}")
        rows.append(_row(f"calibration {shape} {key}", f"stored MB/s at {', '.join(map(str, CURVE_VCPUS))} vCPUs "
                         f"(* extrapolated, {how}; fitted on {d['mb'] / 2:.0f} and {d['mb']:.0f} MB objects)",
                         " / ".join(f"{r:.1f}{'' if v in measured else '*'}" for v, r in d["curve"].items()),
                         "info", True))
    worst = 0.0
    for (shape, key), d in details.items():
        for name, by_cores in d["estimates"].items():
            ratios = {c: e / m for c, (e, m) in by_cores.items()}
            worst = max([worst, *(abs(r - 1) for r in ratios.values())])
            ok = all(abs(r - 1) <= TOLERANCE for r in ratios.values())
            check = d["checks"][name]
            what = (f"one {sum(check['bytes']) / 2**20:.0f} MB object" if name == "check" else
                    f"a batch of {len(check['bytes'])} objects, {sum(check['bytes']) / 2**20:.0f} MB")
            rows.append(_row(f"calibration estimate {shape} {key}{'' if name == 'check' else ' batch'}",
                             f"router estimate / measured seconds at {', '.join(f'{round(1769 * c)} MB' for c in ratios)} "
                             f"({what}; not used in the fit)",
                             " / ".join(f"{r:.2f}" for r in ratios.values()), f"each within 1 ± {TOLERANCE}", ok))
    rows.append(_row("calibration estimate (all)", "worst deviation of estimate / measured from 1", round(worst, 2),
                     f"<= {TOLERANCE}", worst <= TOLERANCE))
    rows.append(_row("calibration per object", "engine seconds per further object of a batch (local disk) / the "
                     "router's per_object_overhead_s default (also an S3 request on AWS)",
                     f"{object_s:.3f} / {_default_object_s()}", "local <= default", object_s <= _default_object_s()))
    # Wall times on a busy machine are other processes' as much as the engine's: say so.
    quiet = max(loads) <= (os.cpu_count() or 1) + 1
    load = f"{load_before[0]:.1f}, {sum(loads) / len(loads):.1f}, {max(loads):.1f}, {load_after[0]:.1f}"
    rows.append(_row("calibration machine load", "load average (1 min): before, mean and max during, after "
                     f"({os.cpu_count()} cores)", load, "max <= cores + 1 (a quiet machine)", quiet))
    write_docs(data, load)
    return rows


def _default_object_s() -> float:
    from orchestration.router import ThroughputModel

    return float(ThroughputModel().per_object_overhead_s)


def _row(benchmark: str, metric: str, value: object, target: str, ok: bool) -> dict[str, Any]:
    return {"benchmark": benchmark, "metric": metric, "value": value, "target": target, "ok": bool(ok)}


if __name__ == "__main__":
    for r in run():
        print(r)
