"""The conventions users know from dbt, the AWS CLI and Terraform: --version, -h, one-line usage errors
with a hint and exit 2, --verbose/--quiet, --json errors, LOCKGATE_PROJECT, shell completion."""

from __future__ import annotations

import os
import re
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from orchestration.cli.exits import ExitCode
from tests.cli.conftest import LOCKGATE, console_script
from tests.conftest import ROOT

ERROR_KEYS = {"error", "message", "where", "hint", "exit_code"}

USAGE_ERRORS = [
    (["run", "orders", "--windw", "2024-03-01"], "No such option: --windw", "lockgate run"),
    (["run"], "Missing argument 'IMPORT'", "lockgate run"),
    (["nosuch"], "No such command 'nosuch'", "lockgate"),
    (["-x"], "No such option: -x", "lockgate"),
    (["run", "orders", "--poll-seconds", "0"], "--poll-seconds", "lockgate run"),
    (["query", "SELECT 1", "--format", "xml"], "--format", "lockgate query"),
    (["graph", "orders", "--format", "gif"], "'gif' is not one of mermaid, svg, png", "lockgate graph"),
    (["run", "orders", "--local", "--engine", "spark"], "engine 'spark' is not one of auto, lambda, glue", "lockgate run"),
    (["lake", "put", "orders"], "Missing argument 'FILE...'", "lockgate lake put"),
    (["completion", "tcsh"], "shell 'tcsh' is not one of", "lockgate completion"),
]


def test_version_from_the_console_script() -> None:
    for flag in ("--version", "-V"):
        r = console_script(flag)
        assert r.code == 0 and r.out == f"lockgate {version('lockgate')}\n" and r.err == ""


def test_short_and_long_help_are_the_same(cli) -> None:
    for args in ([], ["run"], ["lake", "put"]):
        short, long = cli(*args, "-h"), cli(*args, "--help")
        assert short.code == long.code == 0 and short.out == long.out and "Usage: lockgate" in short.out


def test_bare_lockgate_prints_help_and_exits_0(cli) -> None:
    r = cli()
    assert r.code == 0 and r.out.startswith("Usage: lockgate [OPTIONS] COMMAND") and "init" in r.out


@pytest.mark.parametrize(("args", "says", "command"), USAGE_ERRORS, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_usage_errors_are_one_line_plus_a_hint_and_exit_2(cli, project: Path, args: list[str], says: str,
                                                          command: str) -> None:
    r = cli(*args)
    assert r.code == ExitCode.USAGE == 2, r
    assert r.out == "" and "Traceback" not in r.err
    assert len(r.err_lines) == 2, r.err
    assert r.err_lines[0].startswith("error: ") and says in r.err_lines[0]
    assert r.err_lines[1] == f"Try '{command} -h' for help."


@pytest.mark.parametrize(("args", "says", "command"), USAGE_ERRORS[:4] + USAGE_ERRORS[7:8],
                         ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_usage_errors_under_json_are_one_json_object(cli, project: Path, args: list[str], says: str,
                                                     command: str) -> None:
    r = cli(*args, "--json")
    assert r.code == 2 and r.err == ""
    body = r.json()
    assert set(body) == ERROR_KEYS
    assert body["error"] == "Lockgate.UsageError" and body["exit_code"] == 2
    assert says in (f"{body['where']}: " if body["where"] else "") + body["message"]
    assert body["hint"] == f"Try '{command} -h' for help."


def test_usage_error_from_the_console_script_has_no_traceback() -> None:
    r = console_script("run", "orders", "--windw", "2024-03-01", cwd=ROOT)
    assert r.code == 2 and "Traceback" not in r.err
    assert r.err_lines == ["error: No such option: --windw (Possible options: --wait, --window)",
                           "Try 'lockgate run -h' for help."]


def test_config_errors_exit_3_and_show_a_traceback_only_with_verbose(cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOCKGATE_PROJECT", raising=False)
    plain = cli("list")
    assert plain.code == ExitCode.CONFIG == 3
    assert plain.err_lines == [f"error: no lockgate.yaml in {tmp_path}; start a project with `lockgate init`, or point at one with --project DIR or LOCKGATE_PROJECT"]
    for args in (["--verbose", "list"], ["list", "-v"]):  # global flags work after the command too
        loud = cli(*args)
        assert loud.code == 3 and "Traceback (most recent call last)" in loud.err
        assert loud.err_lines[-1] == plain.err_lines[0]
    as_json = cli("list", "--json")
    assert as_json.code == 3 and as_json.json() == {
        "error": "Lockgate.ConfigError", "message": f"no lockgate.yaml in {tmp_path}; start a project with `lockgate init`, or point at one with --project DIR or LOCKGATE_PROJECT",
        "where": None, "hint": None, "exit_code": 3}


def test_quiet_keeps_results_and_drops_notes(cli, project: Path) -> None:
    assert cli("validate").out == "1 spec(s) valid\n"
    quiet = cli("-q", "validate")
    assert quiet.code == 0 and quiet.out == "" and quiet.err == ""
    listed = cli("list", "--quiet", "--json")
    assert listed.code == 0 and [row["name"] for row in listed.json()] == ["orders"]


def test_lockgate_project_env_var_is_the_default_project(cli, project: Path, tmp_path_factory, monkeypatch) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    assert cli("list", "--json").code == 3
    monkeypatch.setenv("LOCKGATE_PROJECT", str(project))
    r = cli("list", "--json")
    assert r.code == 0 and [row["name"] for row in r.json()] == ["orders"]
    assert cli("--project", str(elsewhere), "list").code == 3  # --project wins over the variable
    assert "LOCKGATE_PROJECT" in cli("-h").out


def _commands(cli, *group: str) -> list[list[str]]:
    text = cli(*group, "-h").out
    names = re.findall(r"^  ([a-z]+)  ", text.split("Commands:")[1], re.M) if "Commands:" in text else []
    out = [list(group)]
    for name in names:
        out += _commands(cli, *group, name)
    return out


def test_help_text_is_clean(cli) -> None:
    commands = _commands(cli)
    assert ["run"] in commands and ["lake", "put"] in commands and ["init"] in commands
    for command in commands:
        text = cli(*command, "-h").out
        assert "Usage: lockgate" in text and "-h, --help" in text, command
        assert "<bool>" not in text and "╭" not in text, (command, text)


def test_json_is_offered_by_every_command_that_prints_results(cli) -> None:
    for command in (["validate"], ["list"], ["plan"], ["run"], ["backfill"], ["runs"], ["query"], ["render"],
                    ["init"], ["lake", "put"], ["schema"]):
        assert "--json" in cli(*command, "-h").out, command


def test_completion_script_and_completing_words(tmp_path: Path) -> None:
    r = console_script("completion", "bash")
    assert r.code == 0 and "_LOCKGATE_COMPLETE=complete_bash" in r.out and "complete " in r.out
    words = console_script(env={"_LOCKGATE_COMPLETE": "complete_bash", "COMP_WORDS": "lockgate ru", "COMP_CWORD": "1"})
    assert words.code == 0 and words.out.split() == ["run", "runs"]
    opts = console_script(env={"_LOCKGATE_COMPLETE": "complete_bash", "COMP_WORDS": "lockgate run --lo",
                               "COMP_CWORD": "2"})
    assert opts.out.split() == ["--local"]
    imports = console_script(cwd=ROOT, env={"_LOCKGATE_COMPLETE": "complete_bash", "COMP_WORDS": "lockgate plan ",
                                            "COMP_CWORD": "2"})
    assert imports.out.split() == ["events", "orders", "payments", "sessions"]
    # Typer finds the shell among the process's ancestors, so run the script from a real bash (not straight
    # from pytest, whose ancestors differ between a terminal, CI and an agent's sandbox).
    done = subprocess.run(["bash", "-c", f"'{LOCKGATE}' --install-completion; exit $?"], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "HOME": str(tmp_path), "SHELL": "/bin/bash"})
    assert "Traceback" not in done.stderr
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / ".bash_completions" / "lockgate.sh").is_file()


def test_exit_code_mapping() -> None:
    from orchestration.cli.exits import failure_of
    from orchestration.core.errors import ConfigError, DataError, SpecError, StorageError, UsageError

    assert failure_of(KeyboardInterrupt()).exit_code == ExitCode.INTERRUPTED == 130
    assert failure_of(UsageError("x")).exit_code == failure_of(SpecError("x")).exit_code == 2
    assert failure_of(ConfigError("x")).exit_code == 3
    assert failure_of(StorageError("x")).exit_code == 4
    assert failure_of(DataError("x")).exit_code == 1
    bug = failure_of(ZeroDivisionError("division by zero"))
    assert bug.exit_code == 5 and bug.error == "Lockgate.InternalError" and "--verbose" in (bug.hint or "")


def test_docs_exit_code_table_is_the_code() -> None:
    from orchestration.cli.exits import EXIT_CODE_MEANINGS

    doc = (ROOT / "docs" / "cli.md").read_text()
    rows = dict(re.findall(r"^\| (\d+) \| `(\w+)` \|", doc, re.M))
    assert {int(k): v for k, v in rows.items()} == {int(c): c.name for c in ExitCode}
    assert set(EXIT_CODE_MEANINGS) == set(ExitCode)


def test_an_unreachable_aws_exits_4_naming_the_endpoint_and_the_local_way() -> None:
    from tests.conftest import _free_port

    closed = f"http://127.0.0.1:{_free_port()}"
    env = {"AWS_ENDPOINT_URL": closed, "LOCKGATE_AWS_MAX_ATTEMPTS": "1"}
    for args in (["plan", "orders", "--window", "2024-03-01"], ["run", "orders", "--window", "2024-03-01"]):
        r = console_script(*args, cwd=ROOT, env=env)
        assert r.code == ExitCode.AWS == 4, r
        assert "Traceback" not in r.err and r.err_lines[0].startswith("error: ") and closed in r.err_lines[0]
        assert r.err_lines[1].startswith("hint: ")


def test_ctrl_c_exits_130_with_one_line(aws: str, tmp_path: Path) -> None:
    """SIGINT while `run --wait` polls a deployed execution (moto keeps it RUNNING)."""
    import json
    import signal
    import subprocess
    import time

    from orchestration.core import aws as aws_clients
    from tests.cli.conftest import LOCKGATE

    (tmp_path / "lockgate.yaml").write_text(f"imports: {ROOT / 'examples' / 'imports'}\n")
    sfn = aws_clients.client("stepfunctions", region="eu-central-1")
    arn = sfn.create_state_machine(name="lockgate-orders", roleArn="arn:aws:iam::123456789012:role/x", definition=json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}))["stateMachineArn"]
    # As from a terminal: SIGINT handled by default. A test run started in the background by a shell
    # without job control inherits SIGINT ignored, and Python then keeps ignoring it (Unix convention).
    proc = subprocess.Popen([str(LOCKGATE), "--project", str(tmp_path), "run", "orders", "--wait", "--poll-seconds", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while not sfn.list_executions(stateMachineArn=arn)["executions"] and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # inside the polling loop
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "error: interrupted"
