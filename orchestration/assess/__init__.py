"""``lockgate assess``: which Glue jobs of an account can move to Lockgate, what each costs now and
afterwards, and which to move first (docs/migrating-from-glue.md).

Reads the account live through boto3 (``live``) or from an export folder (``export``), parses each job's
script without running it (``script``, ``facts``), costs its runs (``billing``), asks the router where and
at what cost it would run (``estimate``), drafts a spec (``draft``) and ranks the jobs (``assessment``);
``report`` and ``html`` render the result.
"""

from __future__ import annotations

from .account import Account, GlueJob, JobRun, Trigger
from .assessment import TARGET_SAVING, Assessment, JobAssessment, assess
from .export import account_from, read_export, write_export
from .html import to_html
from .report import assessment_json, to_markdown
from .script import Finding, ScriptAnalysis, analyze_script

__all__ = [
    "Account", "GlueJob", "JobRun", "Trigger", "Assessment", "JobAssessment", "assess", "TARGET_SAVING",
    "read_export", "write_export", "account_from", "to_html", "to_markdown", "assessment_json", "Finding",
    "ScriptAnalysis", "analyze_script",
]
