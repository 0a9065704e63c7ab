"""docs/semantics.md section 2 as tables: text -> expected value or cast failure, per type, evaluated
in DuckDB through both renderings the engine uses (cast_sql and the layered validation_sql)."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa
import pytest

from orchestration.core import semantics
from orchestration.core.errors import SpecError
from orchestration.core.spec.models import Column, Spec

from .cast_tables import FAIL, NULL_VALUES, TABLES, same


def _spec(type_: str, fmt: str | None = None, **col: Any) -> Spec:
    return Spec.model_validate({
        "name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"},
        "columns": [{"name": "v", "type": type_, **({"format": fmt} if fmt else {}), **col},
                    {"name": "k", "type": "int"}],
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    })


def _con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


def cast_all(type_: str, texts: list[str | None], fmt: str | None = None) -> list[Any]:
    """Each text's value, None for NULL, FAIL for a cast failure; both renderings must agree."""
    spec = _spec(type_, fmt)
    con = _con()
    src = pa.table({"v": pa.array(texts, pa.string()), "k": pa.array(["1"] * len(texts)),
                    "_source_file": pa.array(["f"] * len(texts)), "_record": pa.array(range(len(texts)), pa.int64())})
    con.register("src", src)
    single = semantics.cast_sql(spec.columns[0], '"v"', "duckdb", null_values=NULL_VALUES)
    one = [r[0] for r in con.execute(f"SELECT {single} FROM src ORDER BY _record").fetchall()]
    layered = semantics.validation_sql(spec, "duckdb", "src", null_values=NULL_VALUES)
    got = con.execute(f"SELECT v, _ok FROM ({layered}) ORDER BY _record").fetchall()
    errs = dict(con.execute(f"SELECT _record, _errors FROM ({semantics.errors_sql(spec, 'duckdb', 'src', null_values=NULL_VALUES)})").fetchall())
    out = []
    for i, (text, (value, ok)) in enumerate(zip(texts, got, strict=True)):
        if ok:
            assert errs[i] == []
            assert one[i] == value or (value != value and one[i] != one[i])  # NaN
            out.append(value)
        else:
            assert errs[i] == ["cast:v"], (text, errs[i])
            assert one[i] is None
            out.append(FAIL)
    return out


@pytest.mark.parametrize("name", list(TABLES))
def test_cast_table(name: str) -> None:
    type_, fmt, table = TABLES[name]
    got = cast_all(type_, [t for t, _ in table], fmt)
    wrong = [(text, want, value) for (text, want), value in zip(table, got, strict=True) if not same(value, want)]
    assert not wrong, f"{name}: (text, expected, got) {wrong}"


def test_spark_pattern_conversion() -> None:
    assert semantics.spark_pattern_to_strftime("yyyy-MM-dd'T'HH:mm:ss.SSSSSS") == "%Y-%m-%dT%H:%M:%S.%f"
    assert semantics.spark_pattern_to_strftime("dd/MMM/yyyy HH:mm:ss Z") == "%d/%b/%Y %H:%M:%S %z"
    assert semantics.spark_pattern_to_strftime("yyyy'%'MM''") == "%Y%%%m'"
    assert semantics.spark_pattern_regex("yyyy-MM-dd") == "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    for bad in ("yyyy-MM-dd[ HH:mm]", "yyyy-ww", "QQQ yyyy"):
        with pytest.raises(SpecError):
            semantics.spark_pattern_to_strftime(bad)


def test_rule_order_and_names() -> None:
    spec = Spec.model_validate({
        "name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"},
        "columns": [
            {"name": "a", "type": "int", "nullable": False, "checks": ["a > 0", "a < b"]},
            {"name": "b", "type": "int", "allowed": [1, 2, 30]},
            {"name": "c", "type": "string", "nullable": False, "allowed": ["x"], "checks": ["length(c) = 1"]},
        ],
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    })
    assert semantics.rule_names(spec.columns[0]) == ["missing_column:a", "cast:a", "not_null:a", "check:a > 0", "check:a < b"]
    con = _con()
    src = pa.table({
        "a": ["x", "-5", None, "5", "1"], "b": ["2", "3", "1", "y", "2"], "c": ["x", "yy", None, "x", "x"],
        "_source_file": ["f"] * 5, "_record": pa.array(range(5), pa.int64()),
    })
    con.register("src", src)
    got = dict(con.execute(f"SELECT _record, _errors FROM ({semantics.errors_sql(spec, 'duckdb', 'src')})").fetchall())
    assert got[0] == ["cast:a"]  # a failed its cast: its checks are not evaluated
    assert got[1] == ["check:a > 0", "allowed:b", "allowed:c", "check:length(c) = 1"]
    assert got[2] == ["not_null:a", "not_null:c"]  # NULL passes checks and allowed
    assert got[3] == ["cast:b"]  # a < b reads b, which failed its cast: not evaluated
    assert got[4] == []
    ok = dict(con.execute(f"SELECT _record, _ok FROM ({semantics.validation_sql(spec, 'duckdb', 'src')})").fetchall())
    assert ok == {0: False, 1: False, 2: False, 3: False, 4: True}


def test_missing_and_typed_columns() -> None:
    spec = _spec("bigint", nullable=False)
    con = _con()
    con.register("src", pa.table({"k": ["1", "x"], "_source_file": ["f", "f"], "_record": pa.array([1, 2], pa.int64())}))
    errs = con.execute(f"SELECT _errors FROM ({semantics.errors_sql(spec, 'duckdb', 'src', missing=['v'])}) ORDER BY _record").fetchall()
    assert [e[0] for e in errs] == [["missing_column:v"], ["missing_column:v", "cast:k"]]
    con.register("typed", pa.table({"v": pa.array([5, None], pa.int64()), "k": ["1", "2"], "_source_file": ["f", "f"],
                                    "_record": pa.array([0, 1], pa.int64())}))
    got = con.execute(f"SELECT v, _ok FROM ({semantics.validation_sql(spec, 'duckdb', 'typed', typed=['v'])}) ORDER BY _record").fetchall()
    assert got == [(5, True), (None, False)]


def test_to_duckdb_transpiles_spark_sql_once() -> None:
    semantics.to_duckdb.cache_clear()
    assert semantics.to_duckdb("CAST(x AS INT)") == "TRY_CAST(x AS INT)"
    assert "TRY_STRPTIME" in semantics.to_duckdb("to_timestamp(x, 'yyyy-MM-dd')").upper()
    semantics.to_duckdb("CAST(x AS INT)")
    assert semantics.to_duckdb.cache_info().hits == 1
    spec = Spec.model_validate({
        "name": "t", "source": {"uri": "s3://raw/t/", "format": "csv"}, "columns": [{"name": "a", "type": "int"}],
        "dedupe": {"keys": ["a"], "order_by": "a, b DESC"}, "derive": {"b": "a + 1"},
        "target": {"database": "d", "table": "t", "location": "s3://lake/t/"},
    })
    # Spark sorts NULLs first for ASC and last for DESC; the DuckDB text says so explicitly.
    assert semantics.dedupe_order_sql(spec, "duckdb") == "a NULLS FIRST, b DESC, _source_file, _record"
    assert semantics.dedupe_order_sql(spec, "spark") == "a, b DESC, _source_file, _record"


def test_spark_rendering_is_spark_sql() -> None:
    """The Spark text parses as Spark SQL (the Glue engine runs it natively)."""
    import sqlglot

    spec = _spec("timestamp")
    for dialect_sql in (semantics.validation_sql(spec, "spark", "src", null_values=NULL_VALUES),
                        semantics.errors_sql(spec, "spark", "src", null_values=NULL_VALUES)):
        assert sqlglot.parse_one(dialect_sql, read="spark") is not None
    col = Column.model_validate({"name": "d", "type": "date", "format": "dd/MM/yyyy"})
    text = semantics.cast_sql(col, "`d`", "spark")
    assert "to_timestamp(" in text and "RLIKE '^[0-9]{2}/[0-9]{2}/[0-9]{4}$'" in text


def test_metadata_and_quarantine_schema() -> None:
    spec = _spec("int", source="V")
    assert semantics.METADATA_COLUMNS == ("_source_file", "_record", "_run_id", "_ingested_at")
    assert semantics.quarantine_schema(spec) == [
        ("V", "string"), ("k", "string"), ("_source_file", "string"), ("_record", "bigint"),
        ("_run_id", "string"), ("_errors", "array<string>"),
    ]
    assert [n for n, _ in semantics.output_schema(spec)] == ["v", "k", *semantics.METADATA_COLUMNS]


def test_raw_names_pass_each_source_value_through_beside_its_typed_value() -> None:
    """``raw=`` hands every spec column's source text out under a name of its own (the Spark engine's
    quarantine needs it), valid row or not, without the relation carrying a copy under that name."""
    spec = _spec("int")
    con = _con()
    con.register("src", pa.table({"v": pa.array([" 7", "x", None]), "k": pa.array(["1", "2", "z"]),
                                  "_source_file": pa.array(["f"] * 3), "_record": pa.array([1, 2, 3], pa.int64())}))
    sql = semantics.validation_sql(spec, "duckdb", "src", null_values=NULL_VALUES, raw=["r_v", "r_k"])
    got = con.execute(f"SELECT v, k, r_v, r_k, _ok FROM ({sql}) ORDER BY _record").fetchall()
    assert got == [(7, 1, " 7", "1", True), (None, 2, "x", "2", False), (None, None, None, "z", False)]
