"""The environment a local Lambda invocation or Glue job (and so the spec's hooks) runs with.

Not the CLI's whole environment: only what the function or job would get on AWS, plus the few host
variables a local process needs to start at all. What is passed:

- Lockgate's settings for the run (``base_env``: ``LOCKGATE_LAKE``, ``LOCKGATE_CONTROL_URI``,
  ``LOCKGATE_IMPORT``, ``LOCKGATE_ROUTING``, Powertools names, ``AWS_REGION``) and the function's own
  variables, as Terraform sets them on AWS;
- what the Lambda runtime sets (``AWS_LAMBDA_FUNCTION_NAME``, ``..._MEMORY_SIZE``, ``..._VERSION``, log
  group and stream, ``AWS_EXECUTION_ENV``, ``LAMBDA_TASK_ROOT``, ``TZ``, ``LANG``, ``AWS_DEFAULT_REGION``);
- from the host: ``PATH``, ``LANG``/``LC_*``, ``TMPDIR``, ``LD_LIBRARY_PATH``, Java and Spark locations
  for Glue (``JAVA_HOME``, ``SPARK_*``, ``PYSPARK_*``, ``HOME``), Lockgate's own tuning knobs
  (``LOCKGATE_*``) and endpoint overrides (``AWS_ENDPOINT_URL*``);
- to the download functions of an https:// or sftp:// import only: the one variable its spec names as
  the local credentials (``source.download.credentials.env``; the runner adds it as a function variable).

Never passed: AWS credentials, profiles and any other variable of the shell (tokens, passwords, proxy
settings). ``AWS_SHARED_CREDENTIALS_FILE`` and ``AWS_CONFIG_FILE`` point at the null device and the
instance metadata service is disabled, so boto3 in a hook finds no credentials: a local run uses the
local lake and needs none. On AWS a hook has the execution role's credentials (docs/security.md).
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["lambda_environment", "glue_environment", "HOST_VARIABLES", "HOST_PREFIXES"]

HOST_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "LD_LIBRARY_PATH", "SYSTEMROOT")
"""Taken from the host so a local process starts at all."""
HOST_PREFIXES = ("LOCKGATE_", "AWS_ENDPOINT_URL")
"""Lockgate's own settings and endpoint overrides (moto, LocalStack): never secrets."""
_GLUE_HOST = ("HOME", "JAVA_HOME")
_GLUE_PREFIXES = ("SPARK_", "PYSPARK_")
_NO_CREDENTIALS = {"AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_CONFIG_FILE": os.devnull,
                   "AWS_EC2_METADATA_DISABLED": "true"}


def _from_host(host: Mapping[str, str], names: tuple[str, ...], prefixes: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in host.items() if k in names or k.startswith(prefixes)}


def lambda_environment(function_name: str, memory_mb: int, base_env: Mapping[str, str],
                       function_env: Mapping[str, str], cwd: str, *,
                       host: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of one local invocation of ``function_name``."""
    host = os.environ if host is None else host
    region = base_env.get("AWS_REGION") or host.get("AWS_REGION") or "us-east-1"
    return {**_from_host(host, HOST_VARIABLES, HOST_PREFIXES), **_NO_CREDENTIALS,
            "TZ": ":UTC", "LANG": host.get("LANG", "en_US.UTF-8"), "AWS_REGION": region, "AWS_DEFAULT_REGION": region,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11", "LAMBDA_TASK_ROOT": cwd,
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function_name}",
            **base_env, **function_env,
            "AWS_LAMBDA_FUNCTION_NAME": function_name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "PYTHONUNBUFFERED": "1"}


def glue_environment(base_env: Mapping[str, str], cwd: str, *, host: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of one local Glue job run (its driver, JVM and Python workers)."""
    host = os.environ if host is None else host
    env = {**_from_host(host, HOST_VARIABLES + _GLUE_HOST, HOST_PREFIXES + _GLUE_PREFIXES), **_NO_CREDENTIALS,
           **base_env, "PYTHONUNBUFFERED": "1"}
    region = env.get("AWS_REGION") or "us-east-1"
    env.setdefault("AWS_REGION", region)
    env.setdefault("AWS_DEFAULT_REGION", region)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (cwd, host.get("PYTHONPATH", "")) if p)
    return env
