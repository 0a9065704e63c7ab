"""terraform validate and an offline terraform plan of the example environment.

The plan runs against the render output (real or fixture) and a stand-in package, with only STS
answered by a local moto server (the data sources need an account id); nothing reaches AWS. The
state machine module is also planned on its own with literal function ARNs, so the IAM policy it
generates from the ASL is fully known and can be compared with what the ASL calls.
"""

from __future__ import annotations

import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from orchestration.packaging import DEFAULT_RUNTIME
from tests.terraform import tfhelpers as h

ACCOUNT = "123456789012"  # moto's account
REGION = "eu-central-1"
ARN_FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-{{imp}}-{{fn}}"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:lockgate-failures"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
CONTROL = "lockgate-control"


class _ValidateDefinitionStub(BaseHTTPRequestHandler):
    """Answers states:ValidateStateMachineDefinition, which the provider calls while planning a
    known definition; the definition's content is checked by the tests, not by this stub."""

    def do_POST(self) -> None:  # noqa: N802 (http.server naming)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"result": "OK", "diagnostics": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _provider_override(port: int, sfn_port: int) -> str:
    return f"""
provider "aws" {{
  region                      = "{REGION}"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  endpoints {{
    sts = "http://127.0.0.1:{port}"
    sfn = "http://127.0.0.1:{sfn_port}"
  }}
}}
"""


@pytest.fixture(scope="module")
def initialised(tf_workspace: h.TfWorkspace) -> h.TfWorkspace:
    env_dir = tf_workspace.root / "environments" / "example"
    # The state machine harness (below) lives in the same root so one plan covers both.
    (env_dir / "zz_test_harness.tf").write_text(HARNESS % {"topic": TOPIC, "control": CONTROL, "key": KEY})
    ok, how = tf_workspace.init(env_dir)
    if not ok:
        pytest.skip(f"cannot install the hashicorp/aws provider offline, so validate/plan are skipped: {how}")
    print(f"\n[terraform tests] init: {how}")
    return tf_workspace


@pytest.fixture(scope="module")
def sfn_stub_port() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ValidateDefinitionStub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def sts_port() -> Iterator[int]:
    moto_server = pytest.importorskip("moto.server")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield port
    finally:
        server.stop()


@pytest.fixture(scope="module")
def package_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for `make package` output: only the file names and types matter for a plan."""
    d = tmp_path_factory.mktemp("package")
    for rel in ("lambda/code.zip", "lambda/layer.zip", "glue/lockgate.zip"):
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(d / rel, "w") as z:
            z.writestr("placeholder.txt", "stand-in for make package output\n")
    (d / "glue" / "job.py").write_text("# stand-in for glue_jobs/job.py\n")
    return d


def _plan(ws: h.TfWorkspace, cwd: Path, ports: tuple[int, int], args: list[str]) -> dict[str, Any]:
    (cwd / "zz_test_override.tf").write_text(_provider_override(*ports))
    proc = ws.run(
        ["plan", "-input=false", "-refresh=false", "-lock=false", "-out=tfplan", *args], cwd, timeout=300
    )
    assert proc.returncode == 0, (
        f"terraform plan failed in {cwd}:\n{h.last_error(proc)}\n{proc.stderr[-4000:]}"
    )
    warnings_ = [
        ln
        for ln in h.strip_ansi(proc.stdout + proc.stderr).splitlines()
        if "Check block assertion failed" in ln
    ]
    assert not warnings_, (
        f"terraform plan in {cwd}: check blocks failed:\n{h.strip_ansi(proc.stdout)[-3000:]}"
    )
    shown = ws.run(["show", "-json", "tfplan"], cwd, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    return json.loads(shown.stdout)


def _resources(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """address -> planned `after` values."""
    return {
        rc["address"]: rc["change"]["after"] or {}
        for rc in plan["resource_changes"]
        if rc["mode"] == "managed"
    }


@pytest.fixture(scope="module")
def planned(
    initialised: h.TfWorkspace,
    sts_port: int,
    sfn_stub_port: int,
    render_dir: Path,
    package_dir: Path,
    imports: dict[str, h.RenderedImport],
) -> dict[str, dict[str, Any]]:
    """One plan of the example environment plus the state machine harness (one provider start-up)."""
    cwd = initialised.root / "environments" / "example"
    machines = {
        n: {
            "name": i.terraform["state_machine_name"],
            "definition_template": str(i.dir / "definition.asl.json"),
            "spec_key": i.terraform["spec_key"],
            "glue_job_name": f"lockgate-{n}" if "glue_job_name" in i.placeholders() else None,
            "crawler_name": f"lockgate-{n}" if "crawler_name" in i.placeholders() else None,
        }
        for n, i in imports.items()
    }
    # Every function of every import is offered; only the ones the ASL names may be granted.
    arns = {n: {fn: ARN_FN.format(imp=n, fn=fn) for fn in h.FUNCTIONS} for n in imports}
    (cwd / "zz_test.auto.tfvars.json").write_text(
        json.dumps({"test_machines": machines, "test_lambda_function_arns": arns})
    )
    args = [f"-var=render_dir={render_dir}", f"-var=package_dir={package_dir}"]
    return _resources(_plan(initialised, cwd, (sts_port, sfn_stub_port), args))


@pytest.fixture(scope="module")
def env_plan(planned: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {a: v for a, v in planned.items() if not a.startswith("module.test_state_machine")}


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
            assert fnv["handler"] == f"lambdas.handlers.{fn}.handler"
            assert fnv["runtime"] == DEFAULT_RUNTIME  # the runtime make package builds the layer for
            assert fnv["tracing_config"] == [{"mode": "Active"}]
            env = fnv["environment"][0]["variables"]
            for var in (
                "POWERTOOLS_SERVICE_NAME",
                "POWERTOOLS_METRICS_NAMESPACE",
                "POWERTOOLS_LOG_LEVEL",
                "LOCKGATE_CONTROL_URI",
            ):
                assert var in env, f"{name}/{fn}: environment lacks {var}"
            if fn in ("process_batch", "dedupe"):
                assert (fnv["memory_size"], fnv["timeout"]) == (
                    settings["memory_mb"],
                    settings["timeout_s"],
                ), f"{name}/{fn}: sizing differs from rendered lambda settings"


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


# ---------------------------------------------------------------------------------------------
# The state machine role, planned with known ARNs: allowed == what the ASL calls, nothing more
# ---------------------------------------------------------------------------------------------

HARNESS = """
variable "test_machines" {
  type = map(object({
    name                = string
    definition_template = string
    spec_key            = string
    glue_job_name       = optional(string)
    crawler_name        = optional(string)
  }))
}

variable "test_lambda_function_arns" {
  type = map(map(string))
}

module "test_state_machine" {
  source   = "../../modules/state_machine"
  for_each = var.test_machines

  name                 = each.value.name
  import_name          = each.key
  definition_template  = each.value.definition_template
  lambda_function_arns = var.test_lambda_function_arns[each.key]
  glue_job_name        = each.value.glue_job_name
  crawler_name         = each.value.crawler_name
  sns_topic_arn        = "%(topic)s"
  control_bucket       = "%(control)s"
  spec_key             = each.value.spec_key
  kms_key_arn          = "%(key)s"
}

"""


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
            grants |= {
                (a, f"{base}:execution:{sm}/*") for a in ("states:DescribeExecution", "states:StopExecution")
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
