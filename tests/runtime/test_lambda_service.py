"""The local Lambda service fails the way Lambda does: timeouts, out of memory, unhandled errors."""

from __future__ import annotations

import json

import pytest

from orchestration.local import execute
from orchestration.local.services import FunctionError, LambdaService, LocalFunction
from tests.runtime.conftest import ROOT, functions


def _invoke_state(function: str) -> dict:
    return {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": f"arn:aws:lambda:eu-central-1:123456789012:function:{function}",
                       "Payload": {"n.$": "$.n"}},
        "End": True}}}


def test_result_is_wrapped_like_the_optimized_integration_and_the_child_gets_the_lake(make_resolver, lake):
    resolver = make_resolver(functions(echo=("echo", 256, 30)))
    result = execute(_invoke_state("echo"), {"n": 7}, resolver=resolver)
    assert result.status == "SUCCEEDED", result.cause
    assert result.output["StatusCode"] == 200
    assert result.output["Payload"]["event"] == {"n": 7}
    assert result.output["Payload"]["lake"] == str(lake)
    assert result.output["Payload"]["memory"] == 256
    assert result.output["SdkResponseMetadata"]["RequestId"] == resolver.lambdas.invocations[0].request_id


def test_unhandled_exception_surfaces_as_error_type_with_the_error_payload_as_cause(make_resolver):
    result = execute(_invoke_state("broken"), {"n": 1}, resolver=make_resolver(functions(broken=("broken", 256, 30))))
    assert result.status == "FAILED"
    assert result.error == "QualityError"
    cause = json.loads(result.cause)
    assert cause["errorType"] == "QualityError"
    assert cause["errorMessage"] == "orders: 3 of 10 rows rejected (30%) is over max_reject_ratio 0.01"
    assert any("handlers.py" in frame for frame in cause["stackTrace"])


def test_timeout_kills_the_process_and_fails_with_sandbox_timedout():
    svc = LambdaService(functions(sleepy=("sleepy", 256, 1)), cwd=ROOT)
    with pytest.raises(FunctionError) as err:
        svc.invoke("sleepy", {"seconds": 60})
    assert err.value.error_type == "Sandbox.Timedout"
    assert err.value.payload["errorMessage"].endswith("Task timed out after 1.00 seconds")
    assert svc.invocations[0].duration_s < 30


def test_memory_over_the_limit_fails_with_runtime_out_of_memory():
    svc = LambdaService(functions(hungry=("hungry", 160, 60)), cwd=ROOT)
    with pytest.raises(FunctionError) as err:
        svc.invoke("hungry", {"mb": 4000})
    assert err.value.error_type == "Runtime.OutOfMemory"
    assert "signal: killed" in err.value.payload["errorMessage"]
    assert svc.invocations[0].max_rss_mb > 160


def test_a_result_that_is_not_json_fails_with_runtime_marshal_error():
    svc = LambdaService(functions(bad=("unmarshallable", 256, 30)), cwd=ROOT)
    with pytest.raises(FunctionError) as err:
        svc.invoke("bad", {})
    assert err.value.error_type == "Runtime.MarshalError"
    assert "Unable to marshal response" in err.value.payload["errorMessage"]


def test_unknown_function_names_the_known_ones():
    svc = LambdaService(functions(echo=("echo", 256, 30)), cwd=ROOT)
    with pytest.raises(Exception, match="no local function named 'nope'.*known: echo"):
        svc.invoke("arn:aws:lambda:eu-central-1:1:function:nope", {})


@pytest.mark.parametrize(("handler", "error_type", "message"), [
    ("tests.runtime.no_such_module.handler", "Runtime.ImportModuleError", "Unable to import module 'tests.runtime.no_such_module'"),
    ("tests.runtime.handlers.nope", "Runtime.HandlerNotFound", "Handler 'nope' missing on module 'tests.runtime.handlers'"),
])
def test_a_handler_that_cannot_be_loaded_fails_as_the_runtime_reports_it(handler, error_type, message):
    svc = LambdaService({"f": LocalFunction("f", handler, 256, 30)}, cwd=ROOT)
    with pytest.raises(FunctionError) as err:
        svc.invoke("f", {})
    assert err.value.error_type == error_type
    assert err.value.payload["errorMessage"].startswith(message)


def test_a_task_timeout_shorter_than_the_function_timeout_stops_it_with_states_timeout(make_resolver):
    definition = _invoke_state("sleepy")
    definition["States"]["Call"]["TimeoutSeconds"] = 1
    definition["States"]["Call"]["Parameters"]["Payload"] = {"seconds": 60}
    resolver = make_resolver(functions(sleepy=("sleepy", 256, 300)))
    result = execute(definition, {}, resolver=resolver)
    assert result.status == "FAILED" and result.error == "States.Timeout"
    assert "TimeoutSeconds passed" in result.cause
    assert any(e["type"] == "TaskTimedOut" for e in result.events)
    assert resolver.lambdas.invocations[0].duration_s < 60


def test_the_fork_server_started_early_has_its_preload_and_serves_the_invocations():
    """``run --local`` starts the fork server before it loads the project (``start_fork_server``): that must
    be the server the invocations then fork from, and it must have imported ``PRELOAD`` (set before the
    server starts, else every invocation imports pydantic, sqlglot and boto3 itself)."""
    import time
    from multiprocessing import forkserver
    from pathlib import Path

    from orchestration.forkserver import start_fork_server

    start_fork_server()
    pid = forkserver._forkserver._forkserver_pid
    assert pid is not None
    start_fork_server()
    assert forkserver._forkserver._forkserver_pid == pid
    deadline = time.monotonic() + 60  # the server imports its preload after it has started
    while "pydantic_core" not in Path(f"/proc/{pid}/maps").read_text():
        assert time.monotonic() < deadline, "the fork server never imported its preload"
        time.sleep(0.05)
    svc = LambdaService(functions(echo=("echo", 256, 30)), cwd=ROOT)
    payload, _ = svc.invoke("echo", {"n": 1})
    assert payload["event"] == {"n": 1}
    assert forkserver._forkserver._forkserver_pid == pid


def _last_line(args: list[str], cwd) -> str:  # noqa: ANN001
    """The last line a fresh interpreter given ``args`` prints (it must exit 0)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=120, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1]


def test_an_invocation_does_not_run_the_parents_main_script_again(tmp_path):
    """``lockgate`` is a script: ``multiprocessing`` would import it (and so the whole CLI) again in every
    invocation's process. The script here stands for it; the invocation must not have run it, and the
    parent's main module must look as it did before."""
    marker = "lockgate_test_main_marker"
    script = tmp_path / "main_script.py"
    script.write_text(
        "import json, sys, types\n"
        f"sys.modules[{marker!r}] = types.ModuleType({marker!r})  # what running this script leaves behind\n"
        "if __name__ == '__main__':\n"
        f"    sys.path.insert(0, {str(ROOT)!r})\n"
        "    from orchestration.local.services import LambdaService, LocalFunction\n"
        "    spec_before = sys.modules['__main__'].__spec__\n"
        f"    svc = LambdaService({{'m': LocalFunction('m', 'tests.runtime.handlers.modules', 256, 60)}}, cwd={str(ROOT)!r})\n"
        f"    payload, _ = svc.invoke('m', {{'names': [{marker!r}, 'pydantic']}})\n"
        "    print(json.dumps({'payload': payload, 'spec_kept': sys.modules['__main__'].__spec__ is spec_before}))\n")
    result = json.loads(_last_line([str(script)], tmp_path))
    assert result["spec_kept"] is True
    assert result["payload"] == {marker: False, "pydantic": True}


def test_the_fork_server_preload_starts_no_thread():
    """A fork keeps only the forking thread: a module in ``PRELOAD`` that starts one (pyarrow does, on import)
    would leave every invocation with a library whose threads are gone. Imported in a fresh interpreter,
    the preload must leave exactly one thread."""
    code = ("import importlib, os\n"
            "from orchestration.forkserver import PRELOAD\n"
            "for name in PRELOAD:\n"
            "    importlib.import_module(name)\n"
            "print(len(os.listdir('/proc/self/task')))\n")
    assert _last_line(["-c", code], ROOT) == "1"


@pytest.mark.parametrize(("args", "starts"), [(["run", "nope", "--local"], True), (["backfill", "nope", "--local"], True),
                                              (["run", "nope"], False), (["validate", "--local"], False)])
def test_the_command_starts_the_fork_server_first_only_for_local_runs(tmp_path, args: list[str], starts: bool):
    """``lockgate run|backfill --local`` starts the fork server before the CLI is even imported (its start
    and preload then overlap the CLI's); importing the package alone loads nothing, and other commands
    start no server."""
    code = ("import json, sys\n"
            "import orchestration.cli as cli\n"
            "light = 'typer' not in sys.modules and 'pydantic' not in sys.modules\n"
            "from multiprocessing import forkserver\n"
            "seen = {}\n"
            "class Watch:  # records whether the server runs when the CLI proper is imported\n"
            "    def find_spec(self, name, path, target=None):\n"
            "        if name == 'orchestration.cli.app':\n"
            "            seen.setdefault('before_cli', forkserver._forkserver._forkserver_pid is not None)\n"
            "sys.meta_path.insert(0, Watch())\n"
            "try:\n"
            f"    cli.main(['--project', {str(tmp_path)!r}, *{args!r}])\n"
            "except SystemExit:\n"
            "    pass\n"
            "print(json.dumps({'light': light, 'before_cli': seen.get('before_cli'),\n"
            "                  'server': forkserver._forkserver._forkserver_pid is not None}))\n")
    assert json.loads(_last_line(["-c", code], ROOT)) == {"light": True, "before_cli": starts, "server": starts}
