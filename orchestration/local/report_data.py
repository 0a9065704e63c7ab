"""What the run report shows beyond the state table, read from the run's own files.

- ``rows_by_partition``: rows this run published per partition (counted by ``_run_id`` in the published
  Parquet, so rows of earlier runs in an appended partition do not count);
- ``rejected_by_rule``: rejected rows per first failed rule, from the run's quarantine files;
- ``timeline``: every task call (each batch, retry and poll) with its start and duration;
- ``taken_path``: the transitions the execution actually took, and which of them are the failure path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .records import walk_states

__all__ = ["rows_by_partition", "rejected_by_rule", "timeline", "taken_path", "edges", "FAILURE_STATES"]

FAILURE_STATES = frozenset({"DescribeFailure", "CaughtErrorHasCause", "DescribeFailureAsCaught", "DescribeFailureWithoutCause",
                            "NotifyFailure", "Failed"})


def _path(lake: str | Path, uri: str) -> Path:
    return Path(lake) / uri.removeprefix("s3://")


def _parquet(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*.parquet") if not p.name.startswith((".", "_"))) if folder.is_dir() else []


def _count(sql: str, files: list[str], *params: Any, filename: bool = False) -> list[tuple[Any, ...]]:
    import duckdb

    options = "union_by_name = true" + (", filename = true" if filename else "")
    with duckdb.connect() as con:
        return [tuple(r) for r in con.execute(sql.format(files=f"read_parquet({files!r}, {options})"),
                                              list(params)).fetchall()]


def rows_by_partition(lake: str | Path, location: str, partitions: list[str], run_id: str) -> dict[str, int]:
    """``{"order_date=2024-03-01": 200}``: the rows this run published in each of its partitions (a
    partition without files is left out). One query reads every partition's files, counting per file: a
    daily load of a year's partitions is one scan, not one per partition.

    A later run of the same import may replace files while this counts (it owns the window now): a file
    that vanished holds no rows of this run any more, so the listing is taken again rather than failing
    the report."""
    import duckdb

    root = location.rstrip("/")
    for _ in range(5):
        listed = {partition: _parquet(_path(lake, f"{root}/{partition}" if partition else root))
                  for partition in partitions or [""]}
        files = sorted({f for found in listed.values() for f in found})
        try:
            per_file = dict(_count("SELECT filename, count(*) FROM {files} WHERE _run_id = ? GROUP BY 1",
                                   files, run_id, filename=True)) if files else {}
        except duckdb.IOException:
            if all(Path(f).exists() for f in files):
                raise
            continue
        return {partition or "(unpartitioned)": sum(int(per_file.get(f, 0)) for f in found)
                for partition, found in listed.items() if found}
    return {}


def rejected_by_rule(lake: str | Path, quarantine_uri: str | None) -> dict[str, int]:
    """``{"cast:amount": 1}``: the run's quarantined rows by the first rule each failed, most first."""
    if not quarantine_uri:
        return {}
    files = _parquet(_path(lake, quarantine_uri))
    if not files:
        return {}
    rows = _count("SELECT _errors[1] AS rule, count(*) AS n FROM {files} GROUP BY 1 ORDER BY 2 DESC, 1", files)
    return {str(rule): int(n) for rule, n in rows}


def timeline(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every task call in start order: ``state``, ``label`` (``ProcessBatch #2``), ``start_s`` (since the
    first call), ``duration_s``, ``attempt``, ``error``, ``parent`` (the enclosing Map)."""
    calls = [(s, c) for s in states for c in s.get("calls") or []]
    if not calls:
        return []
    origin = min(float(c["started"]) for _, c in calls)
    seen: dict[str, int] = {}
    out = []
    for state, call in sorted(calls, key=lambda sc: float(sc[1]["started"])):
        label = state["name"]
        if state.get("parent"):
            if call.get("attempt", 1) == 1:
                seen[label] = seen.get(label, 0) + 1
            label = f"{label} #{seen.get(label, 1)}"
        out.append({"state": state["name"], "label": label, "parent": state.get("parent"),
                    "start_s": round(float(call["started"]) - origin, 3), "duration_s": float(call.get("duration_s") or 0),
                    "attempt": call.get("attempt", 1), "error": call.get("error")})
    return out


def edges(definition: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every transition of the definition: ``(from, to, label)``; ``each item``/``branch`` enter a Map/Parallel."""
    out: list[tuple[str, str, str]] = []

    def walk(machine: dict[str, Any]) -> None:
        for name, state in (machine.get("States") or {}).items():
            if state.get("Next"):
                out.append((name, state["Next"], ""))
            for choice in state.get("Choices") or []:
                if choice.get("Next"):
                    out.append((name, choice["Next"], "choice"))
            if state.get("Default"):
                out.append((name, state["Default"], "default"))
            for catch in state.get("Catch") or []:
                out.append((name, catch["Next"], "catch " + ",".join(catch.get("ErrorEquals", []))))
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if isinstance(processor, dict):
                out.append((name, str(processor.get("StartAt")), "each item"))
                walk(processor)
            for branch in state.get("Branches") or []:
                out.append((name, str(branch.get("StartAt")), "branch"))
                walk(branch)

    walk(definition)
    return out


def _followed(events: list[dict[str, Any]], starts: dict[str, str], taken: set[tuple[str, str]]) -> None:
    """Transitions in one history: a state entered right after another exited (or failed) followed it;
    the first state entered inside a Map iteration was entered from the Map."""
    last: str | None = None
    current: str | None = None
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            if last is not None:
                taken.add((last, name))
            if name in starts:
                taken.add((starts[name], name))
            current, last = name, None
        elif kind.endswith("StateExited"):
            last = event["stateExitedEventDetails"]["name"]
        elif kind.endswith("Failed") and not kind.startswith("Execution") and current is not None:
            last = current


def taken_path(definition: dict[str, Any], history: dict[str, Any]) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """``(taken, failure)``: the definition's transitions the run took, and those of them on the failure
    path (a caught error onwards, or into a Fail state), Map children included."""
    all_edges = edges(definition)
    known = {(a, b) for a, b, _ in all_edges}
    starts = {b: a for a, b, label in all_edges if label in ("each item", "branch")}
    taken: set[tuple[str, str]] = set()
    _followed(history.get("events") or [], starts, taken)
    for run in history.get("map_runs") or []:
        for child in run.get("executions") or []:
            _followed(child.get("events") or [], starts, taken)
    taken &= known
    kinds = {name: kind for name, kind, _ in walk_states(definition)}
    failing = {b for a, b, label in all_edges if label.startswith("catch") and (a, b) in taken}
    failing |= {b for _, b in taken if kinds.get(b) == "Fail" or b in FAILURE_STATES}
    grew = True
    while grew:
        more = {b for a, b in taken if a in failing} - failing
        failing |= more
        grew = bool(more)
    failure = {(a, b) for a, b in taken if b in failing}
    return taken, failure
