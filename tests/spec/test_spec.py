"""The import spec: the issue's example validates as written; every rejection names its field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from orchestration.core.spec import SpecInvalid, load_spec, parse_spec
from orchestration.core.spec.schema import spec_json_schema
from tests.conftest import EXAMPLES

ORDERS = EXAMPLES / "orders.yaml"


def orders() -> dict[str, Any]:
    return yaml.safe_load(ORDERS.read_text())


def problems_of(data: dict[str, Any]) -> list[str]:
    with pytest.raises(SpecInvalid) as info:
        parse_spec(data, "spec.yaml")
    return info.value.lines()


def test_issue_example_validates_exactly_as_written() -> None:
    spec = load_spec(ORDERS)
    assert spec.name == "orders"
    assert spec.columns[0].source_name == "OrderID"
    assert spec.columns[1].source_name == "customer_id"
    assert spec.columns[2].type == "decimal(12,2)"
    assert spec.routing.lambda_.memory_mb == 1769
    assert spec.target.partition_by == ["order_date"]
    assert spec.schedule is not None and spec.schedule.timezone == "Europe/Berlin"


def test_yaml_round_trip_keeps_the_spec() -> None:
    spec = load_spec(ORDERS)
    dumped = yaml.safe_dump(spec.canonical(), sort_keys=False)
    again = parse_spec(yaml.safe_load(dumped))
    assert again == spec
    assert json.loads(json.dumps(spec.canonical())) == again.canonical()


def test_only_the_required_fields_are_required() -> None:
    minimal = {
        "name": "tiny",
        "source": {"uri": "s3://raw-bucket/tiny/", "format": "csv"},
        "columns": [{"name": "id", "type": "int"}],
        "target": {"database": "db", "table": "tiny", "location": "s3://lake-bucket/tiny/"},
    }
    spec = parse_spec(minimal)
    assert spec.source.compression == "auto"
    assert spec.columns[0].nullable is True
    assert spec.routing.engine == "auto"
    assert spec.target.quarantine_uri == "s3://lake-bucket/tiny_quarantine/"
    for field in ("name", "source", "columns", "target"):
        broken = copy.deepcopy(minimal)
        del broken[field]
        assert problems_of(broken) == [f"spec.yaml: {field}: required field is missing"]


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    node: Any = out
    keys = path.replace("[", ".").replace("]", "").split(".")
    for k in keys[:-1]:
        node = node[int(k)] if k.isdigit() else node.setdefault(k, {})
    last = keys[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return out


REJECTIONS = [
    # (field to set, value, expected path in the message, a word the message must contain)
    ("descripton", "typo", "descripton", "unknown field"),
    ("source.encoding", "utf-8", "source.encoding", "unknown field"),
    ("columns[0].nullabel", False, "columns[0].nullabel", "unknown field"),
    ("name", "Orders", "name", "lowercase identifier"),
    ("name", "1orders", "name", "lowercase identifier"),
    ("name", "a" * 256, "name", "255"),
    ("target.database", "Sales", "target.database", "lowercase identifier"),
    ("target.table", "orders-2024", "target.table", "lowercase identifier"),
    ("columns[1].name", "order_id", "columns[1].name", "duplicate column name"),
    ("columns[1].name", "CustomerId", "columns[1].name", "lowercase identifier"),
    ("source.uri", "ftp://acme-raw/x/", "source.uri", "s3://bucket/key, https://host/path or sftp://"),
    ("source.uri", "https://acme-raw/x/", "source.download", "needs source.download"),
    ("source.uri", "https://user:pw@acme-raw/x/", "source.uri", "credentials in the URI"),
    ("source.uri", "s3://Bad_Bucket/x/", "source.uri", "Bad_Bucket"),
    ("source.uri", "s3://ab/x/", "source.uri", "bucket name"),
    ("source.uri", "s3://192.168.1.1/x/", "source.uri", "IP address"),
    ("target.location", "s3://acme..lake/x/", "target.location", "bucket name"),
    ("target.location", "s3://acme-lake/{date}/", "target.location", "placeholders"),
    ("source.uri", "s3://acme-raw/x/{week}/", "source.uri", "{week}"),
    ("source.uri", "s3://acme-raw/x/{date:%Y}/", "source.uri", "not supported"),
    ("filter", "DROP TABLE x", "filter", "DROP"),
    ("filter", "status <> 'x'; DELETE FROM t", "filter", "';'"),
    ("filter", "id IN (SELECT id FROM other)", "filter", "SUBQUERY"),
    ("filter", "reflect('java.lang.Runtime', 'getRuntime')", "filter", "reflect"),
    ("filter", "nope = 1", "filter", "unknown column"),
    ("derive.order_date", "CAST(missing AS DATE)", "derive.order_date", "unknown column"),
    ("derive.order_date", "count(*)", "derive.order_date", "aggregate"),
    ("derive.order_date", "SELECT 1", "derive.order_date", "SELECT"),
    ("columns[2].checks", ["amount >>= 0"], "columns[2].checks[0]", "not valid Spark SQL"),
    ("columns[2].checks", ["amount_x >= 0"], "columns[2].checks[0]", "unknown column"),
    ("target.partition_by", ["order_day"], "target.partition_by[0]", "not a column"),
    ("dedupe.keys", ["order_nr"], "dedupe.keys[0]", "not a column"),
    ("dedupe.order_by", "ordered DESC", "dedupe.order_by", "unknown column"),
    ("dedupe.order_by", "ordered_at DESC; DROP TABLE t", "dedupe.order_by", ";"),
    ("routing.lambda.memory_mb", 127, "routing.lambda.memory_mb", "at least 128"),
    ("routing.lambda.memory_mb", 10241, "routing.lambda.memory_mb", "at most 10240"),
    ("routing.lambda.timeout_s", 901, "routing.lambda.timeout_s", "at most 900"),
    ("routing.lambda.timeout_s", 0, "routing.lambda.timeout_s", "at least 1"),
    ("routing.glue.worker_type", "G.3X", "routing.glue.worker_type", "G.1X"),
    ("routing.glue.version", "4.0", "routing.glue.version", "5.0"),
    ("routing.engine", "spark", "routing.engine", "auto"),
    ("schedule.expression", "cron(0 3 * * *)", "schedule.expression", "6"),
    ("schedule.expression", "cron(0 3 * * * *)", "schedule.expression", "'?'"),
    ("schedule.expression", "cron(61 3 * * ? *)", "schedule.expression", "0-59"),
    ("schedule.expression", "rate(1 days)", "schedule.expression", "rate(1 day)"),
    ("schedule.expression", "every day", "schedule.expression", "not a schedule expression"),
    ("schedule.timezone", "Mars/Olympus", "schedule.timezone", "unknown time zone"),
    ("schedule.window", "last_week", "schedule.window", "previous_day"),
    ("hooks.arrow", "examples.hooks.fix", "hooks.arrow", "module:function"),
    ("hooks.spark", "not a hook", "hooks.spark", "module:function"),
    ("columns[2].type", "money", "columns[2].type", "unknown type"),
    ("columns[2].type", "decimal(40,2)", "columns[2].type", "precision"),
    ("columns[2].type", "decimal(4,6)", "columns[2].type", "scale"),
    ("columns[2].format", "yyyy", "columns[2].format", "date and timestamp"),
    ("quality.max_reject_ratio", 1.5, "quality.max_reject_ratio", "at most 1"),
    ("target.mode", "upsert", "target.mode", "append"),
    ("source.format", "xml", "source.format", "csv"),
    ("source.csv.delimiter", ";;", "source.csv.delimiter", "1 character"),
    # One byte per character: a multi-byte delimiter or quote cannot cut fields (pyarrow refused it with a bare
    # 'Expecting an ASCII character' on the Lambda route only); a line end cannot be one either.
    ("source.csv.delimiter", "\u00a7", "source.csv.delimiter", "ASCII"),
    ("source.csv.quote", "\u201c", "source.csv.quote", "ASCII"),
    ("source.csv.delimiter", "\n", "source.csv.delimiter", "line end"),
    ("source.csv.quote", "\r", "source.csv.quote", "line end"),
    ("source.csv.quote", ",", "source.csv", "must differ"),
    # Spark 3 refuses 'u' in every datetime pattern: the run failed on Glue only
    ("derive.order_date", "to_date(CAST(ordered_at AS STRING), 'uuuu-MM-dd')", "derive.order_date", "'uuuu' is not supported"),
]


@pytest.mark.parametrize(("path", "value", "where", "word"), REJECTIONS, ids=[f"{r[0]}={r[1]!r}"[:60] for r in REJECTIONS])
def test_rejection_names_the_field(path: str, value: Any, where: str, word: str) -> None:
    lines = problems_of(_set(orders(), path, value))
    matching = [line for line in lines if line.startswith(f"spec.yaml: {where}: ")]
    assert matching, f"no problem at {where}: {lines}"
    assert any(word.lower() in line.lower() for line in matching), matching


def test_all_problems_are_reported_at_once() -> None:
    data = _set(_set(orders(), "name", "Bad"), "routing.lambda.timeout_s", 901)
    paths = [line.split(": ")[1] for line in problems_of(data)]
    assert "name" in paths and "routing.lambda.timeout_s" in paths


def test_duplicate_yaml_keys_are_rejected_with_their_line(tmp_path: Path) -> None:
    f = tmp_path / "dup.yaml"
    f.write_text(ORDERS.read_text() + "filter: \"status <> 'x'\"\n")
    with pytest.raises(SpecInvalid) as info:
        load_spec(f)
    assert "duplicate key 'filter'" in str(info.value)
    assert str(f) in str(info.value)


def test_spark_only_hook_cannot_be_forced_onto_lambda() -> None:
    data = _set(_set(orders(), "hooks", {"spark": "examples.hooks.sessions:sessionize"}), "routing.engine", "lambda")
    lines = problems_of(data)
    assert any("routing.engine" in line and "glue" in line for line in lines)


def test_expressions_may_use_lambda_parameters_and_earlier_derived_columns() -> None:
    data = orders()
    data["derive"] = {"order_date": "CAST(ordered_at AS DATE)", "order_year": "YEAR(order_date)",
                      "tags": "transform(array(status), s -> upper(s))"}
    spec = parse_spec(data)
    assert list(spec.derive) == ["order_date", "order_year", "tags"]


def test_json_schema_validates_every_example_and_rejects_unknown_fields() -> None:
    schema = spec_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        errors = list(validator.iter_errors(yaml.safe_load(f.read_text())))
        assert errors == [], f"{f.name}: {[e.message for e in errors]}"
    bad = orders()
    bad["target"]["colour"] = "blue"
    assert any("colour" in e.message for e in validator.iter_errors(bad))


def test_json_schema_describes_every_field() -> None:
    schema = spec_json_schema()
    defs = schema["$defs"]

    def described(prop: dict[str, Any]) -> bool:
        # pydantic leaves out a field description equal to the model's own; the $def carries it then
        ref = prop.get("$ref", "")
        return bool(prop.get("description") or (ref and defs[ref.rsplit("/", 1)[1]].get("description")))

    undocumented = []
    for name, model in [*defs.items(), ("Spec", schema)]:
        for field, prop in model.get("properties", {}).items():
            if not described(prop):
                undocumented.append(f"{name}.{field}")
    assert undocumented == []
    assert "lambda" in schema["$defs"]["Routing"]["properties"]


def test_spec_reference_doc_is_generated_from_the_schema() -> None:
    from orchestration.core.spec.reference import render_reference
    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "spec-reference.md").read_text()
    assert doc == render_reference(), "docs/spec-reference.md is stale: python -m orchestration.core.spec.reference > docs/spec-reference.md"
    assert "`max_reject_ratio`" in doc and "`partition_by`" in doc


def test_canonical_form_of_every_example_parses_back_to_the_same_spec() -> None:
    # the engines receive Spec.canonical() in the manifest and must be able to validate it fully
    for f in sorted(EXAMPLES.glob("*.yaml")):
        spec = load_spec(f)
        assert parse_spec(spec.canonical(), f.name) == spec
