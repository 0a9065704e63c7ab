"""Arrow hooks used by the engine tests."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def drop_eur(table: pa.Table) -> pa.Table:
    kept = table.filter(pc.not_equal(table.column("currency"), "EUR"))
    return kept.append_column("eur_dropped", pa.array([True] * kept.num_rows))


def double(table: pa.Table) -> pa.Table:
    return pa.concat_tables([table, table])
