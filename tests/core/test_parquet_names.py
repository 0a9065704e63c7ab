"""The rule both engines apply to a Parquet object's column names."""

from __future__ import annotations

from orchestration.core.semantics.parquet import column_names_problem


def test_names_spark_cannot_tell_apart_are_a_problem_naming_both() -> None:
    assert column_names_problem(["a", "b", "A_b", "é"]) is None
    assert column_names_problem(["a", "b", "a"]) == "column 'a' appears twice; each column of a Parquet object needs its own name"
    problem = column_names_problem(["Id", "x", "ID"])
    assert problem is not None and problem.startswith("columns 'Id' and 'ID' differ only in case")
