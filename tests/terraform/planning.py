"""The offline `terraform plan` shared by test_plan.py and test_consistency.py: constants, the
provider override (STS on a local moto server, Step Functions' definition check on a stub), the
state machine harness and a stand-in for `make package` output."""

from __future__ import annotations

import json
import zipfile
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from tests.terraform import tfhelpers as h

ACCOUNT = "123456789012"  # moto's account
REGION = "eu-central-1"
ARN_FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:lockgate-{{imp}}-{{fn}}"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:lockgate-failures"
RUNS_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:lockgate-runs"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
CONTROL = "lockgate-control"


# Stand-ins for build/package/glue/wheels/: one pure-Python and one manylinux wheel name.
STAND_IN_WHEELS = (
    "pydantic-2.11.0-py3-none-any.whl",
    "PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
)


class ValidateDefinitionStub(BaseHTTPRequestHandler):
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


def provider_override(port: int, sfn_port: int) -> str:
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


def stand_in_package(d: Path) -> Path:
    """A stand-in for `make package` output under ``d``: only the file names and types matter for a plan."""
    wheels = [f"glue/wheels/{w}" for w in STAND_IN_WHEELS]
    for rel in ("lambda/code.zip", "lambda/layer.zip", "glue/lockgate.zip", *wheels):
        (d / rel).parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(d / rel, "w") as z:
            z.writestr("placeholder.txt", f"stand-in for make package output: {rel}\n")
    (d / "glue" / "job.py").write_text("# stand-in for glue_jobs/job.py\n")
    return d


def plan(ws: h.TfWorkspace, cwd: Path, ports: tuple[int, int], args: list[str]) -> dict[str, Any]:
    (cwd / "zz_test_override.tf").write_text(provider_override(*ports))
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


def resources(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """address -> planned `after` values."""
    return {
        rc["address"]: rc["change"]["after"] or {}
        for rc in plan["resource_changes"]
        if rc["mode"] == "managed"
    }


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
  success_topic_arn    = "%(runs_topic)s"
  control_bucket       = "%(control)s"
  spec_key             = each.value.spec_key
  kms_key_arn          = "%(key)s"
}

# The environment's Lambda modules once more with a literal key and control bucket, so every function
# role's policy is known at plan time (the download functions' secret grants are checked on it).
module "test_lambda" {
  source   = "../../modules/lambda"
  for_each = local.imports

  import_name     = each.key
  name_prefix     = var.name
  functions       = local.functions[each.key]
  control_bucket  = "%(control)s"
  spec_key        = each.value.spec_key
  source_location = { bucket = each.value.source.bucket, prefix = each.value.source.prefix }
  download_credentials = {
    secret    = try(each.value.download.secret, null)
    parameter = try(each.value.download.parameter, null)
  }
  target = {
    database   = each.value.target.database
    table      = each.value.target.table
    bucket     = each.value.target.bucket
    prefix     = each.value.target.prefix
    quarantine = each.value.target.quarantine
  }
  runtime     = each.value.functions
  package     = { code_zip = local.lambda_package.code_zip }
  kms_key_arn = "%(key)s"
}

# The environment's Glue module inputs (its locals) once more with a literal key, so the job and crawler
# role policies are known at plan time (in the environment they depend on the key being created).
module "test_glue" {
  source = "../../modules/glue"

  name_prefix    = var.name
  control_bucket = "%(control)s"
  kms_key_arn    = "%(key)s"
  databases      = toset([for i in values(local.imports) : i.target.database])
  package        = local.glue_package
  jobs           = local.glue_jobs
  crawlers       = local.glue_crawlers
}

"""


