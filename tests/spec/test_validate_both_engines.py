"""`validate` refuses, in one pass and with FILE:LINE:COL, whatever either engine would reject at run time.

Every spec expression is compiled for Spark SQL (Glue engine) and DuckDB (Lambda engine); the allowed
functions are an allow-list whose DuckDB forms are proven here against a real DuckDB.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.core.spec import SpecInvalid, load_spec
from orchestration.core.spec.functions import ALLOWED_ANONYMOUS, ALLOWED_FUNCTIONS
from orchestration.core.spec.transpile import to_duckdb
from tests.conftest import EXAMPLES, ROOT

ORDERS = (EXAMPLES / "orders.yaml").read_text()


def _problems(tmp_path: Path, text: str) -> list[str]:
    f = tmp_path / "spec.yaml"
    f.write_text(text)
    with pytest.raises(SpecInvalid) as info:
        load_spec(f)
    return info.value.lines()


def _with_derive(tmp_path: Path, expr: str) -> list[str]:
    data = yaml.safe_load(ORDERS)
    data["derive"] = {"extra": expr}
    return _problems(tmp_path, yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(("expr", "words"), [
    ("frobnicate(amount)", ["frobnicate()", "unknown function"]),
    ("current_setting('threads')", ["current_setting()", "DuckDB-only", "Glue engine"]),
    ("read_csv('/etc/passwd')", ["read_csv()", "reads files"]),
    ("getenv('HOME')", ["getenv()", "environment"]),
    ("uppr(status)", ["did you mean upper()"]),
    ("to_date(status, 'yyyy-MM-dd QQQ')", ["'QQQ' is not supported"]),
    ("regexp_extract(status, '(a)\\\\1', 1)", ["backreference", "RE2"]),
    ("now()", ["clock"]),
    ("sum(amount)", ["aggregate"]),
])
def test_expressions_either_engine_would_reject_are_refused(tmp_path: Path, expr: str, words: list[str]) -> None:
    lines = _with_derive(tmp_path, expr)
    derive = [line for line in lines if ": derive.extra: " in line]
    assert derive, lines
    for word in words:
        assert word in derive[0], derive[0]


def test_allowed_functions_run_in_duckdb_as_transpiled() -> None:
    """One sample call per allow-listed function: its DuckDB form parses and binds in a real DuckDB."""
    samples = {
        "case": "CASE WHEN n > 1 THEN s END", "if": "if(n > 1, 1, 2)", "coalesce": "nvl(s, 'x')",
        "nullif": "nullif(n, 0)", "nvl2": "nvl2(s, 1, 2)", "greatest": "greatest(n, 2)", "least": "least(n, 2)",
        "isnan": "isnan(f)", "cast": "CAST(s AS INT)", "try_cast": "try_cast(s AS INT)",
        "upper": "upper(s)", "lower": "lower(s)", "trim": "trim(s)", "length": "length(s)",
        "substr": "substr(s, 1, 2)", "concat": "concat(s, 'x')", "concat_ws": "concat_ws('-', s, s)",
        "replace": "replace(s, 'a', 'b')", "lpad": "lpad(s, 5, '0')", "left": "left(s, 2)", "right": "right(s, 2)",
        "reverse": "reverse(s)", "instr": "instr(s, 'a')", "startswith": "startswith(s, 'a')",
        "endswith": "endswith(s, 'a')", "contains": "contains(s, 'a')",
        "regexp_extract": "regexp_extract(s, '([a-z]+)', 1)", "regexp_replace": "regexp_replace(s, 'a', 'b')",
        "rlike": "s RLIKE '^a'", "repeat": "repeat(s, 2)", "translate": "translate(s, 'a', 'b')", "md5": "md5(s)",
        "ascii": "ascii(s)", "chr": "chr(n)", "abs": "abs(n)", "round": "round(f, 1)", "floor": "floor(f)",
        "ceil": "ceil(f)", "sqrt": "sqrt(f)", "exp": "exp(f)", "ln": "ln(f)", "log": "log(10, f)",
        "pow": "pow(f, 2)", "sign": "sign(f)", "year": "year(d)", "month": "month(d)", "day": "day(d)",
        "dayofmonth": "dayofmonth(d)", "dayofweek": "dayofweek(d)", "dayofyear": "dayofyear(d)", "hour": "hour(t)",
        "minute": "minute(t)", "second": "second(t)", "quarter": "quarter(d)", "weekofyear": "weekofyear(d)",
        "to_date": "to_date(s, 'yyyy-MM-dd')", "to_timestamp": "to_timestamp(s, 'yyyy-MM-dd HH:mm:ss')",
        "date_format": "date_format(t, 'yyyy-MM')",
        "datediff": "datediff(d, d)", "date_add": "date_add(d, 1)", "add_months": "add_months(d, 1)",
        "last_day": "last_day(d)", "date_trunc": "date_trunc('month', t)", "unix_date": "unix_date(d)",
        "date_from_unix_date": "date_from_unix_date(n)", "make_timestamp": "make_timestamp(2024, 1, 2, 3, 4, 5)",
        "array": "array(n, 2)", "size": "size(array(n))", "array_contains": "array_contains(array(n), 1)",
        "transform": "transform(array(n), x -> x + 1)", "filter": "filter(array(n), x -> x > 1)",
        "make_date": "make_date(2024, n, 1)",
    }
    assert set(samples) == set(ALLOWED_FUNCTIONS.values()) | ALLOWED_ANONYMOUS
    relation = ("(SELECT 'abc' AS s, 3 AS n, 2.5::DOUBLE AS f, DATE '2024-03-01' AS d, "
                "TIMESTAMP '2024-03-01 10:00:00' AS t)")
    for name, sql in samples.items():
        duckdb.sql(f"SELECT {to_duckdb(sql)} FROM {relation}").fetchall()  # raises if DuckDB rejects it
        assert name  # every sample ran


BROKEN = """\
name: orders
source:
  uri: s3://acme-raw/orders/../{date}/
  format: csv
columns:
  - {name: order_id, type: bigint, nullable: false}
  - {name: _run_id, type: string}
  - {name: amount, type: "decimal(12,2)", checks: ["frobnicate(amount) > 0"]}
  - {name: ordered_at, type: timestamp, format: "yyyy-MM-dd QQ"}
derive:
  day: "current_setting('x')"
  bad_env: "getenv('HOME')"
filter: "amout > 0"
target:
  database: sales
  table: orders
  location: s3://acme-lake//orders/
  partiton_by: [day]
routing:
  lambda: {timeout_s: 901}
hooks:
  arrow: examples.hooks.nowhere:add
"""


def test_every_problem_comes_in_one_pass_with_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text(BROKEN)
    r = subprocess.run([sys.executable, "-m", "orchestration.cli", "validate", str(f)], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    found = {}
    for line in lines:
        m = re.match(rf"{re.escape(str(f))}:(\d+):(\d+): ([^:]+): (.*)$", line)
        assert m, line
        found[m.group(3)] = (int(m.group(1)), int(m.group(2)), m.group(4))
    text = BROKEN.splitlines()
    # schema problems (pydantic) and semantic ones, together
    expected = {
        "source.uri": ("uri:", "'..'"), "target.location": ("location:", "empty path segment"),
        "target.partiton_by": ("partiton_by:", "did you mean 'partition_by'"),
        "routing.lambda.timeout_s": ("timeout_s:", "at most 900"),
        "columns[1].name": ("{name: _run_id", "metadata column"),
        "columns[2].checks[0]": ('"frobnicate', "unknown function"),
        "columns[3].format": ("format:", "'QQ' is not supported"),
        "derive.day": ("day:", "DuckDB-only"), "derive.bad_env": ("bad_env:", "environment"),
        "filter": ("filter:", "did you mean 'amount'"),
        "hooks.arrow": ("arrow:", "cannot be found"),
    }
    assert set(expected) <= set(found), lines
    for field, (written, word) in expected.items():
        line, col, message = found[field]
        assert word in message, (field, message)
        assert text[line - 1][col - 1:].startswith(written) or written in text[line - 1], (field, line, col)
    line, col, _ = found["derive.bad_env"]
    assert text[line - 1][col - 1:].startswith("bad_env:")


def test_source_columns_may_not_be_named_like_metadata(tmp_path: Path) -> None:
    data = yaml.safe_load(ORDERS)
    data["columns"][1]["source"] = "_source_file"
    lines = _problems(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert any(": columns[1].source: " in line and "reserves" in line for line in lines), lines


def test_a_hook_whose_module_lacks_the_function_is_named(tmp_path: Path) -> None:
    (tmp_path / "lockgate.yaml").write_text("imports: .\n")
    (tmp_path / "myhooks.py").write_text("def other(table):\n    return table\n")
    data = yaml.safe_load(ORDERS)
    data["hooks"] = {"arrow": "myhooks:fix"}
    lines = _problems(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert any(": hooks.arrow: " in line and "does not define 'fix'" in line for line in lines), lines
    data["hooks"] = {"arrow": "myhooks:other"}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    assert load_spec(tmp_path / "spec.yaml").hooks.arrow == "myhooks:other"  # found from the project root


@pytest.mark.parametrize(("field", "expr", "word"), [
    ("derive", "upper(amount)", "upper(DECIMAL"),       # Spark casts implicitly, DuckDB refuses
    ("filter", "status > 1", "VARCHAR"),
    ("derive", "substr(order_id, 1, 2)", "(BIGINT"),
])
def test_type_errors_the_lambda_engine_would_raise_are_found(tmp_path: Path, field: str, expr: str, word: str) -> None:
    data = yaml.safe_load(ORDERS)
    if field == "derive":
        data["derive"] = {**data.get("derive", {}), "extra": expr}
        path = "derive.extra"
    else:
        data["filter"] = expr
        path = "filter"
    lines = _problems(tmp_path, yaml.safe_dump(data, sort_keys=False))
    found = [line for line in lines if f": {path}: " in line]
    assert found and "Lambda engine (DuckDB)" in found[0] and word in found[0], lines


def test_later_derives_see_the_types_of_earlier_ones(tmp_path: Path) -> None:
    data = yaml.safe_load(ORDERS)
    data["derive"] = {**data.get("derive", {}), "label": "concat(status, '-', currency)", "shout": "upper(label)"}
    f = tmp_path / "ok.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    assert list(load_spec(f).derive)[-2:] == ["label", "shout"]


def test_the_binding_connection_is_closed_at_exit_before_the_runtime_tears_down() -> None:
    """The spec checks keep one DuckDB connection for the process; it is closed by an exit handler (left to
    the process's end, a `lockgate report` was once aborted after printing its output)."""
    code = (
        "import atexit, sys\n"
        "from orchestration.core.spec import binding, load_spec\n"
        "def after():\n"  # registered first, so it runs after the handlers registered later
        "    try:\n"
        "        binding._connection().execute('SELECT 1')\n"
        "    except Exception as e:\n"
        "        print('closed:', type(e).__name__)\n"
        "    else:\n"
        "        print('open')\n"
        "atexit.register(after)\n"
        f"spec = load_spec({str(EXAMPLES / 'orders.yaml')!r})\n"
        "assert binding.duckdb_binding_problems(spec) == []\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("closed:"), done.stdout
