"""Arrow hooks used by the engine tests."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def drop_eur(table: pa.Table) -> pa.Table:
    kept = table.filter(pc.not_equal(table.column("currency"), "EUR"))
    return kept.append_column("eur_dropped", pa.array([True] * kept.num_rows))


def double(table: pa.Table) -> pa.Table:
    return pa.concat_tables([table, table])


def amount_as_text(table: pa.Table) -> pa.Table:
    i = table.column_names.index("amount")
    return table.set_column(i, "amount", pc.cast(table.column("amount"), pa.string()))


def forge_run_id(table: pa.Table) -> pa.Table:
    i = table.column_names.index("_run_id")
    return table.set_column(i, "_run_id", pa.array(["someone-else"] * table.num_rows, pa.string()))


def forge_record(table: pa.Table) -> pa.Table:
    i = table.column_names.index("_record")
    return table.set_column(i, "_record", pc.add(table.column("_record"), 1000))


def odd_name(table: pa.Table) -> pa.Table:
    return table.append_column("Amount Total", table.column("amount"))
