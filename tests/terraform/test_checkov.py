"""checkov over terraform/: zero failed checks; every skip carries a reason."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest
import yaml

from tests.terraform import tfhelpers as h

CHECKOV = h.REPO / ".venv-checkov" / "bin" / "checkov"
CONFIG = h.TERRAFORM / ".checkov.yaml"
INLINE_SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")


@pytest.fixture(scope="module")
def checkov_report() -> list[dict[str, Any]]:
    """One checkov run per session (it is the slow part of this suite)."""
    if not CHECKOV.exists():
        pytest.fail(
            f"{CHECKOV} not found: run `make setup` (it creates the .venv-checkov virtual environment)"
        )
    proc = subprocess.run(
        [
            str(CHECKOV),
            "--config-file",
            str(CONFIG),
            "-d",
            str(h.TERRAFORM),
            "--framework",
            "terraform",
            "--quiet",
            "--compact",
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=h.REPO,
    )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(
            f"checkov printed no JSON (exit {proc.returncode}): {proc.stderr[-2000:]}"
        ) from exc
    return report if isinstance(report, list) else [report]


def test_checkov_finds_no_failed_checks(checkov_report: list[dict[str, Any]]) -> None:
    failed = [f for r in checkov_report for f in r.get("results", {}).get("failed_checks", [])]
    summary = [r.get("summary", {}) for r in checkov_report]
    assert sum(s.get("resource_count", 0) for s in summary) > 0, f"checkov scanned no resources: {summary}"
    assert sum(s.get("parsing_errors", 0) for s in summary) == 0, (
        f"checkov could not parse some files: {summary}"
    )
    lines = [
        f"{f['check_id']} {f['resource']} ({f['file_path']}:{f['file_line_range']}): {f['check_name']}"
        for f in failed
    ]
    assert not failed, f"checkov: {len(failed)} failed check(s):\n" + "\n".join(lines)


def test_every_inline_skip_gives_a_reason() -> None:
    unexplained = []
    for tf in sorted(h.TERRAFORM.rglob("*.tf")):
        for no, line in enumerate(tf.read_text().splitlines(), 1):
            m = INLINE_SKIP.search(line)
            if m and len((m.group(2) or "").strip()) < 15:
                unexplained.append(f"{tf.relative_to(h.REPO)}:{no}: {m.group(1)}")
    assert not unexplained, (
        "checkov skips need a written reason (#checkov:skip=ID:why it does not apply): "
        + ", ".join(unexplained)
    )


def test_global_skip_list_is_short_and_explained() -> None:
    text = CONFIG.read_text()
    config = yaml.safe_load(text) or {}
    skips = config.get("skip-check") or []
    assert len(skips) <= 5, (
        f"{CONFIG}: {len(skips)} global skips; prefer inline skips on the one resource a check does not fit"
    )
    for check in skips:
        line = next((ln for ln in text.splitlines() if re.match(rf"\s*-\s*{re.escape(check)}\b", ln)), "")
        assert "#" in line and len(line.split("#", 1)[1].strip()) >= 15, (
            f"{CONFIG}: global skip {check} needs a reason as a comment on its line"
        )


def _skipped_ids(report: list[dict[str, Any]]) -> set[str]:
    return {s["check_id"] for r in report for s in r.get("results", {}).get("skipped_checks", [])}


def test_skips_reported_by_checkov_are_the_documented_ones(checkov_report: list[dict[str, Any]]) -> None:
    documented = {
        m.group(1) for tf in h.TERRAFORM.rglob("*.tf") for m in INLINE_SKIP.finditer(tf.read_text())
    }
    documented |= set((yaml.safe_load(CONFIG.read_text()) or {}).get("skip-check") or [])
    unexpected = _skipped_ids(checkov_report) - documented
    assert not unexpected, f"checkov skipped checks nobody documented: {sorted(unexpected)}"
