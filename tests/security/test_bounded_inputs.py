"""Bounded inputs: a hostile spec file cannot stop the project, error text stays short, windows are bounded.

The alias bomb of the issue (909 bytes, nine levels of nine) made `validate`, `list` and `run` print 39 MB
and ran past 90 s and 1.6 GB; here it is refused before it is built, and every other import still works.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from orchestration.config import Project
from orchestration.core.errors import ConfigError
from orchestration.core.spec import SpecInvalid, load_spec
from orchestration.core.spec.loader import MAX_ALIASES, MAX_PROBLEM_CHARS, MAX_PROBLEMS, MAX_SPEC_BYTES
from orchestration.core.spec.window import Window, check_window_length
from tests.cli.conftest import cli, project  # noqa: F401 - the CLI runner and the example project, as fixtures here


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["name: bomb", "lol0: &lol0 [" + ", ".join(["lulululululululululululul"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"lol{i}: &lol{i} [" + ", ".join([f"*lol{i - 1}"] * width) + "]")
    lines.append(f"columns: *lol{levels - 1}")
    return "\n".join(lines) + "\n"


def test_the_alias_bomb_is_refused_naming_the_file(tmp_path: Path) -> None:
    f = tmp_path / "bomb.yaml"
    f.write_text(alias_bomb())
    assert 800 < f.stat().st_size < 1100
    with pytest.raises(SpecInvalid) as info:
        load_spec(f)
    assert len(info.value.problems) == 1 and len(str(info.value)) < 400
    assert str(info.value).startswith(f"{f}: ") and "refused" in str(info.value) and "alias" in str(info.value)


def test_a_bomb_under_the_alias_count_is_refused_by_its_expanded_size(tmp_path: Path) -> None:
    f = tmp_path / "bomb.yaml"
    f.write_text(alias_bomb(levels=30, width=3))  # 87 aliases, 3**30 values
    with pytest.raises(SpecInvalid, match="expand it to more than"):
        load_spec(f)


def test_too_many_aliases_and_recursive_aliases_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "many.yaml"
    f.write_text("name: many\nx: &x 1\nys: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n")
    with pytest.raises(SpecInvalid, match=f"more than {MAX_ALIASES} YAML aliases"):
        load_spec(f)
    f.write_text("name: loop\nsource: &s [*s]\n")
    with pytest.raises(SpecInvalid, match="alias refers to a value that contains it"):
        load_spec(f)


def test_a_few_aliases_still_work(project: Path) -> None:  # noqa: F811
    spec = project / "imports" / "orders.yaml"
    text = spec.read_text()
    assert "lambda:" in text
    spec.write_text(text.replace("name: orders", "name: orders\nx-shared: &shared [a, b]\n", 1))
    with pytest.raises(SpecInvalid, match="x-shared: unknown field"):  # parsed, then validated as usual
        load_spec(spec)


def test_an_oversized_spec_is_refused_unread(tmp_path: Path) -> None:
    f = tmp_path / "huge.yaml"
    f.write_text("name: huge\n# " + "x" * MAX_SPEC_BYTES + "\n")
    with pytest.raises(SpecInvalid, match=r"huge.yaml: file: is 1,048,5\d\d bytes; specs are at most 1,048,576"):
        load_spec(f)


def test_problems_are_truncated_and_counted(tmp_path: Path) -> None:
    f = tmp_path / "noisy.yaml"
    fields = "\n".join(f"{'k' * 900}_{i}: {'v' * 500}" for i in range(200))
    f.write_text(f"name: noisy\nsource: {{uri: 's3://raw/x/', format: '{'z' * 100_000}'}}\n{fields}\n")
    with pytest.raises(SpecInvalid) as info:
        load_spec(f)
    problems = info.value.problems
    assert len(problems) == MAX_PROBLEMS + 1 and problems[-1].message.startswith("1")
    assert all(len(p.message) <= MAX_PROBLEM_CHARS and len(p.path) <= MAX_PROBLEM_CHARS for p in problems)
    assert max(len(line) for line in info.value.lines()) < 2 * MAX_PROBLEM_CHARS + len(str(f)) + 20


def test_one_hostile_spec_does_not_stop_the_project(cli: Any, project: Path) -> None:  # noqa: F811
    (project / "imports" / "bomb.yaml").write_text(alias_bomb())
    (project / "imports" / "huge.yaml").write_text("name: huge\n# " + "x" * MAX_SPEC_BYTES + "\n")
    listed = cli("list", "--json")
    assert listed.code in (0, 2) and len(listed.out) + len(listed.err) < 5000
    assert "orders" in listed.out
    validated = cli("validate")
    assert validated.code == 2 and len(validated.out) + len(validated.err) < 5000
    assert "bomb.yaml" in validated.out + validated.err and "huge.yaml" in validated.out + validated.err
    plan = cli("plan", "orders", "--local", "--window", "2024-03-01", "--json")
    assert plan.code == 0, plan.err
    bomb = cli("plan", "bomb", "--local", "--window", "2024-03-01")
    assert bomb.code == 2 and "bomb.yaml" in bomb.err and len(bomb.err) < 1000


def test_a_hostile_lockgate_yaml_is_a_clear_config_error(tmp_path: Path) -> None:
    (tmp_path / "lockgate.yaml").write_text(alias_bomb().replace("name: bomb", "imports: imports"))
    with pytest.raises(ConfigError, match="lockgate.yaml: document: refused"):
        Project.load(tmp_path)


def test_an_endless_window_is_refused_before_planning(cli: Any, project: Path) -> None:  # noqa: F811
    r = cli("plan", "orders", "--local", "--window", "2024-01-01..9999-12-31")
    assert r.code == 2 and "Traceback" not in r.err
    assert "spans 2,913,173 days" in r.err and "longest window allowed is 3,653 days" in r.err
    assert "limits.max_window_days" in r.err
    backfill = cli("backfill", "orders", "--local", "--window", "2024-01-01..9999-12-31", "--chunk", "1")
    assert backfill.code == 2 and "longest window" in backfill.err


def test_the_window_limit_is_configurable(cli: Any, project: Path) -> None:  # noqa: F811
    (project / "lockgate.yaml").write_text("imports: imports\nlocal: {lake: lake}\nlimits: {max_window_days: 7}\n")
    r = cli("plan", "orders", "--local", "--window", "2024-03-01..2024-03-09")
    assert r.code == 2 and "longest window allowed is 7 days" in r.err
    ok = cli("plan", "orders", "--local", "--window", "2024-03-01..2024-03-08", "--json")
    assert ok.code == 0, ok.err


def test_window_length_rule() -> None:
    utc = dt.UTC
    ten_years = Window(dt.datetime(2020, 1, 1, tzinfo=utc), dt.datetime(2030, 1, 1, tzinfo=utc))
    assert check_window_length(ten_years) is ten_years
    with pytest.raises(ValueError, match="spans 3,654 days"):
        check_window_length(Window(ten_years.start, dt.datetime(2030, 1, 2, tzinfo=utc)))


def test_the_plan_bounds_source_prefixes_even_without_the_cli() -> None:
    """A run started with start-execution skips the CLI's window check; the expansion itself is bounded."""
    from orchestration.core.spec.window import MAX_SOURCE_PREFIXES, expand_source_uris

    utc = dt.UTC
    endless = Window(dt.datetime(2024, 1, 1, tzinfo=utc), dt.datetime(9999, 12, 31, tzinfo=utc))
    with pytest.raises(ValueError, match=f"at most {MAX_SOURCE_PREFIXES:,} are planned at once"):
        expand_source_uris("s3://raw/orders/{date}/", endless)
    ten_years = Window(dt.datetime(2014, 1, 1, tzinfo=utc), dt.datetime(2024, 1, 1, tzinfo=utc))
    assert len(expand_source_uris("s3://raw/orders/{date}/{hour}/", ten_years)) == 87_648
    years = Window(endless.start, dt.datetime(9000, 1, 1, tzinfo=utc))
    assert len(expand_source_uris("s3://raw/orders/{year}/", years)) == 6976
