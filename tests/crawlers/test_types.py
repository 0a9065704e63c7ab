"""Arrow -> Glue types as the crawler records them, Glue -> DuckDB for the local query engine."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from orchestration.core.types import arrow_to_glue, glue_to_duckdb, is_widening


@pytest.mark.parametrize(("arrow", "glue"), [
    (pa.int64(), "bigint"), (pa.int32(), "int"), (pa.int16(), "smallint"), (pa.float64(), "double"),
    (pa.float32(), "float"), (pa.decimal128(12, 2), "decimal(12,2)"), (pa.string(), "string"),
    (pa.large_string(), "string"), (pa.bool_(), "boolean"), (pa.date32(), "date"),
    (pa.timestamp("us"), "timestamp"), (pa.timestamp("ns", tz="UTC"), "timestamp"), (pa.binary(), "binary"),
    (pa.list_(pa.string()), "array<string>"),
    (pa.struct([("a", pa.int32()), ("b", pa.list_(pa.float64()))]), "struct<a:int,b:array<double>>"),
    (pa.map_(pa.string(), pa.int64()), "map<string,bigint>"),
    (pa.dictionary(pa.int32(), pa.string()), "string"),
])
def test_arrow_to_glue(arrow: pa.DataType, glue: str) -> None:
    assert arrow_to_glue(arrow) == glue


@pytest.mark.parametrize("glue", ["bigint", "decimal(12,2)", "array<string>", "map<string,bigint>",
                                  "struct<a:int,b:array<double>,c:map<string,struct<x:date>>>", "timestamp"])
def test_glue_types_are_valid_duckdb_types(glue: str) -> None:
    duckdb.sql(f"SELECT CAST(NULL AS {glue_to_duckdb(glue)}) AS x").fetchall()


def test_unknown_glue_type_is_named() -> None:
    with pytest.raises(ValueError, match="unknown Glue type 'geometry'"):
        glue_to_duckdb("geometry")


def test_widening() -> None:
    assert is_widening("int", "bigint") and is_widening("decimal(10,2)", "decimal(12,2)")
    assert not is_widening("bigint", "int") and not is_widening("decimal(12,2)", "decimal(12,3)")
