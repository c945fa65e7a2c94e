"""What GitHub accepts, as its documentation states it, and the order findings are cut in.

Every limit names its source; the tests that cross them quote the same pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from checker.results import SEVERITY_RANK, Finding

# "SARIF support for code scanning", Validating your SARIF file (docs.github.com/en/
# code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
# a run is rejected above these; the gzip-compressed file may be at most 10 MB.
SARIF_RESULTS_PER_RUN = 25_000
SARIF_RUNS_PER_FILE = 20
SARIF_LOCATIONS_PER_RESULT = 1_000
SARIF_TAGS_PER_RULE = 20
SARIF_GZIP_BYTES = 10 * 1000 * 1000
# The same page, reportingDescriptor object: name 255 characters, shortDescription.text and
# fullDescription.text 1024 characters each.
SARIF_RULE_NAME_CHARS = 255
SARIF_DESCRIPTION_CHARS = 1024

# "Workflow commands for GitHub Actions", Adding a job summary (docs.github.com/actions/
# using-workflows/workflow-commands-for-github-actions#adding-a-markdown-summary): a step's
# summary is at most 1 MiB; the runner refuses more ("$GITHUB_STEP_SUMMARY upload aborted,
# supports content up to a size of 1024k") and the whole summary is lost.
STEP_SUMMARY_BYTES = 1024 * 1024

# actions/toolkit, docs/problem-matchers.md, Limitations: "10 warning annotations, 10 error
# annotations, and 10 notice annotations per step"; more are dropped without a word.
ANNOTATIONS_PER_LEVEL = 10


def severity_key(finding: Finding) -> tuple[int, int]:
    """Sorts the most severe first, and a new violation before a known one."""
    return (-SEVERITY_RANK[finding.severity], 1 if finding.known else 0)


def most_severe_first(findings: Iterable[Finding]) -> list[Finding]:
    """The findings, most severe first; equal ones keep their order (stable)."""
    return sorted(findings, key=severity_key)


def count_by_severity(findings: Sequence[Finding]) -> dict[str, int]:
    """How many findings of each severity, most severe first, zero counts left out."""
    counts: dict[str, int] = {}
    for finding in most_severe_first(findings):
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return counts
