"""`plan`, `run` and `backfill` check their input with one function before anything starts: the same bad
input gives the same error and exit code from each."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import ORDERS

MANUAL = ORDERS.replace('schedule: {expression: "cron(0 3 * * ? *)", timezone: Europe/Berlin, window: previous_day}\n',
                        "").replace("name: orders", "name: manual_orders")

BAD = [
    (["orders", "--window", "2024-03-08..2024-03-01"], "--window",
     "window '2024-03-08..2024-03-01' is empty or reversed: END must be after START"),
    (["orders", "--window", "2024-03-01..2024-03-01"], "--window", "is empty or reversed"),
    (["orders", "--window", "yesterday"], "--window", "window 'yesterday' is not a window"),
    (["orders", "--window", "2024-03-01..soon"], "--window", "'soon' is not a date (YYYY-MM-DD) or ISO timestamp"),
    (["orders", "--engine", "spark"], "--engine", "engine 'spark' is not one of auto, lambda, glue"),
    (["ordrs"], None, "no import named 'ordrs'; known: manual_orders, orders"),
    (["manual_orders"], "--window", "manual_orders's source.uri has {date} and the import has no window policy"),
]


@pytest.fixture
def two_imports(project: Path) -> Path:
    assert MANUAL != ORDERS and "schedule:" not in MANUAL
    (project / "imports" / "manual.yaml").write_text(MANUAL)
    return project


@pytest.mark.parametrize(("args", "where", "says"), BAD, ids=[" ".join(a) for a, _, _ in BAD])
def test_plan_and_run_refuse_the_same_input_the_same_way(cli, two_imports: Path, args: list[str],
                                                         where: str | None, says: str) -> None:
    answers = {}
    for command in ("plan", "run"):
        r = cli(command, *args, "--local", "--json")
        body = r.json()
        assert r.code == 2 and body["exit_code"] == 2 and body["error"] == "Lockgate.UsageError", (command, body)
        assert body["where"] == where and says in body["message"], (command, body)
        answers[command] = {k: v for k, v in body.items() if k != "hint"}
        human = cli(command, *args, "--local")
        assert human.code == 2 and human.err_lines[0] == "error: " + (f"{where}: " if where else "") + body["message"]
        assert human.err_lines[1] == f"Try 'lockgate {command} -h' for help." and "Traceback" not in human.err
    assert answers["plan"] == answers["run"]
    assert not (two_imports / "lake" / "_runs").exists(), "a run started although its input was refused"


def test_backfill_uses_the_same_check_and_needs_a_window(cli, two_imports: Path) -> None:
    r = cli("backfill", "orders", "--local", "--window", "2024-03-08..2024-03-01", "--json")
    run = cli("run", "orders", "--local", "--window", "2024-03-08..2024-03-01", "--json")
    assert r.code == run.code == 2 and r.json()["message"] == run.json()["message"]
    missing = cli("backfill", "orders", "--local")
    assert missing.code == 2 and "Missing option '--window'" in missing.err_lines[0]


def test_a_good_window_passes_the_check(cli, two_imports: Path) -> None:
    r = cli("plan", "manual_orders", "--local", "--window", "2024-03-01", "--json")
    assert r.code == 0, r.err
    plan = r.json()
    assert plan["route"] == "empty" and plan["window"]["start"].startswith("2024-03-01T00:00:00")
    assert plan["sources"] == ["s3://acme-raw/shop/orders/2024-03-01/"]
