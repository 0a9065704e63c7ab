"""`lockgate init` makes a project whose printed next commands work, in order, on this machine; `lockgate
lake put` puts files where a run of the window reads them."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.cli.conftest import ORDERS


def test_init_then_every_next_command_works(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOCKGATE_PROJECT", raising=False)
    monkeypatch.chdir(tmp_path)
    made = cli("init", "shop", "--json")
    assert made.code == 0, made.err
    body = made.json()
    root = tmp_path / "shop"
    assert body["project"] == str(root)
    assert sorted(Path(f).relative_to(root).as_posix() for f in body["files"]) == [
        ".gitignore", "data/orders-2024-01-01.csv", "imports/orders.yaml", "lockgate.yaml"]
    assert ".lake/" in (root / ".gitignore").read_text().splitlines()
    steps = body["next"]
    assert [shlex.split(s)[1] for s in steps] == ["validate", "lake", "run", "query"]

    monkeypatch.chdir(root)
    results = []
    for step in steps:
        args = shlex.split(step)
        assert args[0] == "lockgate"
        r = cli(*args[1:], "--json")
        assert r.code == 0, (step, r.out, r.err)
        results.append(r.json())
    validated, put, run, rows = results
    assert validated["valid"] is True
    assert [p["uri"] for p in put] == ["s3://my-raw/orders/2024-01-01/orders-2024-01-01.csv"]
    assert (root / ".lake" / "my-raw" / "orders" / "2024-01-01" / "orders-2024-01-01.csv").is_file()
    assert run["status"] == "SUCCEEDED" and run["route"] == "lambda"
    # six sample rows: one breaks amount >= 0 (quarantine), order 3 twice (dedupe keeps the later one)
    assert (run["rows_in"], run["rows_written"], run["rows_rejected"], run["rows_deduplicated"]) == (6, 4, 1, 1)
    assert rows == [{"order_date": "2024-01-01", "orders": 4}]


def test_init_prints_the_next_commands_and_never_overwrites(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = cli("init", "p")
    assert r.code == 0
    tail = r.out.split("Next, run:\n")[1].splitlines()
    assert tail[0].strip() == "cd p" and tail[1].strip() == "lockgate validate"
    assert tail[3].strip() == "lockgate run orders --local --window 2024-01-01"
    (tmp_path / "p" / "imports" / "orders.yaml").write_text("# mine\n")
    again = cli("init", "p")
    assert again.code == 2 and "already exists" in again.err_lines[0]
    assert (tmp_path / "p" / "imports" / "orders.yaml").read_text() == "# mine\n"


def test_init_adds_to_an_existing_gitignore(cli, tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("node_modules/\n.lake/\n")
    assert cli("init", str(tmp_path)).code == 0
    assert (tmp_path / ".gitignore").read_text().splitlines() == [
        "node_modules/", ".lake/", "# Lockgate: the local lake (runs, tables, quarantine) and rendered output", "build/"]


@pytest.fixture
def sample(project: Path) -> Path:
    f = project / "part-1.csv.gz"
    f.write_bytes(b"\x1f\x8b not really gzip, the name is what matters here")
    return f


def test_lake_put_lands_where_plan_looks(cli, project: Path, sample: Path) -> None:
    put = cli("lake", "put", "orders", str(sample), "--window", "2024-03-01")
    assert put.code == 0, put.err
    assert put.out.splitlines()[0] == f"{sample} -> s3://acme-raw/shop/orders/2024-03-01/part-1.csv.gz ({sample.stat().st_size} bytes)"
    plan = cli("plan", "orders", "--local", "--window", "2024-03-01", "--json").json()
    assert plan["objects"] == 1 and plan["bytes"] == sample.stat().st_size
    other_day = cli("plan", "orders", "--local", "--window", "2024-03-02", "--json").json()
    assert other_day["objects"] == 0


@pytest.mark.parametrize(("args", "says"), [
    (["--window", "2024-03-01..2024-03-03"], "covers 2 source locations"),
    ([], "has placeholders; pass --window"),
    (["--window", "nope"], "window 'nope' is not a window"),
])
def test_lake_put_refuses_what_a_run_would_not_read(cli, project: Path, sample: Path, args: list[str], says: str) -> None:
    r = cli("lake", "put", "orders", str(sample), *args)
    assert r.code == 2 and says in r.err_lines[0] and r.err_lines[1] == "Try 'lockgate lake put -h' for help."
    assert not (project / "lake").exists()


def test_lake_put_checks_the_source_pattern(cli, project: Path) -> None:
    wrong = project / "orders.json"
    wrong.write_text("{}")
    r = cli("lake", "put", "orders", str(wrong), "--window", "2024-03-01")
    assert r.code == 2
    assert r.err_lines[0] == ("error: orders.json does not match orders's source.pattern '*.csv.gz', so a run would "
                              "not read it; rename the file to match")
    (project / "imports" / "orders.yaml").write_text(ORDERS.replace("{date}/", "{date}/all.csv.gz").replace(
        '  pattern: "*.csv.gz"                           # optional glob on object names\n', ""))
    one = cli("lake", "put", "orders", str(wrong), "--window", "2024-03-01", "--json")
    assert one.code == 0, one.err
    assert one.json()[0]["uri"] == "s3://acme-raw/shop/orders/2024-03-01/all.csv.gz"
