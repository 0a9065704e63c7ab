"""What a hook sees: a Lambda handler and a Glue job script that report their environment and whether
boto3 finds credentials (run by the local services in test_hook_environment)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def _seen() -> dict[str, Any]:
    import boto3

    return {"environ": dict(os.environ), "credentials": boto3.session.Session().get_credentials() is not None}


def environment(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _seen()


if __name__ == "__main__":  # the Glue job: print what it sees as the first line of its log
    print(json.dumps(_seen()))
    sys.exit(0)
