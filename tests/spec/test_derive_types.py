"""Derived columns have one fixed type: declared in the spec, inferred where certain, refused otherwise."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml

from orchestration.core.spec import SpecInvalid, load_spec, parse_spec
from orchestration.core.spec.derive_types import Uncertain, derive_types, infer_type

COLUMNS = {"distance": "int", "km": "double", "hour": "int", "minute": "int", "year": "int", "month": "int", "day": "int",
           "s": "string", "t": "timestamp", "d": "date", "amount": "decimal(12,2)", "qty": "int",
           "big": "bigint", "f": "float", "ids": "array<bigint>"}
PACE = "round(distance / (hour * 60.0 + minute + 1), 1)"


def _spec(derive: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "name": "trips",
        "source": {"uri": "s3://raw/trips/", "format": "csv"},
        "columns": [{"name": n, "type": t} for n, t in COLUMNS.items() if not t.startswith("array")],
        "derive": derive,
        "target": {"database": "d", "table": "trips", "location": "s3://lake/trips/"},
        **extra,
    }


CERTAIN = [
    ("make_date(year, month, day)", "date"),
    ("CAST(t AS DATE)", "date"),
    ("try_cast(s AS decimal(10, 2))", "decimal(10,2)"),
    ("CAST(s AS TIMESTAMP_NTZ)", "timestamp"),
    ("amount", "decimal(12,2)"),
    ("amount > 100 AND s IS NOT NULL", "boolean"),
    ("s RLIKE '^a' OR s IN ('x', 'y') OR qty BETWEEN 1 AND 2", "boolean"),
    ("concat(upper(s), '-', CAST(qty AS STRING))", "string"),
    ("date_format(t, 'yyyy-MM')", "string"),
    ("hour * 60 + minute", "int"),
    ("qty + big", "bigint"),
    ("qty * f", "float"),
    ("km * 2", "double"),
    ("round(km / (hour * 60.0 + minute + 1), 1)", "double"),  # a double operand makes decimals double
    ("amount * km", "double"),
    ("abs(amount)", "decimal(12,2)"),
    ("amount / 2.0 > 1", "boolean"),
    ("qty / 2", "double"),
    ("qty DIV 2", "bigint"),
    ("round(km, 1)", "double"),
    ("floor(km)", "bigint"),
    ("year(t)", "int"),
    ("unix_timestamp(t)", "bigint"),
    ("to_timestamp(s, 'yyyy-MM-dd')", "timestamp"),
    ("date_trunc('DAY', t)", "timestamp"),
    ("coalesce(qty, big, 0)", "bigint"),
    ("if(qty > 1, s, NULL)", "string"),
    ("CASE WHEN qty > 1 THEN 'many' WHEN qty = 1 THEN 'one' END", "string"),
    ("split(s, ',')", "array<string>"),
    ("transform(array(qty, big), x -> x * 2)", "array<bigint>"),
    ("transform(array(s), x -> upper(x))", "array<string>"),
    ("ids[0]", "bigint"),
    ("size(ids)", "int"),
    ("0.5", "decimal(1,1)"),
    ("2147483648", "bigint"),
    ("-qty", "int"),
    ("abs(big)", "bigint"),
    ("qty % 2", "int"),
    ("round(qty)", "int"),
    ("bround(km, 2)", "double"),
    ("sign(km)", "double"),
    ("sqrt(qty) + pow(km, 2) + ln(km) + exp(km) + log10(km)", "double"),
    ("months_between(t, d)", "double"),
    ("greatest(qty, big)", "bigint"),
    ("nullif(s, '')", "string"),
    ("length(s) + instr(s, 'a') + ascii(s) + datediff(d, d)", "int"),
    ("dayofweek(d) + weekofyear(d) + quarter(t) + dayofyear(d) + minute(t) + second(t)", "int"),
    ("add_months(d, 1)", "date"),
    ("last_day(d)", "date"),
    ("trunc(d, 'MM')", "date"),
    ("date_add(d, 1)", "date"),
    ("date_sub(d, 1)", "date"),
    ("to_date(s, 'yyyy-MM-dd')", "date"),
    ("current_date()", "date"),
    ("make_timestamp(year, month, day, hour, minute, 0)", "timestamp"),
    ("from_utc_timestamp(t, 'Europe/Berlin')", "timestamp"),
    ("timestamp_seconds(big)", "timestamp"),
    ("concat_ws('-', s, s)", "string"),
    ("lpad(s, 3, '0') || initcap(s) || substring(s, 1, 2) || reverse(s) || btrim(s)", "string"),
    ("md5(s) || sha2(s, 256) || hex(s) || base64(s)", "string"),
    ("array_join(split(s, ','), '-')", "string"),
    ("sort_array(ids)", "array<bigint>"),
    ("from_unixtime(big)", "string"),
    ("format_number(km, 2)", "string"),
    ("get_json_object(s, '$.a')", "string"),
    ("regexp_replace(s, 'a', 'b') || replace(s, 'a', 'b') || left(s, 1) || repeat(s, 2)", "string"),
    ("isnull(s) OR startswith(s, 'a') OR endswith(s, 'b') OR contains(s, 'c')", "boolean"),
    ("array_contains(ids, 1)", "boolean"),
    ("octet_length(s)", "int"),
    ("unix_seconds(t)", "bigint"),
]
"""Held against Spark's own result types by tests/glue/test_derive_types.py."""


@pytest.mark.parametrize(("expr", "glue_type"), CERTAIN)
def test_inference_where_it_is_certain(expr: str, glue_type: str) -> None:
    # parsed as sqlglot reads Spark, so the table can hold functions validate refuses for other reasons
    assert infer_type(sqlglot.parse_one(expr, read="spark"), COLUMNS) == glue_type


@pytest.mark.parametrize(("expr", "reason"), [
    (PACE, "is decimal arithmetic, whose precision and scale the engines compute differently"),
    ("round(amount, 1)", "decimal arithmetic"),
    ("coalesce(amount, 0)", "decimal arithmetic"),
    ("amount * 2", "decimal arithmetic"),
    ("amount / qty", "decimal arithmetic"),
    ("frobnicate(s)", "does not know the result type of frobnicate()"),
    ("NULL", "is NULL"),
    ("coalesce(s, qty)", "mixes the types int, string"),
    ("CAST(s AS MAP<STRING, INT>)", "not a Lockgate column type"),
    ("concat(ids, ids)", "not all strings"),
])
def test_inference_gives_up_where_it_is_not_certain(expr: str, reason: str) -> None:
    with pytest.raises(Uncertain, match=re.escape(reason)):
        infer_type(sqlglot.parse_one(expr, read="spark"), COLUMNS)


def test_short_and_full_forms_fix_one_type_per_derived_column() -> None:
    spec = parse_spec(_spec({
        "pace": {"expr": PACE, "type": "DECIMAL(10, 1)"},
        "day_of": "make_date(year, month, day)",
        "pace_text": "CAST(pace AS STRING)",
        "fast": {"expr": "pace > 10"},
    }))
    assert derive_types(spec) == {"pace": "decimal(10,1)", "day_of": "date", "pace_text": "string", "fast": "boolean"}
    assert spec.derive_expressions["pace"] == PACE
    # the canonical form keeps what the user wrote, so rendered specs do not churn
    assert spec.canonical()["derive"]["day_of"] == "make_date(year, month, day)"
    assert spec.canonical()["derive"]["pace"] == {"expr": PACE, "type": "decimal(10,1)"}
    assert parse_spec(spec.canonical()) == spec


def test_an_uncertain_type_is_refused_naming_the_file_the_field_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "trips.yaml"
    path.write_text(yaml.safe_dump(_spec({"day_of": "make_date(year, month, day)", "pace": PACE,
                                          "pace_rounded": "round(pace, 0)"}), sort_keys=False))
    with pytest.raises(SpecInvalid) as info:
        load_spec(path)
    lines = info.value.lines()
    pace = [line for line in lines if "derive.pace:" in line]
    assert len(pace) == 1, lines
    assert pace[0].startswith(f"{path}:")
    assert "decimal arithmetic" in pace[0] and "declare a type" in pace[0]
    assert "type: double" in pace[0]
    # a column reading the untyped one is not reported a second time
    assert not any("pace_rounded" in line for line in lines), lines


def test_a_declared_type_must_be_a_column_type() -> None:
    with pytest.raises(SpecInvalid) as info:
        parse_spec(_spec({"pace": {"expr": PACE, "type": "numeric"}}), "trips.yaml")
    assert any("derive.pace" in line and "unknown type 'numeric'" in line for line in info.value.lines())
