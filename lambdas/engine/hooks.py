"""The ``arrow`` hook: loaded once, run per chunk, its output held to the hook rule (docs/hooks.md).

The schema rule (names, types, new column names) is ``orchestration.core.semantics.hooks``, shared with
the Glue engine. Here, on top, every metadata value is checked against the chunk the hook received:
``_source_file``, ``_run_id`` and ``_ingested_at`` keep their values, ``_record`` only names records of
the chunk, each at most once.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from orchestration.core import semantics
from orchestration.core.errors import DataError, SpecError
from orchestration.core.semantics.hooks import check_hook_output
from orchestration.core.types import arrow_to_glue

if TYPE_CHECKING:
    import pyarrow as pa

    from orchestration.core.spec import Spec

__all__ = ["ArrowHook", "load_arrow_hook", "run_arrow_hook"]

ArrowHook = Callable[["pa.Table"], "pa.Table"]


def load_arrow_hook(spec: Spec) -> ArrowHook | None:
    """The spec's ``arrow`` hook function, or None; SpecError names the hook and the fix."""
    ref = spec.hooks.arrow
    if not ref:
        return None
    module, _, name = ref.partition(":")
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise SpecError(f"cannot load the arrow hook {ref!r}: {e}; ship its module with the Lambda package "
                        "or fix the name", where=f"{spec.name}: hooks.arrow") from None
    if not callable(fn):
        raise SpecError(f"the arrow hook {ref!r} is not a function", where=f"{spec.name}: hooks.arrow")
    return fn


def _fail(spec: Spec, message: str) -> DataError:
    return DataError(f"the arrow hook {spec.hooks.arrow} {message}", where=f"{spec.name}: hooks.arrow")


def _check_metadata(spec: Spec, before: pa.Table, out: pa.Table) -> None:
    import pyarrow.compute as pc

    for name in ("_source_file", "_run_id", "_ingested_at"):
        kept = pc.is_in(out.column(name), value_set=pc.unique(before.column(name)))
        if out.num_rows and not pc.all(kept).as_py():
            raise _fail(spec, f"changed the values of the metadata column {name!r}; a hook must leave "
                        "_source_file, _record, _run_id and _ingested_at as it received them")
    records = out.column("_record")
    known = pc.is_in(records, value_set=before.column("_record").combine_chunks())
    if out.num_rows and (not pc.all(known).as_py() or pc.count_distinct(records).as_py() != out.num_rows):
        raise _fail(spec, "changed the values of the metadata column '_record' (a record it did not receive, "
                    "or one record twice); a hook may only remove rows")


def run_arrow_hook(spec: Spec, hook: ArrowHook, table: pa.Table) -> pa.Table:
    """The hook's output with the metadata columns last, after checking it (DataError naming the hook
    and the column otherwise)."""
    import pyarrow as pa

    out = hook(table)
    if not isinstance(out, pa.Table):
        raise _fail(spec, f"returned {type(out).__name__}, not a pyarrow.Table")
    if out.num_rows > table.num_rows:
        raise _fail(spec, f"added rows ({table.num_rows} -> {out.num_rows}); hooks may only remove rows")
    check_hook_output(spec, "arrow", [(f.name, arrow_to_glue(f.type)) for f in out.schema])
    _check_metadata(spec, table, out)
    meta = list(semantics.METADATA_COLUMNS)
    return out.select([c for c in out.column_names if c not in meta] + meta)
