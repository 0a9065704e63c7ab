"""Python in Glue scripts translated to the spec's Spark SQL and paths, and what is left untranslated."""

from __future__ import annotations

import ast
from datetime import UTC, datetime

import pytest

from orchestration.assess import Account, GlueJob, assess
from orchestration.assess.sqlexpr import column_sql, record_lambda_sql
from orchestration.assess.strings import UNRESOLVED, Strings, fixed_prefix
from tests.assess.account import CORPUS


def _expr(code: str) -> ast.expr:
    return ast.parse(code, mode="eval").body


@pytest.mark.parametrize(("code", "sql"), [
    ('lambda r: r["amount"] >= 0', "amount >= 0"),
    ('lambda r: r["status"] != "test" and r["qty"] > 0', "(status <> 'test' AND qty > 0)"),
    ('lambda x: x["a"] is not None or not x["b"] == 1', "(a IS NOT NULL OR NOT (b = 1))"),
    ('lambda r: r["c"] in ["EUR", "USD"]', "c IN ('EUR', 'USD')"),
    ('lambda r: r["c"] not in ("x",)', "c NOT IN ('x')"),
    ('lambda r: 0 <= r["p"] < 100', "(0 <= p AND p < 100)"),
    ('lambda r: len(r["name"].strip()) > 0', "length(trim(name)) > 0"),
    ('lambda r: r.get("Order ID") == "it\'s"', "`Order ID` = 'it''s'"),
    ('lambda r: r["a"] * 2 > r["b"]', "(a * 2) > b"),
    ('lambda r: some_function(r)', None),
    ('lambda r, s: True', None),
])
def test_filter_lambdas(code: str, sql: str | None) -> None:
    assert record_lambda_sql(_expr(code)) == sql


@pytest.mark.parametrize(("code", "sql"), [
    ('F.col("amount") >= 0', "amount >= 0"),
    ('(col("a") > 1) & ~col("b").isNull()', "(a > 1 AND NOT (b IS NULL))"),
    ('df["status"].isin("a", "b")', "status IN ('a', 'b')"),
    ('F.to_date(F.col("ts"), "yyyy-MM-dd")', "to_date(ts, 'yyyy-MM-dd')"),
    ('F.when(F.col("x") > 0, "pos").otherwise("neg")', "CASE WHEN x > 0 THEN 'pos' ELSE 'neg' END"),
    ('F.expr("amount * 1.19")', "amount * 1.19"),
    ('col("price").cast("decimal(10,2)")', "CAST(price AS decimal(10,2))"),
    ('F.upper(df.name)', "upper(name)"),
    ('F.sha1(F.col("x"))', None),
])
def test_column_expressions(code: str, sql: str | None) -> None:
    assert column_sql(_expr(code), {"df"}) == sql


def test_paths_resolve_arguments_dates_and_literals() -> None:
    tree = ast.parse('args = getResolvedOptions(sys.argv, ["bucket", "run_date", "token"])\n'
                     'base = "s3://" + args["bucket"] + "/orders/"\n')
    strings = Strings({"--bucket": "acme-raw"})
    strings.learn(tree)
    assert strings.values["base"] == "s3://acme-raw/orders/"
    assert strings.text(_expr('f"{base}{args[\'run_date\']}/"')) == "s3://acme-raw/orders/{date}/"
    assert strings.text(_expr('"s3://b/{}/x".format(day.strftime("%Y/%m/%d"))')) == "s3://b/{year}/{month}/{day}/x"
    unresolved = strings.text(_expr('f"s3://b/data/{args[\'token\']}/part"'))
    assert unresolved == f"s3://b/data/{UNRESOLVED}/part" and fixed_prefix(unresolved) == "s3://b/data/"


def test_jobs_whose_names_make_the_same_identifier_get_distinct_drafts() -> None:
    script = (CORPUS / "orders_daily.py").read_text()
    jobs = [GlueJob(n, "glueetl", f"s3://s/{n}.py", worker_type="G.1X", workers=2) for n in ("Orders-Daily", "orders daily")]
    account = Account(jobs, {}, [], {j.name: script for j in jobs})
    result = assess(account, as_of=datetime(2026, 12, 1, tzinfo=UTC))
    names = sorted(j.draft.name for j in result.jobs)
    assert names == ["orders_daily", "orders_daily_2"]
    assert all(j.draft.spec is not None and j.draft.spec.name == j.draft.name for j in result.jobs)


def test_a_step_without_translation_makes_the_draft_medium_risk() -> None:
    script = (CORPUS / "orders_daily.py").read_text().replace(
        'f=lambda r: r["amount"] >= 0 and r["currency"] in ("EUR", "USD", "GBP")', "f=is_valid")
    script = script.replace("args = getResolvedOptions", "def is_valid(r):\n    return r['amount'] >= 0\n\n\nargs = "
                            "getResolvedOptions")
    job = GlueJob("orders", "glueetl", "s3://s/orders.py", worker_type="G.1X", workers=2)
    result = assess(Account([job], {}, [], {"orders": script}), as_of=datetime(2026, 12, 1, tzinfo=UTC))
    j = result.jobs[0]
    assert j.analysis.pattern == "simple" and j.risk == "medium"
    assert "has no Spark SQL translation; write it by hand" in j.risk_why
    assert j.draft.spec is not None and j.draft.spec.filter is None


@pytest.mark.parametrize(("old", "new", "what"), [
    ("clean = DropNullFields.apply(frame=valid)",
     "clean = ResolveChoice.apply(frame=valid, specs=[('amount', 'cast:double')])", "ResolveChoice"),
    ("clean = DropNullFields.apply(frame=valid)", "clean = valid.toDF().withColumnRenamed('amount', 'total')",
     "withColumnRenamed"),
])
def test_a_step_the_draft_does_not_carry_is_named_not_dropped(old: str, new: str, what: str) -> None:
    script = (CORPUS / "orders_daily.py").read_text().replace(old, new)
    job = GlueJob("orders", "glueetl", "s3://s/orders.py", worker_type="G.1X", workers=2)
    j = assess(Account([job], {}, [], {"orders": script}), as_of=datetime(2026, 12, 1, tzinfo=UTC)).jobs[0]
    assert j.analysis.pattern == "simple" and j.risk == "medium"
    assert f"line 33: {what} is not carried into the draft" in j.risk_why
    assert f"# - line 33: {what} is not carried into the draft" in (j.draft.text or "")
