"""The result of a query and its rendering as a table, CSV or JSON."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from orchestration.core.errors import LockgateError

__all__ = ["QueryResult", "QueryError", "Format"]

Format = Literal["table", "csv", "json"]


class QueryError(LockgateError):
    """The SQL could not be parsed, planned or run; the message is the engine's, on one line."""

    asl_error = "Lockgate.QueryError"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return str(value)


@dataclass
class QueryResult:
    """Column names and rows (Python values), plus which engine ran it and the SQL it ran."""

    columns: list[str]
    rows: list[tuple[Any, ...]]
    engine: str
    executed_sql: str = ""
    notes: list[str] = field(default_factory=list)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]

    def render(self, fmt: Format = "table") -> str:
        if fmt == "json":
            return json.dumps([{k: _jsonable(v) for k, v in r.items()} for r in self.records()], indent=2)
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(self.columns)
            writer.writerows([_text(v) for v in row] for row in self.rows)
            return out.getvalue().rstrip("\n")
        return self._table()

    def _table(self) -> str:
        cells = [[_text(v) for v in row] for row in self.rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
        line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
        head = "| " + " | ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True)) + " |"
        body = ["| " + " | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) + " |" for r in cells]
        count = f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})"
        return "\n".join([line, head, line, *body, line, count])
