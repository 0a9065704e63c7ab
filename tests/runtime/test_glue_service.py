"""The local Glue service: Glue-style arguments, JobRun results, failures as States.TaskFailed."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.local import execute
from orchestration.local.services import GlueService, LocalGlueJob
from tests.runtime.conftest import ROOT

JOB = str(ROOT / "tests" / "runtime" / "jobs" / "echo_job.py")


def _definition(fail: str) -> dict:
    return {"StartAt": "Glue", "States": {"Glue": {
        "Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {"JobName": "lockgate-orders", "Arguments": {"--run_id.$": "$.run", "--fail": fail}},
        "End": True}}}


def test_a_job_run_that_succeeds_answers_with_the_job_run(make_resolver, lake):
    glue = GlueService({"lockgate-orders": LocalGlueJob("lockgate-orders", JOB, 5)}, cwd=ROOT, log_dir=lake / "logs")
    result = execute(_definition("no"), {"run": "r1"}, resolver=make_resolver({}, glue=glue))
    assert result.status == "SUCCEEDED", result.cause
    run = result.output
    assert run["JobRunState"] == "SUCCEEDED" and run["JobName"] == "lockgate-orders" and run["Id"].startswith("jr_")
    assert run["Arguments"] == {"--run_id": "r1", "--fail": "no"}
    printed = json.loads(Path(run["LogPath"]).read_text().splitlines()[0])
    assert printed["--JOB_NAME"] == "lockgate-orders" and printed["--run_id"] == "r1"


def test_a_failed_job_run_fails_the_task_with_states_task_failed_and_the_job_run_as_cause(make_resolver):
    glue = GlueService({"lockgate-orders": LocalGlueJob("lockgate-orders", JOB, 5)}, cwd=ROOT)
    result = execute(_definition("yes"), {"run": "r2"}, resolver=make_resolver({}, glue=glue))
    assert result.status == "FAILED" and result.error == "States.TaskFailed"
    run = json.loads(result.cause)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "orchestration.core.errors.QualityError: orders: 5 of 10 rows rejected"


def test_an_unknown_job_is_entity_not_found(make_resolver):
    glue = GlueService({}, cwd=ROOT)
    result = execute(_definition("no"), {"run": "r3"}, resolver=make_resolver({}, glue=glue))
    assert result.error == "Glue.EntityNotFoundException" and "lockgate-orders" in result.cause


STUCK = str(ROOT / "tests" / "runtime" / "jobs" / "stuck_job.py")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pids: list[int], seconds: float = 10.0) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not any(_alive(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def test_the_spec_timeout_kills_the_whole_job_process_group(make_resolver, tmp_path):
    pids = tmp_path / "pids.json"
    glue = GlueService({"lockgate-orders": LocalGlueJob("lockgate-orders", STUCK, 1)}, cwd=ROOT, minute_s=3.0)
    definition = _definition("no")
    definition["States"]["Glue"]["Parameters"]["Arguments"]["--pids"] = str(pids)
    result = execute(definition, {"run": "r4"}, resolver=make_resolver({}, glue=glue))
    assert result.status == "FAILED" and result.error == "States.TaskFailed"
    run = json.loads(result.cause)
    assert run["JobRunState"] == "TIMEOUT" and run["ErrorMessage"] == "Job run timed out after 1 minutes"
    assert _wait_gone(json.loads(pids.read_text())), "the job or its child outlived the timeout"


def test_a_killed_driver_fails_the_run_at_once_naming_the_signal(make_resolver):
    import time

    glue = GlueService({"lockgate-orders": LocalGlueJob("lockgate-orders", STUCK, 5)}, cwd=ROOT)
    definition = _definition("no")
    definition["States"]["Glue"]["Parameters"]["Arguments"]["--die"] = "yes"
    started = time.monotonic()
    result = execute(definition, {"run": "r5"}, resolver=make_resolver({}, glue=glue))
    assert result.error == "States.TaskFailed" and time.monotonic() - started < 30
    run = json.loads(result.cause)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"].startswith("the job's driver process was killed by SIGKILL; last output: about to be")


def test_no_job_process_outlives_the_process_that_started_it(tmp_path):
    """The process running the service is SIGKILLed mid-run: the job and its child die with it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    pids = tmp_path / "pids.json"
    script = (
        "import sys; from pathlib import Path\n"
        "from orchestration.local.services import GlueService, LocalGlueJob\n"
        f"g = GlueService({{'j': LocalGlueJob('j', {STUCK!r}, 5)}}, cwd={str(ROOT)!r})\n"
        f"g.start_job_run_sync({{'JobName': 'j', 'Arguments': {{'--pids': {str(pids)!r}}}}})\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not pids.exists() or not pids.read_text():
            assert time.monotonic() < deadline and parent.poll() is None, "the job never started"
            time.sleep(0.1)
        time.sleep(0.2)
        job_pids = json.loads(pids.read_text())
        assert all(_alive(p) for p in job_pids)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        assert _wait_gone(job_pids), "the job or its JVM-like child outlived the process that started it"
    finally:
        if parent.poll() is None:
            parent.kill()


def test_error_message_names_the_root_cause_of_a_dead_job():
    from orchestration.local.services.glue import error_message

    oom = "Traceback...\nTerminating due to java.lang.OutOfMemoryError: Java heap space\npy4j.protocol.Py4JError: gone"
    assert error_message(oom, 1) == "Terminating due to java.lang.OutOfMemoryError: Java heap space"
    py4j = ("py4j.protocol.Py4JJavaError: An error occurred while calling o42.save.\n"
            ": org.apache.spark.SparkException: Job aborted due to stage failure\n\tat org.apache...")
    assert error_message(py4j, 1) == ("py4j.protocol.Py4JJavaError: An error occurred while calling o42.save. "
                                      ": org.apache.spark.SparkException: Job aborted due to stage failure")
    assert error_message("started\n", -9) == "the job's driver process was killed by SIGKILL; last output: started"
