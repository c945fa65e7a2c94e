"""GitHub Actions workflow commands: annotations on the policy lines that were broken.

``::error file=F,line=L,title=T::message`` per violation (``warning`` or ``notice`` by
severity), escaped exactly as GitHub's own toolkit escapes them (``@actions/core``,
``escapeData`` and ``escapeProperty``), so no value can end a command early or forge one.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and drops the
rest without a word (``limits``). So the run's result line comes first, then the errors and
warnings of the run, then the violations most severe first, and no level gets more than
GitHub shows; one plain log line counts what was not annotated.
"""

from __future__ import annotations

from checker import TOOL_NAME
from checker.reports.limits import ANNOTATIONS_PER_LEVEL, most_severe_first
from checker.reports.wording import (
    NO_MODELS,
    error_sentence,
    finding_sentence,
    headline,
    relative_path,
)
from checker.results import Finding, Report

LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}


def escape_data(value: str) -> str:
    """A command's message, as the toolkit's ``escapeData`` writes it."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command property's value, as the toolkit's ``escapeProperty`` writes it."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: str | int | None) -> str:
    """One workflow command line; properties that are None are left out."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def render_github(report: Report, *, color: bool = False, root: str | None = None,
                  per_level: int = ANNOTATIONS_PER_LEVEL) -> str:
    """The report as workflow commands, one per line. ``color`` is ignored.

    ``root`` is the folder policy paths are made relative to (default: the cwd), which
    should be the repository root (``GITHUB_WORKSPACE``) for annotations to land on files.
    ``per_level`` annotations of each level at most (GitHub shows 10 per step).
    """
    summary_level = {"pass": "notice", "fail": "error"}.get(report.summary.result, "error")
    # (level, line), in the order they matter: the result, what makes the run untrustworthy,
    # then the findings, most severe first.
    wanted: list[tuple[str, str]] = [
        (summary_level, command(summary_level, headline(report), title=TOOL_NAME))]
    if report.summary.models == 0:
        wanted.append(("warning", command("warning", NO_MODELS, title=f"{TOOL_NAME}: no models")))
    for error in report.errors:
        wanted.append(("error", command("error", error_sentence(error),
                                        title=f"{TOOL_NAME}: {error.code}")))
    for warning in report.warnings:
        wanted.append(("warning", command("warning", warning.message,
                                          title=f"{TOOL_NAME}: {warning.code}")))
    for finding in most_severe_first(report.violations):
        wanted.append(_violation(finding, root))
    for finding in report.waived:
        wanted.append(("notice", _waived(finding, root)))
    lines: list[str] = []
    shown = {"error": 0, "warning": 0, "notice": 0}
    left_out = {"error": 0, "warning": 0, "notice": 0}
    for level, line in wanted:
        if shown[level] < per_level:
            shown[level] += 1
            lines.append(line)
        else:
            left_out[level] += 1
    if any(left_out.values()):
        counts = ", ".join(f"{n} {level}" for level, n in left_out.items() if n)
        # A plain line, not a command: it shows in the log whatever the annotations did.
        lines.append(f"{TOOL_NAME}: {sum(left_out.values())} more not annotated ({counts}; "
                     f"GitHub shows {per_level} annotations of each level per step): every "
                     "finding is in the job summary and the JSON report.")
    return "\n".join(lines) + "\n"


def _violation(finding: Finding, root: str | None) -> tuple[str, str]:
    rule = finding.rule
    # A known violation is not what this change introduced: a notice, not a red mark.
    level = "notice" if finding.known else LEVELS[finding.severity]
    title = f"{rule.qualified_id} ({finding.severity}{finding.exposure_note}"
    title += ", known)" if finding.known else ")"
    message = finding_sentence(finding)
    if rule.remediation:
        message += f"\nRemediation: {rule.remediation}"
    return level, command(
        level,
        message,
        file=relative_path(rule.file, root),
        line=max(rule.line, 1),
        title=title,
    )


def _waived(finding: Finding, root: str | None) -> str:
    rule = finding.rule
    waiver = finding.waiver
    message = finding_sentence(finding)
    if waiver is not None:
        message += f"\nWaived until {waiver.expires.isoformat()}: {waiver.reason}"
    return command(
        "notice",
        message,
        file=relative_path(rule.file, root),
        line=max(rule.line, 1),
        title=f"{rule.qualified_id} (waived)",
    )
