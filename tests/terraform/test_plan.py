"""terraform validate and an offline terraform plan of the example environment.

The plan runs against the render output (real or fixture) and a stand-in package, with only STS
answered by a local moto server (the data sources need an account id); nothing reaches AWS. The
state machine module is also planned on its own with literal function ARNs, so the IAM policy it
generates from the ASL is fully known and can be compared with what the ASL calls.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orchestration.packaging import DEFAULT_RUNTIME
from tests.terraform import tfhelpers as h
from tests.terraform.planning import ACCOUNT, CONTROL, KEY, REGION

# The fixtures (render_dir, imports, initialised, planned, env_plan) are in conftest.py: one plan serves
# this file and test_consistency.py.


def test_terraform_validate_example_environment(initialised: h.TfWorkspace) -> None:
    proc = initialised.run(
        ["validate", "-no-color"], initialised.root / "environments" / "example", timeout=180
    )
    assert proc.returncode == 0, f"terraform validate failed:\n{proc.stdout}\n{proc.stderr}"


def test_plan_creates_exactly_the_functions_each_asl_invokes(
    env_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    for name, imp in imports.items():
        prefix = f'module.lambda["{name}"].aws_lambda_function.this['
        planned = {a[len(prefix) : -1].strip('"'): v for a, v in env_plan.items() if a.startswith(prefix)}
        assert set(planned) == imp.functions(), (
            f"{name}: Terraform creates {sorted(planned)}, the ASL invokes {sorted(imp.functions())}"
        )
        settings = imp.terraform["lambda"]
        for fn, fnv in planned.items():
            wired = imp.terraform["functions"][fn]  # orchestration.wiring: what the local runner runs too
            assert fnv["handler"] == wired["handler"] == f"lambdas.handlers.{fn}.handler"
            assert fnv["runtime"] == DEFAULT_RUNTIME  # the runtime make package builds the layer for
            assert fnv["tracing_config"] == [{"mode": "Active"}]
            env = fnv["environment"][0]["variables"]
            for var in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"):
                assert var in env, f"{name}/{fn}: environment lacks {var}"
            assert {k: env.get(k) for k in wired["environment"]} == wired["environment"], (
                f"{name}/{fn}: the deployed environment differs from the rendered one")
            assert "LOCKGATE_ROUTING" in env and "LOCKGATE_CONTROL_URI" in env
            assert (fnv["memory_size"], fnv["timeout"], fnv["ephemeral_storage"][0]["size"]) == (
                wired["memory_mb"], wired["timeout_s"], wired["ephemeral_storage_mb"]), f"{name}/{fn}: sizing"
            if fn in ("process_batch", "dedupe"):
                assert (fnv["memory_size"], fnv["timeout"]) == (
                    settings["memory_mb"],
                    settings["timeout_s"],
                ), f"{name}/{fn}: sizing differs from rendered lambda settings"
                assert fnv["ephemeral_storage"][0]["size"] > 512  # the engine may spill to /tmp


def test_plan_creates_glue_job_crawler_schedule_and_topic_only_where_used(
    env_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    for name, imp in imports.items():
        job = env_plan.get(f'module.glue.aws_glue_job.this["{name}"]')
        assert (job is not None) == ("glue_job_name" in imp.placeholders()), (
            f"{name}: Glue job presence != ASL use"
        )
        if job:
            glue = imp.terraform["glue"]
            assert (job["glue_version"], job["worker_type"], job["number_of_workers"], job["timeout"]) == (
                glue["version"],
                glue["worker_type"],
                glue["workers"],
                glue["timeout_minutes"],
            ), f"{name}: Glue job settings differ from the rendered glue settings"
            assert job["execution_property"][0]["max_concurrent_runs"] >= 1
            assert job["execution_class"] == "STANDARD"  # explicit, or every re-plan shows a change
            assert job["default_arguments"]["--enable-continuous-cloudwatch-log"] == "true"
            assert job["default_arguments"]["--extra-py-files"].endswith("/lockgate.zip")
        crawler = env_plan.get(f'module.glue.aws_glue_crawler.this["{name}"]')
        assert (
            (crawler is not None)
            == ("crawler_name" in imp.placeholders())
            == bool(imp.terraform.get("crawler"))
        ), f"{name}: crawler presence differs between ASL, terraform.json and plan"
        if crawler:
            rendered = imp.terraform["crawler"]
            recrawl = rendered.get("recrawl_policy") or "CRAWL_EVERYTHING"
            recrawl = recrawl["recrawl_behavior"] if isinstance(recrawl, dict) else recrawl
            assert crawler["recrawl_policy"][0]["recrawl_behavior"] == recrawl
            if rendered["target_kind"] == "s3":
                assert crawler["s3_target"][0]["path"] == imp.terraform["target"]["location"]
            assert (
                crawler["schema_change_policy"][0]["update_behavior"]
                == rendered["schema_change_policy"]["update_behavior"]
            )
            config = rendered.get("configuration")
            if config:
                assert json.loads(crawler["configuration"]) == (
                    json.loads(config) if isinstance(config, str) else config
                )
        schedule = env_plan.get(f'module.scheduler["{name}"].aws_scheduler_schedule.this')
        assert (schedule is not None) == bool(imp.terraform.get("schedule")), (
            f"{name}: schedule presence != rendered schedule"
        )
        if schedule:
            assert schedule["schedule_expression"] == imp.terraform["schedule"]["expression"]
            assert schedule["schedule_expression_timezone"] == imp.terraform["schedule"].get(
                "timezone", "UTC"
            )
            target_input = json.loads(schedule["target"][0]["input"])
            assert (
                target_input["import"] == name
                and target_input["mode"] == "scheduled"
                and "window" not in target_input
            )
            assert schedule["target"][0]["dead_letter_config"], f"{name}: schedule has no dead-letter queue"
        machine = env_plan.get(f'module.state_machine["{name}"].aws_sfn_state_machine.this')
        assert machine is not None and machine["name"] == imp.terraform["state_machine_name"]
        assert (
            machine["logging_configuration"][0]["level"] == "ALL"
            and machine["logging_configuration"][0]["include_execution_data"]
        )
        assert machine["tracing_configuration"][0]["enabled"] is True
    uses_sns = any("sns_topic_arn" in i.placeholders() for i in imports.values())
    assert ("module.notifications.aws_sns_topic.this" in env_plan) or not uses_sns
    announces = any("success_topic_arn" in i.placeholders() for i in imports.values())
    runs_topic = env_plan.get("module.run_notifications[0].aws_sns_topic.this")
    assert (runs_topic is not None) == announces
    assert runs_topic is None or runs_topic["name"].endswith("-runs")


def _crawled(imports: dict[str, h.RenderedImport]) -> dict[str, dict[str, Any]]:
    return {n: i.terraform["crawler"] for n, i in imports.items() if i.terraform.get("crawler")}


def test_plan_precreates_each_crawled_table_from_its_table_input_with_the_partition_index(
    env_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    crawled = _crawled(imports)
    assert crawled, "no rendered import has a crawler; the table checks would prove nothing"
    tables = {a for a in env_plan if a.startswith("module.glue.aws_glue_catalog_table.this[")}
    assert tables == {f'module.glue.aws_glue_catalog_table.this["{n}"]' for n in crawled}
    for name, rendered in crawled.items():
        ti, table = rendered["table_input"], env_plan[f'module.glue.aws_glue_catalog_table.this["{name}"]']
        sd, planned_sd = ti["StorageDescriptor"], table["storage_descriptor"][0]
        assert (table["database_name"], table["name"]) == (rendered["database"], rendered["table"]) == (
            imports[name].terraform["target"]["database"],
            ti["Name"],
        )
        assert table["table_type"] == ti["TableType"] and table["parameters"] == ti["Parameters"]
        assert [(k["name"], k["type"]) for k in table["partition_keys"]] == [
            (k["Name"], k["Type"]) for k in ti["PartitionKeys"]
        ]
        assert [(c["name"], c["type"], c.get("comment")) for c in planned_sd["columns"]] == [
            (c["Name"], c["Type"], c.get("Comment")) for c in sd["Columns"]
        ], f"{name}: planned columns differ from the rendered table_input"
        assert (planned_sd["location"], planned_sd["input_format"], planned_sd["output_format"]) == (
            sd["Location"],
            sd["InputFormat"],
            sd["OutputFormat"],
        )
        assert planned_sd["ser_de_info"][0]["serialization_library"] == sd["SerdeInfo"]["SerializationLibrary"]
        assert planned_sd["ser_de_info"][0]["parameters"] == sd["SerdeInfo"]["Parameters"]
        index = rendered["partition_index"]
        planned_index = [{"index_name": i["index_name"], "keys": i["keys"]} for i in table["partition_index"]]
        assert planned_index == ([index] if index else []), f"{name}: partition index differs"


def test_plan_registers_every_imports_quarantine_as_a_table_and_a_view_with_the_rule(
    env_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    for name, imp in imports.items():
        rows_input, view_input = imp.terraform["quarantine_tables"]
        rows = env_plan[f'module.glue.aws_glue_catalog_table.quarantine_rows["{name}"]']
        view = env_plan[f'module.glue.aws_glue_catalog_table.quarantine_view["{name}"]']
        database, table = imp.terraform["target"]["database"], imp.terraform["target"]["table"]
        assert (rows["database_name"], rows["name"]) == (database, f"{table}_quarantine_rows")
        assert (view["database_name"], view["name"]) == (database, f"{table}_quarantine")
        sd = rows["storage_descriptor"][0]
        assert sd["location"] == imp.terraform["target"]["quarantine"].rstrip("/") + "/"
        assert [(c["name"], c["type"]) for c in sd["columns"]] == [
            (c["Name"], c["Type"]) for c in rows_input["StorageDescriptor"]["Columns"]]
        assert sd["columns"][-1]["name"] == "_errors" and rows["partition_keys"] == []
        assert view["table_type"] == "VIRTUAL_VIEW" and view["parameters"]["presto_view"] == "true"
        assert view["view_original_text"] == view_input["ViewOriginalText"]
        assert [c["name"] for c in view["storage_descriptor"][0]["columns"]][:2] == ["rule", "run_id"]


def test_plan_crawls_the_catalog_table_when_the_table_is_not_named_after_its_folder(
    env_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    crawled = _crawled(imports)
    kinds = {n: c["target_kind"] for n, c in crawled.items()}
    # fixtures/project/imports/clicks.yaml (and the fallback fixture's clicks) provide the catalog case.
    assert {"s3", "catalog"} <= set(kinds.values()), f"both target kinds must be planned, got {kinds}"
    for name, rendered in crawled.items():
        crawler = env_plan[f'module.glue.aws_glue_crawler.this["{name}"]']
        folder = rendered["s3_target"]["path"].rstrip("/").rsplit("/", 1)[-1]
        if kinds[name] == "catalog":
            assert not rendered["table"].endswith(folder), f"{name}: catalog target for a folder-named table"
            assert crawler["s3_target"] == [], f"{name}: a catalog-target crawler must not crawl S3 paths"
            assert [(t["database_name"], t["tables"]) for t in crawler["catalog_target"]] == [
                (rendered["database"], [rendered["table"]])
            ]
            assert crawler["schema_change_policy"][0]["delete_behavior"] == "LOG"
        else:
            assert crawler["catalog_target"] == []
            assert [t["path"] for t in crawler["s3_target"]] == [rendered["s3_target"]["path"]]


# ---------------------------------------------------------------------------------------------
# The state machine role, planned with known ARNs: allowed == what the ASL calls, nothing more
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def machine_plan(planned: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The harness's state machines, addressed like the environment's (module.state_machine[...])."""
    prefix = "module.test_state_machine"
    return {"module.state_machine" + a[len(prefix) :]: v for a, v in planned.items() if a.startswith(prefix)}


def _expected_grants(imp: h.RenderedImport, definition: dict[str, Any]) -> set[tuple[str, str]]:
    """(action, resource) pairs the ASL needs, derived independently of the module's data map."""
    sm = imp.terraform["state_machine_name"]
    base = f"arn:aws:states:{REGION}:{ACCOUNT}"
    glue = f"arn:aws:glue:{REGION}:{ACCOUNT}"
    runs = f"arn:aws:s3:::{CONTROL}/runs/{imp.name}/*"
    grants: set[tuple[str, str]] = set()
    for st in h.walk(definition):
        res, params = st.get("Resource"), st.get("Parameters", {})
        if res == "arn:aws:states:::lambda:invoke":
            fn = params["FunctionName"]
            grants |= {("lambda:InvokeFunction", fn), ("lambda:InvokeFunction", f"{fn}:*")}
        elif res == "arn:aws:states:::glue:startJobRun.sync":
            grants |= {
                (a, f"{glue}:job/{params['JobName']}")
                for a in ("glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun")
            }
        elif res == "arn:aws:states:::glue:startJobRun":
            grants.add(("glue:StartJobRun", f"{glue}:job/{params['JobName']}"))
        elif res in (
            "arn:aws:states:::aws-sdk:glue:startCrawler",
            "arn:aws:states:::aws-sdk:glue:getCrawler",
        ):
            action = "glue:StartCrawler" if res.endswith("startCrawler") else "glue:GetCrawler"
            grants.add((action, f"{glue}:crawler/{params['Name']}"))
        elif res == "arn:aws:states:::sns:publish":
            grants |= {
                ("sns:Publish", params["TopicArn"]),
                ("kms:Decrypt", KEY),
                ("kms:GenerateDataKey", KEY),
            }
        elif res == "arn:aws:states:::s3:getObject":
            grants |= {("s3:GetObject", runs), ("kms:Decrypt", KEY), ("kms:GenerateDataKey", KEY)}
        elif res == "arn:aws:states:::s3:putObject":
            grants |= {
                (a, runs)
                for a in (
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:ListMultipartUploadParts",
                    "s3:AbortMultipartUpload",
                )
            }
            grants |= {("kms:Decrypt", KEY), ("kms:GenerateDataKey", KEY)}
        if st.get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
            grants.add(("states:StartExecution", f"{base}:stateMachine:{sm}"))
            # Child executions (NAME/LABEL:ID) and the parent's own (NAME:ID), per the Distributed Map IAM docs.
            grants |= {
                (a, f"{base}:execution:{sm}{sep}*")
                for a in ("states:DescribeExecution", "states:StopExecution")
                for sep in ("/", ":")
            }
    return grants


def _granted(policy_json: str) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for st in json.loads(policy_json)["Statement"]:
        assert st["Effect"] == "Allow"
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        out |= {(a, r) for a in actions for r in resources}
    return out


def test_state_machine_role_allows_exactly_what_the_asl_calls(
    machine_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    for name, imp in imports.items():
        machine = machine_plan[f'module.state_machine["{name}"].aws_sfn_state_machine.this']
        definition = json.loads(machine["definition"])
        assert "${" not in machine["definition"], f"{name}: unfilled placeholder in the planned definition"
        policy = machine_plan[f'module.state_machine["{name}"].aws_iam_role_policy.integrations']["policy"]
        granted, expected = _granted(policy), _expected_grants(imp, definition)
        assert granted == expected, (
            f"{name}: state machine role differs from what the ASL calls.\n"
            f"  granted but not needed: {sorted(granted - expected)}\n  needed but not granted: {sorted(expected - granted)}"
        )
        assert not any("*" in a for a, _ in granted)
        assert f"function:lockgate-{name}-dedupe" not in policy or "dedupe" in imp.functions(), (
            f"{name}: dedupe granted though unused"
        )


def test_observability_policy_is_limited_to_unscoped_log_delivery_and_xray(
    machine_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    for name in imports:
        policy = machine_plan[f'module.state_machine["{name}"].aws_iam_role_policy.observability']["policy"]
        actions = {a for a, _ in _granted(policy)}
        assert actions and all(a.startswith(("logs:", "xray:")) for a in actions), (
            f"{name}: observability policy grants {sorted(actions)}"
        )
        assert not any(a.endswith(("PutLogEvents", "GetLogEvents", "CreateLogGroup")) for a in actions)


def test_only_the_architecture_the_layer_is_built_for_is_accepted(
    initialised: h.TfWorkspace, planned: dict[str, dict[str, Any]], render_dir: Path, package_dir: Path
) -> None:
    """`make package` builds the layer from x86_64 wheels; an arm64 function would fail at its first import,
    so the plan refuses it at variable validation (before any provider call)."""
    cwd = initialised.root / "environments" / "example"
    proc = initialised.run(["plan", "-input=false", "-refresh=false", f"-var=render_dir={render_dir}",
                            f"-var=package_dir={package_dir}", "-var=lambda_architecture=arm64"], cwd, timeout=120)
    assert proc.returncode != 0
    assert "lambda_architecture must be x86_64" in proc.stderr.replace("\n", " "), proc.stderr[-2000:]


def test_specs_and_environment_must_agree_on_buckets_and_control_location(
    initialised: h.TfWorkspace, planned: dict[str, dict[str, Any]], render_dir: Path, package_dir: Path
) -> None:
    """A spec reading a bucket the environment does not create (nor name as external), or a render made
    for another control location, stops the plan with an error that names the import and the fix."""
    cwd = initialised.root / "environments" / "example"
    buckets = '{raw="other-raw",lake="acme-lake",control="other-control",logs="lockgate-access-logs"}'
    proc = initialised.run(["plan", "-input=false", "-refresh=false", f"-var=render_dir={render_dir}",
                            f"-var=package_dir={package_dir}", f"-var=buckets={buckets}"], cwd, timeout=300)
    assert proc.returncode != 0
    text = " ".join(h.strip_ansi(proc.stderr).replace("│", " ").split())
    assert "Import orders reads s3://acme-raw/" in text and "var.external_buckets" in text, text[-3000:]
    assert "this environment's control bucket is other-control" in text, text[-3000:]


# ---------------------------------------------------------------------------------------------
# Download stage (https:// and sftp:// imports): the named secret, nothing else
# ---------------------------------------------------------------------------------------------

def test_only_the_download_functions_may_read_and_only_the_named_secret(
    lambda_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    remote = {n: imp for n, imp in imports.items() if imp.terraform.get("download")}
    assert remote, "no https:// or sftp:// import was rendered (examples/imports/payments.yaml)"
    for name, imp in imports.items():
        download = imp.terraform.get("download") or {}
        for fn in imp.functions():
            policy = lambda_plan[f'module.lambda["{name}"].aws_iam_role_policy.this["{fn}"]']["policy"]
            granted = _granted(policy)
            reads = {(a, r) for a, r in granted if a.startswith(("secretsmanager:", "ssm:"))}
            expected: set[tuple[str, str]] = set()
            if fn in ("download_list", "download_file") and download.get("secret"):
                expected.add(("secretsmanager:GetSecretValue",
                              f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{download['secret']}-??????"))
            if fn in ("download_list", "download_file") and download.get("parameter"):
                expected.add(("ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/"
                              f"{download['parameter'].lstrip('/')}"))
            assert reads == expected, f"{name}/{fn}: secret reads {sorted(reads)}, expected {sorted(expected)}"
            if fn.startswith("download_"):
                landing = f"arn:aws:s3:::{imp.terraform['source']['bucket']}/{imp.terraform['source']['prefix']}*"
                writes = {r for a, r in granted if a == "s3:PutObject" and r.startswith("arn:aws:s3:::acme-")}
                assert writes <= {landing}, f"{name}/{fn}: writes outside its landing prefix: {writes}"
    assert any(fn.startswith("download_") for imp in remote.values() for fn in imp.functions())
