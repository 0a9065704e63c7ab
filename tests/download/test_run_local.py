"""`lockgate run --local` of an https:// import end to end: the compiled machine's download stage runs the
real handlers (in their own processes, as the local Lambda service runs them) against a real HTTPS server,
then Plan, the Lambda route and Commit publish the downloaded rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from orchestration.local.records import state_outcomes
from tests.download.conftest import DAY
from tests.download.servers import CertAuthority
from tests.runtime.conftest import ROOT

SPEC = """name: partner
source:
  uri: {url}/out/{{date}}/{file}
  format: csv
  pattern: "*.csv"
  download:
    landing: s3://acme-raw/partner/
    credentials: {{secret: partner/token, env: PARTNER_TOKEN}}
    timeout_s: 1
columns:
  - {{name: id, type: bigint, nullable: false}}
  - {{name: amount, type: "decimal(10,2)"}}
target: {{database: partner, table: payments, location: "s3://acme-lake/partner/payments/"}}
"""


def _project(tmp_path: Path, url: str, file: str = "", extra: str = "") -> Path:
    project = tmp_path / "project"
    (project / "imports").mkdir(parents=True)
    (project / "lockgate.yaml").write_text("imports: imports\nlocal: {lake: lake}\n"
                                           "aws: {region: eu-central-1, prefix: lockgate, control_uri: s3://lockgate-control/}\n")
    spec = SPEC.format(url=url, file=file)
    if extra:
        spec = spec.replace("    timeout_s: 1\n", f"    timeout_s: 1\n{extra}")
    (project / "imports" / "partner.yaml").write_text(spec)
    return project


def _run(project: Path, ca: CertAuthority, token: str = "t0ken") -> tuple[int, dict]:
    env = {**os.environ, "LOCKGATE_CA_BUNDLE": str(ca.ca_pem), "PARTNER_TOKEN": token,
           "LOCKGATE_DOWNLOAD_PART_BYTES": "2048", "LOCKGATE_DOWNLOAD_RANGE_BYTES": "8192"}
    env.pop("LOCKGATE_LAKE", None)
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "--project", str(project), "run", "partner",
                           "--local", "--window", DAY, "--engine", "lambda", "--json"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    try:
        return done.returncode, json.loads(done.stdout)
    except ValueError:
        raise AssertionError(f"no JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}") from None


def test_an_https_import_downloads_then_publishes_and_a_rerun_copies_nothing(tmp_path, ca, www, https):
    project = _project(tmp_path, https.url)
    https.state.faults[f"/out/{DAY}/a.csv"] = ["slow"]  # the first copy times out; the Retry copies it
    rc, run = _run(project, ca)
    assert rc == 0, run.get("cause")
    assert run["status"] == "SUCCEEDED" and run["rows_in"] == run["rows_written"] == 2002
    # the plan says what the download did, and why the big file came in ranges
    assert "download: 2 of 2 remote files copied into the raw bucket, 0 unchanged since their last copy" in run["reasons"]
    assert any(r.startswith("download: ") and "b.csv" in r and "fetched in 3 ranges" in r for r in run["reasons"])
    lake = project / "lake"
    outcomes = state_outcomes(lake, run["run_id"])
    assert outcomes["ListDownloads"] == outcomes["FinishDownloads"] == outcomes["Plan"] == "succeeded"
    assert outcomes["DownloadFile"] in ("succeeded", "retried")
    assert len(https.gets(f"/out/{DAY}/a.csv")) == 2  # one timed out, the retry copied it
    states = json.loads((lake / "_runs" / run["run_id"] / "states.json").read_text())
    assert "DownloadFiles" in json.dumps(states)
    landed = lake / "acme-raw" / "partner" / DAY
    assert sorted(p.name for p in landed.iterdir()) == ["a.csv", "b.csv"]

    gets = len(https.state.log)
    rc, again = _run(project, ca)
    assert rc == 0 and again["status"] == "SUCCEEDED"
    assert "download: 0 of 2 remote files copied into the raw bucket, 2 unchanged since their last copy" in again["reasons"]
    assert not [e for e in https.state.log[gets:] if e[0] == "GET" and e[1].endswith(".csv")]  # nothing copied
    assert state_outcomes(lake, again["run_id"])["DownloadFiles"] == "not_run"


def test_a_missing_file_fails_the_run_naming_the_file_and_the_reason(tmp_path, ca, www, https):
    rc, run = _run(_project(tmp_path, https.url, "gone.csv"), ca)
    assert rc != 0 and run["status"] == "FAILED"
    assert run["error"] == "Lockgate.RemoteSourceError"
    assert "gone.csv" in run["cause"] and "404" in run["cause"]


def test_a_refused_copy_inside_the_map_leads_with_its_own_error(tmp_path, ca, www, https):
    https.state.faults[f"/out/{DAY}/a.csv"] = ["500"] * 20  # every copy of a.csv fails; retries run out
    rc, run = _run(_project(tmp_path, https.url, "a.csv"), ca)
    assert rc != 0 and run["status"] == "FAILED"
    assert run["error"] == "Lockgate.TransientError" and "a.csv" in run["cause"] and "500" in run["cause"]


def test_an_sftp_import_downloads_over_the_pinned_key_then_publishes(tmp_path, ca, www, sftp):
    project = _project(tmp_path, sftp.url, extra=f"    host_key: '{sftp.host_key}'\n")
    sftp.faults[f"/out/{DAY}/a.csv"] = ["drop"]  # the connection goes away mid-file once; the Retry copies it
    rc, run = _run(project, ca, token="s3cret")  # the SFTP password, from the same named variable
    assert rc == 0, run.get("cause")
    assert run["status"] == "SUCCEEDED" and run["rows_in"] == run["rows_written"] == 2002
    assert sftp.log.count(f"OPEN /out/{DAY}/a.csv") == 2
