"""The rendered ASL, the Terraform and the code agree (static: HCL parsed with python-hcl2, ASL as JSON).

The planned (evaluated) counterpart of these checks is in test_plan.py.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.terraform import tfhelpers as h

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
                assert re.fullmatch(r"\$\{(plan|process_batch|dedupe|commit)_function_arn\}", fn), (
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


def test_lambda_handlers_named_in_terraform_exist() -> None:
    handlers = h.hcl_locals(h.MODULES / "lambda" / "main.tf")["handlers"]
    assert set(handlers) == set(h.FUNCTIONS)
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


def test_glue_arguments_match_what_the_glue_script_reads(imports: dict[str, h.RenderedImport]) -> None:
    assert GLUE_SCRIPT.is_file(), (
        f"{GLUE_SCRIPT.relative_to(h.REPO)} does not exist; Terraform deploys it as the Glue entry script"
    )
    reads = h.resolved_options(GLUE_SCRIPT)
    job = h.hcl_resources(h.MODULES / "glue" / "main.tf", "aws_glue_job")["this"]
    tf_args = {k for k in job["default_arguments"] if not GLUE_SPECIAL.match(k)}
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


@pytest.mark.parametrize("imp_name", ["orders", "events"])
def test_fixture_covers_both_shapes(imp_name: str) -> None:
    """The committed fallback fixture keeps one import with crawler+schedule and one with dedupe."""
    imp = h.RenderedImport.load(h.FIXTURE_RENDER, imp_name)
    if imp_name == "orders":
        assert imp.terraform["crawler"] and imp.terraform["schedule"] and "dedupe" not in imp.functions()
    else:
        assert not imp.terraform["schedule"] and "dedupe" in imp.functions()
