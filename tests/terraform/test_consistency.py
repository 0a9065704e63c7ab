"""The rendered ASL, the Terraform and the code agree (static: HCL parsed with python-hcl2, ASL as JSON),
and the planned crawlers, tables and Glue job arguments carry exactly what the render output says
(evaluated: the session's offline plan from conftest.py).

The planned counterpart of the ASL checks is in test_plan.py.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import PurePosixPath
from typing import Any

import pytest

from tests.terraform import tfhelpers as h
from tests.terraform.planning import ACCOUNT, REGION, STAND_IN_WHEELS

# What each Step Functions integration needs, from the Step Functions developer guide ("IAM policies
# for integrated services", "Distributed Map IAM policies"). The module's data map must say the same.
EXPECTED_ACTIONS = {
    "arn:aws:states:::lambda:invoke": {"lambda:InvokeFunction"},
    "arn:aws:states:::glue:startJobRun.sync": {
        "glue:StartJobRun",
        "glue:GetJobRun",
        "glue:GetJobRuns",
        "glue:BatchStopJobRun",
    },
    "arn:aws:states:::glue:startJobRun": {"glue:StartJobRun"},
    "arn:aws:states:::aws-sdk:glue:startCrawler": {"glue:StartCrawler"},
    "arn:aws:states:::aws-sdk:glue:getCrawler": {"glue:GetCrawler"},
    "arn:aws:states:::sns:publish": {"sns:Publish"},
    "arn:aws:states:::s3:getObject": {"s3:GetObject"},
    "arn:aws:states:::s3:putObject": {
        "s3:PutObject",
        "s3:GetObject",
        "s3:ListMultipartUploadParts",
        "s3:AbortMultipartUpload",
    },
}
GLUE_SPECIAL = re.compile(r"^--[a-z]+(-[a-z0-9]+)+$")  # Glue's own kebab-case parameters
GLUE_SCRIPT = h.REPO / "glue_jobs" / "job.py"


def integration_map() -> dict[str, list[dict]]:
    return h.hcl_locals(h.MODULES / "state_machine" / "main.tf")["integration_statements"]


def test_integration_data_map_grants_the_documented_actions_only() -> None:
    mapped = {k: {a for st in v for a in st["actions"]} for k, v in integration_map().items()}
    assert mapped == EXPECTED_ACTIONS, (
        f"state_machine integration_statements drifted from the documented actions: {mapped}"
    )


def test_every_integration_the_asl_calls_has_an_iam_mapping(imports: dict[str, h.RenderedImport]) -> None:
    mapped = set(integration_map())
    for name, imp in imports.items():
        unmapped = imp.resources() - mapped
        assert not unmapped, (
            f"{name}: the ASL calls {sorted(unmapped)}, which terraform/modules/state_machine cannot grant"
        )


def test_terraform_json_lists_exactly_the_asl_integrations_and_placeholders(
    imports: dict[str, h.RenderedImport],
) -> None:
    for name, imp in imports.items():
        tf = imp.terraform
        assert set(tf["integrations"]) == imp.resources(), (
            f"{name}/terraform.json integrations != the Resources in definition.asl.json"
        )
        assert set(tf["placeholders"]) == imp.placeholders(), (
            f"{name}/terraform.json placeholders != the ${{...}} in definition.asl.json"
        )
        assert tf["import"] == name


def test_state_machine_module_fills_every_placeholder_the_asl_uses(
    imports: dict[str, h.RenderedImport],
) -> None:
    filled = set(h.hcl_locals(h.MODULES / "state_machine" / "main.tf")["template_vars"])
    for name, imp in imports.items():
        assert imp.placeholders() <= filled, (
            f"{name}: placeholders {sorted(imp.placeholders() - filled)} are not filled by templatefile"
        )


def test_every_lambda_the_asl_invokes_goes_through_a_known_function(
    imports: dict[str, h.RenderedImport],
) -> None:
    for name, imp in imports.items():
        for state in h.walk(imp.definition):
            if state.get("Resource") == "arn:aws:states:::lambda:invoke":
                fn = state.get("Parameters", {}).get("FunctionName", "")
                assert re.fullmatch(r"\$\{(plan|process_batch|dedupe|commit|failure|download_list|download_file|download_finish)_function_arn\}", fn), (
                    f"{name}: lambda:invoke of {fn!r}"
                )


def _allow_actions() -> list[tuple[str, str]]:
    """(file, action) for every Allow statement of every aws_iam_policy_document, and the lambda data map."""
    found: list[tuple[str, str]] = []
    for tf in sorted(h.TERRAFORM.rglob("*.tf")):
        rel = str(tf.relative_to(h.REPO))
        for block in h.load_hcl(tf).get("data", []):
            for doc in block.get("aws_iam_policy_document", {}).values():
                for st in doc.get("statement", []):
                    if st.get("effect", "Allow") != "Deny" and isinstance(st.get("actions"), list):
                        found += [(rel, a) for a in st["actions"]]
    perms = h.hcl_locals(h.MODULES / "lambda" / "main.tf")["permissions"]
    found += [
        ("lambda permissions", a) for p in perms.values() for st in p["statements"] for a in st["actions"]
    ]
    found += [
        ("state_machine integrations", a)
        for v in integration_map().values()
        for st in v
        for a in st["actions"]
    ]
    return found


# The only wildcard actions in terraform/: the TLS-only Deny statements on buckets and the key
# policy's administrator statement (a key policy's "kms:*" on "*" means this key, for the account).
ALLOWED_WILDCARD_ACTIONS = {("storage/main.tf", "s3:*"): 2, ("storage/main.tf", "kms:*"): 1}


def test_wildcard_actions_appear_only_where_expected() -> None:
    """A text scan, so actions built with concat() or jsonencode() are covered too."""
    found: dict[tuple[str, str], int] = {}
    for tf in sorted(h.TERRAFORM.rglob("*.tf")):
        rel = str(tf.relative_to(h.MODULES)) if h.MODULES in tf.parents else str(tf.relative_to(h.TERRAFORM))
        for action in re.findall(r'"([a-z0-9-]+:[A-Za-z0-9]*\*[A-Za-z0-9*]*)"', tf.read_text()):
            found[(rel, action)] = found.get((rel, action), 0) + 1
    assert found == ALLOWED_WILDCARD_ACTIONS, f"unexpected wildcard IAM actions: {found}"


def test_no_iam_allow_statement_uses_wildcard_actions() -> None:
    actions = _allow_actions()
    assert len(actions) > 30, f"found only {len(actions)} allowed actions; is the HCL still parsed?"
    offenders = [f"{f}: {a}" for f, a in actions if "*" in a]
    assert not offenders, f"wildcard IAM actions in Allow statements: {offenders}"


def test_lambda_handlers_named_in_terraform_exist(imports: dict[str, h.RenderedImport]) -> None:
    """Terraform takes each function's handler from the render (``functions``, orchestration.wiring)."""
    handlers = {fn: f["handler"] for imp in imports.values() for fn, f in imp.terraform["functions"].items()}
    assert set(handlers) == set(h.FUNCTIONS)
    assert all(set(imp.terraform["functions"]) == imp.functions() for imp in imports.values())
    missing = []
    for fn, path in handlers.items():
        module, attr = path.rsplit(".", 1)
        assert path == f"lambdas.handlers.{fn}.handler", (
            f"{fn}: handler {path} differs from docs/contracts.md"
        )
        source = h.REPO / (module.replace(".", "/") + ".py")
        if not source.is_file():
            missing.append(f"{path}: {source.relative_to(h.REPO)} does not exist")
            continue
        tree = ast.parse(source.read_text())
        if not any(
            isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == attr for n in tree.body
        ):
            missing.append(f"{path}: {source.relative_to(h.REPO)} defines no top-level `{attr}`")
    assert not missing, "Terraform points Lambda at handlers that do not exist: " + "; ".join(missing)


def test_glue_arguments_match_what_the_glue_script_reads(
    imports: dict[str, h.RenderedImport], env_plan: dict[str, dict[str, Any]]
) -> None:
    assert GLUE_SCRIPT.is_file(), (
        f"{GLUE_SCRIPT.relative_to(h.REPO)} does not exist; Terraform deploys it as the Glue entry script"
    )
    reads = h.resolved_options(GLUE_SCRIPT)
    # default_arguments is a merge() in HCL, so the planned (evaluated) jobs are read instead.
    jobs = [v for a, v in env_plan.items() if a.startswith("module.glue.aws_glue_job.this[")]
    assert jobs, "the plan has no Glue job"
    tf_args = {k for job in jobs for k in job["default_arguments"] if not GLUE_SPECIAL.match(k)}
    assert "--spec_uri" in tf_args
    assert tf_args <= reads, (
        f"the Glue job passes {sorted(tf_args - reads)} that {GLUE_SCRIPT.name} never reads"
    )
    for name, imp in imports.items():
        asl_args = imp.glue_arguments()
        if not asl_args:
            continue
        assert asl_args <= reads, (
            f"{name}: the ASL passes {sorted(asl_args - reads)} that {GLUE_SCRIPT.name} never reads"
        )
        provided = asl_args | tf_args | {"--JOB_NAME"}  # Glue itself passes --JOB_NAME
        assert reads <= provided, (
            f"{name}: {GLUE_SCRIPT.name} reads {sorted(reads - provided)} that neither the ASL nor Terraform passes"
        )


def test_resolved_options_reader_handles_literals_and_constants(tmp_path) -> None:
    script = tmp_path / "job.py"
    script.write_text(
        "import sys\nfrom awsglue.utils import getResolvedOptions\n"
        "ARGS = ['JOB_NAME', 'spec_uri']\n"
        "def main():\n    a = getResolvedOptions(sys.argv, ARGS)\n    b = getResolvedOptions(sys.argv, ['run_id'])\n"
    )
    assert h.resolved_options(script) == {"--JOB_NAME", "--spec_uri", "--run_id"}


@pytest.mark.parametrize("imp_name", ["orders", "events", "clicks"])
def test_fixture_covers_the_shapes(imp_name: str) -> None:
    """The committed fallback fixture keeps one import with crawler+schedule, one with dedupe and one
    whose crawler crawls the catalog table."""
    imp = h.RenderedImport.load(h.FIXTURE_RENDER, imp_name)
    if imp_name == "orders":
        assert imp.terraform["crawler"] and imp.terraform["schedule"] and "dedupe" not in imp.functions()
        assert imp.terraform["crawler"]["target_kind"] == "s3"
    elif imp_name == "events":
        assert not imp.terraform["schedule"] and "dedupe" in imp.functions()
    else:
        assert imp.terraform["crawler"]["target_kind"] == "catalog"


# ---------------------------------------------------------------------------------------------
# Crawlers and tables: the planned resources carry every rendered setting that matters
# ---------------------------------------------------------------------------------------------

GLUE_ARN = f"arn:aws:glue:{REGION}:{ACCOUNT}"


def _statements(policy_json: str) -> list[dict[str, Any]]:
    out = []
    for st in json.loads(policy_json)["Statement"]:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        resources = st["Resource"] if isinstance(st["Resource"], list) else [st["Resource"]]
        out.append({"sid": st.get("Sid"), "actions": set(actions), "resources": set(resources)})
    return out


def test_planned_crawlers_match_every_rendered_setting(
    env_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    crawled = {n: i.terraform["crawler"] for n, i in imports.items() if i.terraform.get("crawler")}
    assert crawled, "no rendered import has a crawler; nothing would be compared"
    for name, rendered in crawled.items():
        crawler = env_plan[f'module.glue.aws_glue_crawler.this["{name}"]']
        where = f"{name}: planned crawler vs rendered crawler settings"
        assert (crawler["name"], crawler["database_name"], crawler["table_prefix"] or "") == (
            rendered["name"],
            rendered["database"],
            rendered["table_prefix"],
        ), where
        assert json.loads(crawler["configuration"]) == json.loads(rendered["configuration"]), where
        policy = crawler["schema_change_policy"][0]
        assert (policy["update_behavior"], policy["delete_behavior"]) == (
            rendered["schema_change_policy"]["update_behavior"],
            rendered["schema_change_policy"]["delete_behavior"],
        ), where
        assert crawler["recrawl_policy"][0]["recrawl_behavior"] == rendered["recrawl_policy"]["recrawl_behavior"]
        if rendered["target_kind"] == "catalog":
            # A catalog target has no paths and so no exclusions; the table's location is what it reads.
            assert (crawler["s3_target"], len(crawler["catalog_target"])) == ([], 1), where
            target = crawler["catalog_target"][0]
            assert (target["database_name"], target["tables"]) == (
                rendered["catalog_target"]["database_name"],
                rendered["catalog_target"]["tables"],
            ), where
            assert rendered["catalog_target"]["tables"] == [rendered["table"]]
        else:
            assert (crawler["catalog_target"], len(crawler["s3_target"])) == ([], 1), where
            target = crawler["s3_target"][0]
            assert (target["path"], target["exclusions"]) == (
                rendered["s3_target"]["path"],
                rendered["exclusions"],
            ), where
        table = env_plan[f'module.glue.aws_glue_catalog_table.this["{name}"]']
        assert (table["database_name"], table["name"]) == (rendered["database"], rendered["table"]), where


def test_crawler_roles_reach_exactly_the_specs_table(
    glue_plan: dict[str, dict[str, Any]], imports: dict[str, h.RenderedImport]
) -> None:
    crawled = {n: i.terraform["crawler"] for n, i in imports.items() if i.terraform.get("crawler")}
    assert crawled
    for name, rendered in crawled.items():
        policy = glue_plan[f'module.glue.aws_iam_role_policy.crawler["{name}"]']["policy"]
        glue = [st for st in _statements(policy) if any(a.startswith("glue:") for a in st["actions"])]
        assert len(glue) == 1 and all(a.startswith("glue:") for a in glue[0]["actions"]), policy
        db, table = rendered["database"], rendered["table"]
        assert glue[0]["resources"] == {
            f"{GLUE_ARN}:catalog",
            f"{GLUE_ARN}:database/{db}",
            f"{GLUE_ARN}:table/{db}/{table}",
        }, f"{name}: crawler role's catalog resources must be exactly {db}.{table}"
        actions = glue[0]["actions"]
        assert not any("*" in a for a in actions)
        assert ("glue:CreateTable" in actions) == (rendered["target_kind"] == "s3"), (
            f"{name}: only an S3-target crawler creates its table; a catalog target crawls Terraform's"
        )
        deletes = {"glue:DeleteTable", "glue:DeletePartition", "glue:BatchDeletePartition"} & actions
        assert bool(deletes) == (rendered["schema_change_policy"]["delete_behavior"] == "DELETE_FROM_DATABASE")
        # Both kinds read the data under the table's location.
        location = rendered["table_input"]["StorageDescriptor"]["Location"]
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        reads = [st for st in _statements(policy) if st["actions"] == {"s3:GetObject"}]
        assert [st["resources"] for st in reads] == [{f"arn:aws:s3:::{bucket}/{prefix}*"}], policy


def test_table_lifecycle_leaves_columns_and_statistics_to_the_crawler_and_commit() -> None:
    """A plain table resource would revert the columns the crawler merges and commit adds on every apply."""
    table = h.hcl_resources(h.MODULES / "glue" / "main.tf", "aws_glue_catalog_table")["this"]
    ignored = {str(p).strip("${}") for block in table["lifecycle"] for p in block["ignore_changes"]}
    assert ignored == {"parameters", "storage_descriptor[0].columns", "storage_descriptor[0].parameters"}
    crawler = h.hcl_resources(h.MODULES / "glue" / "main.tf", "aws_glue_crawler")["this"]
    assert "${aws_glue_catalog_table.this}" in crawler["depends_on"] or "aws_glue_catalog_table.this" in str(
        crawler["depends_on"]
    )


# ---------------------------------------------------------------------------------------------
# Glue job dependencies: --additional-python-modules names exactly the uploaded wheels
# ---------------------------------------------------------------------------------------------


def test_glue_jobs_install_exactly_the_uploaded_wheels_and_never_pypi(
    env_plan: dict[str, dict[str, Any]], glue_plan: dict[str, dict[str, Any]]
) -> None:
    for plan in (env_plan, glue_plan):
        _assert_jobs_install_the_uploaded_wheels(plan)
    # Role policies are only known in the harness's copy (literal key).
    jobs = [a for a in glue_plan if a.startswith("module.glue.aws_glue_job.this[")]
    uploaded = {f"s3://{v['bucket']}/{v['key']}" for a, v in glue_plan.items() if ".aws_s3_object.wheel[" in a}
    for address in jobs:
        role = address.replace("aws_glue_job.this", "aws_iam_role_policy.job")
        readable = {
            r for st in _statements(glue_plan[role]["policy"]) if "s3:GetObject" in st["actions"] for r in st["resources"]
        }
        for uri in uploaded:
            assert "arn:aws:s3:::" + uri.removeprefix("s3://") in readable, f"{address}: role cannot read {uri}"


def _assert_jobs_install_the_uploaded_wheels(plan: dict[str, dict[str, Any]]) -> None:
    prefix = "module.glue.aws_s3_object.wheel["
    uploaded = {f"s3://{v['bucket']}/{v['key']}" for a, v in plan.items() if a.startswith(prefix)}
    assert sorted(PurePosixPath(u).name for u in uploaded) == sorted(STAND_IN_WHEELS), (
        "every wheel in package_dir/glue/wheels must be uploaded"
    )
    jobs = {a: v for a, v in plan.items() if a.startswith("module.glue.aws_glue_job.this[")}
    assert jobs
    for address, job in jobs.items():
        args = job["default_arguments"]
        named = args["--additional-python-modules"].split(",")
        assert len(named) == len(set(named)) and set(named) == uploaded, (
            f"{address}: --additional-python-modules {named} != uploaded wheels {sorted(uploaded)}"
        )
        assert args["--python-modules-installer-option"] == "--no-index"
