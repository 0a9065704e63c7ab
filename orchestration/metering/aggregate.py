"""``lockgate report``: the runs table aggregated per import and month.

Per group: runs and failures, the route mix, measured cost, what the same runs cost on Glue alone
(measured for runs that ran on Glue, the plan's Glue estimate for the others) and the saving, p50/p95
end-to-end latency, the failures' root causes and how long it took to name them, and the router's
estimate/measured ratios (cost, engine seconds, per batch) that docs/routing.md re-tunes from.
Percentiles are nearest-rank over the group's runs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["aggregate", "percentile", "to_markdown"]


def percentile(values: Iterable[float | None], q: float) -> float | None:
    """Nearest-rank percentile ``q`` (0-100) of the values that are not None; None when there are none."""
    found = sorted(float(v) for v in values if v is not None)
    if not found:
        return None
    rank = max(1, math.ceil(q / 100 * len(found)))
    return round(found[rank - 1], 4)


def _ratios(values: list[float | None]) -> dict[str, Any]:
    found = [v for v in values if v is not None]
    return {"n": len(found), "p50": percentile(found, 50), "min": min(found) if found else None,
            "max": max(found) if found else None}


def _batch_ratios(rows: list[Mapping[str, Any]]) -> list[float]:
    out = []
    for row in rows:
        try:
            batches = json.loads(row.get("batches") or "[]")
        except ValueError:
            continue
        for b in batches:
            if b.get("estimated_s") and b.get("actual_s"):
                out.append(float(b["estimated_s"]) / float(b["actual_s"]))
    return out


def _group(key: tuple[str, str], rows: list[Mapping[str, Any]]) -> dict[str, Any]:
    failed = [r for r in rows if r.get("status") != "SUCCEEDED"]
    routes: dict[str, int] = {}
    for r in rows:
        route = str(r.get("route") or "none")
        routes[route] = routes.get(route, 0) + 1
    causes: dict[tuple[str, str], dict[str, Any]] = {}
    for r in failed:
        name = (str(r.get("error") or r.get("status")), str(r.get("failed_state") or ""))
        entry = causes.setdefault(name, {"error": name[0], "state": name[1] or None, "runs": 0,
                                         "example_run": r.get("run_id"), "example_cause": (r.get("cause") or "")[:300]})
        entry["runs"] += 1
    measured = sum(float(r.get("measured_usd") or 0) for r in rows)
    glue_only = sum(float(r.get("glue_only_usd") or 0) for r in rows)
    return {
        "import": key[0], "month": key[1], "runs": len(rows), "succeeded": len(rows) - len(failed),
        "failed": len(failed), "routes": dict(sorted(routes.items())),
        "measured_usd": round(measured, 6), "glue_only_usd": round(glue_only, 6),
        "saving_usd": round(glue_only - measured, 6),
        "saving_pct": round(100 * (glue_only - measured) / glue_only, 1) if glue_only > 0 else None,
        "glue_only_estimated_runs": sum(1 for r in rows if r.get("glue_only_basis") == "estimated"),
        "latency_p50_s": percentile((r.get("duration_s") for r in rows), 50),
        "latency_p95_s": percentile((r.get("duration_s") for r in rows), 95),
        "diagnosis_p50_s": percentile((r.get("diagnosis_s") for r in failed), 50),
        "root_causes": sorted(causes.values(), key=lambda c: (-c["runs"], c["error"])),
        "cost_ratio": _ratios([r.get("cost_ratio") for r in rows]),
        "engine_ratio": _ratios([r.get("engine_ratio") for r in rows]),
        "batch_ratio": _ratios(list(_batch_ratios(rows))),
    }


def aggregate(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """``{"groups": [per import and month, newest month first], "total": {...}}``."""
    grouped: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    every: list[Mapping[str, Any]] = []
    for row in rows:
        grouped.setdefault((str(row.get("import_name")), str(row.get("month") or "unknown")), []).append(row)
        every.append(row)
    keys = sorted(sorted(grouped), key=lambda k: k[1], reverse=True)  # newest month first, imports A-Z
    groups = [_group(k, grouped[k]) for k in keys]
    total = _group(("(all)", "(all)"), every) if every else None
    return {"groups": groups, "total": total}


def _usd(value: float | None) -> str:
    return "—" if value is None else f"${value:,.4f}"


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} s"


def _r(stats: Mapping[str, Any]) -> str:
    if not stats.get("n"):
        return "—"
    return f"{stats['p50']:.2f} ({stats['min']:.2f}–{stats['max']:.2f}, n={stats['n']})"


def to_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown (readable as is in a terminal)."""
    groups = report.get("groups") or []
    if not groups:
        return "No recorded runs. Runs land in the runs table when they end (docs/operations.md, \"The runs table\")."
    lines = ["# Lockgate runs: cost, latency, failures", "",
             "| import | month | runs | failed | routes | measured | on Glue alone | saving | p50 | p95 |",
             "|---|---|---:|---:|---|---:|---:|---:|---:|---:|"]
    for g in [*groups, report["total"]]:
        routes = ", ".join(f"{k} {v}" for k, v in g["routes"].items())
        saving = _usd(g["saving_usd"]) + (f" ({g['saving_pct']:.0f}%)" if g["saving_pct"] is not None else "")
        lines.append(f"| {g['import']} | {g['month']} | {g['runs']} | {g['failed']} | {routes} | {_usd(g['measured_usd'])} "
                     f"| {_usd(g['glue_only_usd'])} | {saving} | {_s(g['latency_p50_s'])} | {_s(g['latency_p95_s'])} |")
    lines += ["", "## Estimate / measured (p50, range, count; above 1: the router was cautious)", "",
              "| import | month | cost | engine seconds | batch seconds |", "|---|---|---|---|---|"]
    for g in groups:
        lines.append(f"| {g['import']} | {g['month']} | {_r(g['cost_ratio'])} | {_r(g['engine_ratio'])} | {_r(g['batch_ratio'])} |")
    failing = [g for g in groups if g["root_causes"]]
    if failing:
        lines += ["", "## Failures by root cause", "", "| import | month | error | state | runs | diagnosed in (p50) | example |",
                  "|---|---|---|---|---:|---:|---|"]
        for g in failing:
            for c in g["root_causes"]:
                example = f"{c['example_run']}: {c['example_cause']}".replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {g['import']} | {g['month']} | {c['error']} | {c['state'] or '—'} | {c['runs']} "
                             f"| {_s(g['diagnosis_p50_s'])} | {example[:160]} |")
    estimated = sum(g["glue_only_estimated_runs"] for g in groups)
    if estimated:
        lines += ["", f"\"On Glue alone\" uses the plan's Glue estimate for the {estimated} run(s) that did not run on Glue."]
    return "\n".join(lines) + "\n"
