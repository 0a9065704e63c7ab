"""An ``arrow`` hook and a ``spark`` hook that mean the same thing give the same table on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.glue.spark import spec_of
from tests.parity.harness import assert_same, run_glue, run_lambda

pytestmark = pytest.mark.spark

SPEC = {
    "columns": [{"name": "id", "type": "int"}, {"name": "name", "type": "string"}],
    "filter": "id > 0",
    "hooks": {"arrow": "tests.parity.hooks:upper_arrow", "spark": "tests.parity.hooks:upper_spark"},
    "dedupe": {"keys": ["name_upper"], "order_by": "id DESC"},
}
DATA = "id,name\n1,ann\n2,drop\n3,Ünal\n0,zed\n4,\n5,ANN\nx,bad\n6,\n"


def test_arrow_and_spark_hooks_agree(spark, tmp_path: Path) -> None:
    spec = spec_of(SPEC)
    lam = run_lambda(tmp_path, spec, {"h.csv": DATA})
    glue = run_glue(spark, tmp_path, spec, {"h.csv": DATA})
    # 8 rows: 1 rejected (x), 1 filtered (id 0), 1 dropped by the hook, ann/ANN and the two NULLs dedupe
    assert lam.counts == (8, 3, 1, 2, 2)
    assert glue.columns[:3] == [("id", "int32"), ("name", "string"), ("name_upper", "string")]
    assert_same(lam, glue)
