"""Issue 15: `lockgate validate` refuses locations that overlap, and an empty window with min_rows fails at plan."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestration.api import validate_paths
from orchestration.core.errors import QualityError
from orchestration.core.spec import parse_spec
from orchestration.core.spec.locations import overlaps, source_prefix
from orchestration.core.storage import LocalLake
from orchestration.planning import plan_run


def spec(name: str, source: str, location: str, quarantine: str | None = None, **target: object) -> dict:
    return {"name": name, "source": {"uri": source, "format": "csv"}, "columns": [{"name": "id", "type": "bigint"}],
            "target": {"database": "db", "table": name, "location": location,
                       **({"quarantine": quarantine} if quarantine else {}), **target}}


def has(problems: list[str], file: str, text: str) -> bool:
    """A problem line of ``file`` (``FILE[:LINE]: field: message``) containing ``text``."""
    return any(file in p.split(": ", 1)[0] and text in p for p in problems)


def validate(tmp_path: Path, *specs: dict) -> list[str]:
    for s in specs:
        (tmp_path / f"{s['name']}.yaml").write_text(yaml.safe_dump(s))
    return validate_paths(None, [tmp_path]).problems


def test_overlap_is_by_whole_path_segments() -> None:
    assert overlaps("s3://lake/sales/", "s3://lake/sales/orders/")
    assert overlaps("s3://lake/sales/orders", "s3://lake/sales/orders/")
    assert not overlaps("s3://lake/sales/orders/", "s3://lake/sales/orders_quarantine/")
    assert source_prefix("s3://raw/shop/{date}/orders-{hour}.csv") == "s3://raw/shop/"


def test_a_target_over_another_imports_table_is_refused_naming_both(tmp_path: Path) -> None:
    problems = validate(tmp_path, spec("orders", "s3://raw/orders/{date}/", "s3://lake/sales/orders/"),
                        spec("sales", "s3://raw/sales/{date}/", "s3://lake/sales/", mode="overwrite"))
    assert has(problems, "sales.yaml", "target.location: s3://lake/sales/ overlaps import 'orders'"), problems
    assert has(problems, "orders.yaml", "target.location: s3://lake/sales/orders/ overlaps import 'sales'")


def test_a_target_or_quarantine_over_another_imports_source_is_refused(tmp_path: Path) -> None:
    problems = validate(tmp_path, spec("raw_copy", "s3://raw/a/{date}/", "s3://raw/b/"),
                        spec("b_loader", "s3://raw/b/{date}/", "s3://lake/b/", quarantine="s3://raw/a/q/"))
    assert has(problems, "raw_copy.yaml", "target.location: s3://raw/b/ overlaps import 'b_loader''s source.uri")
    assert has(problems, "b_loader.yaml", "target.quarantine: s3://raw/a/q/ overlaps import 'raw_copy''s source.uri")


def test_a_target_equal_to_its_own_source_and_a_quarantine_inside_the_table_are_refused(tmp_path: Path) -> None:
    problems = validate(tmp_path, spec("selfish", "s3://lake/orders/", "s3://lake/orders/"),
                        spec("nested", "s3://raw/n/", "s3://lake/n/", quarantine="s3://lake/n/rejected/"))
    assert has(problems, "selfish.yaml", "target.location: the table location s3://lake/orders/ overlaps this "
               "import's own source"), problems
    assert has(problems, "nested.yaml", "target.quarantine: the quarantine s3://lake/n/rejected/ overlaps the table")
    (tmp_path / "hidden").mkdir()
    assert validate(tmp_path / "hidden", spec("hidden", "s3://raw/h/", "s3://lake/h/", quarantine="s3://lake/h/_rejected/")) \
        == []  # a hidden folder of the table: Athena, the crawler and commit skip it


def test_separate_locations_validate(tmp_path: Path) -> None:
    assert validate(tmp_path, spec("a", "s3://raw/a/{date}/", "s3://lake/a/"),
                    spec("b", "s3://raw/a/{date}/", "s3://lake/b/")) == []  # sharing a source is fine


def test_overwrite_partitions_on_an_unpartitioned_windowed_table_is_refused(tmp_path: Path) -> None:
    problems = validate(tmp_path, spec("daily", "s3://raw/d/{date}/", "s3://lake/d/", mode="overwrite_partitions"))
    assert any("target.mode: overwrite_partitions on an unpartitioned table" in p for p in problems), problems


@pytest.mark.parametrize(("quality", "fails"), [({"min_rows": 1}, True), ({"min_rows": 1, "allow_empty": True}, False),
                                                ({}, False)])
def test_an_empty_window_fails_at_plan_when_min_rows_asks_for_rows(tmp_path: Path, quality: dict, fails: bool) -> None:
    s = parse_spec({**spec("orders", "s3://raw/orders/{date}/", "s3://lake/orders/"), "quality": quality})
    run = lambda: plan_run(s, run_id="r", started_at="2024-03-01T02:00:00Z",  # noqa: E731
                           execution_input={"window": {"start": "2024-02-01", "end": "2024-02-02"}},
                           control_uri="s3://lockgate-control/", storage=LocalLake(tmp_path))
    if fails:
        with pytest.raises(QualityError, match=r"no source objects under s3://raw/orders/2024-02-01/.*min_rows is 1.*"
                                               r"allow_empty: true"):
            run()
    else:
        assert run().route == "empty"
