"""Hook outputs are held to the spec's schema (docs/hooks.md): names and types of every column the hook
received, metadata untouched; a violation is a DataError naming the hook and the column."""

from __future__ import annotations

import pytest

from orchestration.core.errors import DataError
from orchestration.core.semantics.hooks import hook_input_types, hook_problems
from orchestration.core.storage import Storage

from .conftest import make_spec
from .test_engine import _csv, _records, run


def test_the_rule_names_each_broken_column() -> None:
    spec = make_spec(hooks={"arrow": "tests.engine.hooks:amount_as_text"})
    received = hook_input_types(spec)
    assert received[-4:] == [("_source_file", "string"), ("_record", "bigint"), ("_run_id", "string"),
                             ("_ingested_at", "timestamp")]
    assert ("order_date", "date") in received  # derived columns with their fixed type
    assert hook_problems(spec, [*received, ("extra", "array<string>")]) == []
    returned = [(n, "string" if n == "amount" else t) for n, t in received if n != "_run_id"]
    problems = hook_problems(spec, [*returned, ("order_date", "date"), ("Bad Name", "int")])
    assert any("'amount' as string, but its type is decimal(12,2)" in p for p in problems)
    assert any("dropped column '_run_id' (a metadata column)" in p for p in problems)
    assert any("'order_date' twice" in p for p in problems)
    assert any("'Bad Name'" in p and "lowercase identifier" in p for p in problems)


@pytest.mark.parametrize(("hook", "message"), [
    ("amount_as_text", "the arrow hook tests.engine.hooks:amount_as_text returned column 'amount' as string, "
                       "but its type is decimal(12,2)"),
    ("forge_run_id", "changed the values of the metadata column '_run_id'"),
    ("forge_record", "changed the values of the metadata column '_record'"),
    ("odd_name", "added column 'Amount Total', which is not a lowercase identifier"),
])
def test_the_lambda_engine_refuses_a_hook_that_breaks_the_rule(storage: Storage, hook: str, message: str) -> None:
    spec = make_spec(hooks={"arrow": f"tests.engine.hooks:{hook}"})
    with pytest.raises(DataError) as info:
        run(storage, spec, {"a.csv": _csv(_records())})
    assert message in str(info.value)
    assert info.value.where == "orders: hooks.arrow"


def test_a_missing_hook_module_names_the_hook(storage: Storage) -> None:
    from orchestration.core.errors import SpecError

    spec = make_spec(hooks={"arrow": "tests.engine.no_such_module:fn"})
    with pytest.raises(SpecError, match="cannot load the arrow hook 'tests.engine.no_such_module:fn'"):
        run(storage, spec, {"a.csv": _csv(_records())})
