"""GitHub Actions workflow commands: annotations on the policy lines that were broken.

``::error file=F,line=L,title=T::message`` per violation (``warning`` or ``notice`` by
severity), escaped exactly as GitHub's own toolkit escapes them (``@actions/core``,
``escapeData`` and ``escapeProperty``), so no value can end a command early or forge one.
"""

from __future__ import annotations

from checker import TOOL_NAME
from checker.reports.wording import (
    NO_MODELS,
    error_sentence,
    finding_sentence,
    headline,
    relative_path,
)
from checker.results import Finding, Report
from checker.values import escape_controls

LEVELS = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "notice",
    "info": "notice",
}


def escape_data(value: str) -> str:
    """A command's message, as the toolkit's ``escapeData`` writes it, after the controls the
    text report escapes (NUL, ESC, VT, bidi, ...) are escaped as it escapes them."""
    return (escape_controls(value).replace("%", "%25").replace("\r", "%0D")
            .replace("\n", "%0A"))


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


def render_github(report: Report, *, color: bool = False, root: str | None = None) -> str:
    """The report as workflow commands, one per line. ``color`` is ignored.

    ``root`` is the folder policy paths are made relative to (default: the cwd), which
    should be the repository root (``GITHUB_WORKSPACE``) for annotations to land on files.
    """
    lines: list[str] = []
    for error in report.errors:
        lines.append(command("error", error_sentence(error), title=f"{TOOL_NAME}: {error.code}"))
    for warning in report.warnings:
        lines.append(
            command("warning", warning.message, title=f"{TOOL_NAME}: {warning.code}")
        )
    for finding in report.violations:
        lines.append(_violation(finding, root))
    for finding in report.waived:
        lines.append(_waived(finding, root))
    if report.summary.models == 0:
        lines.append(command("warning", NO_MODELS, title=f"{TOOL_NAME}: no models"))
    summary_level = {"pass": "notice", "fail": "error"}.get(report.summary.result, "error")
    lines.append(command(summary_level, headline(report), title=TOOL_NAME))
    return "\n".join(lines) + "\n"


def _violation(finding: Finding, root: str | None) -> str:
    rule = finding.rule
    # A known violation is not what this change introduced: a notice, not a red mark.
    level = "notice" if finding.known else LEVELS[finding.severity]
    title = f"{rule.qualified_id} ({finding.severity}{finding.exposure_note}"
    title += ", known)" if finding.known else ")"
    message = finding_sentence(finding)
    if rule.remediation:
        message += f"\nRemediation: {rule.remediation}"
    return command(
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
