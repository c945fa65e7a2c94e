"""Sentences and small facts every report format states the same way.

Each format has its own syntax, but the facts it states (how many models were read, the
result, what a finding is about, where a policy file lives) must read alike everywhere.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from checker.results import SEVERITIES, Finding, Report, ReportError

# Most severe first: the order findings and counts are shown in.
SEVERITIES_DESCENDING = tuple(reversed(SEVERITIES))

NO_MODELS = "No models were read: nothing was judged."


def plural(count: int, noun: str) -> str:
    """``1 model``, ``2 models``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def models_read(report: Report) -> str:
    """How many models were read, said plainly when there were none."""
    if report.summary.models == 0:
        return NO_MODELS
    return f"{plural(report.summary.models, 'model')} read."


def known_count(report: Report) -> int:
    """Violations a baseline already held."""
    return sum(1 for finding in report.violations if finding.known)


def headline(report: Report) -> str:
    """One line: the result and the counts that explain it."""
    summary = report.summary
    parts = [
        f"{plural(summary.models, 'model')} read" if summary.models else "no models read",
        plural(summary.violations, "violation"),
    ]
    known = known_count(report)
    if known:
        parts[-1] += f" ({known} known)"
    parts.append(f"{summary.waived} waived")
    parts.append(plural(summary.errors, "error"))
    if summary.not_evaluated:
        parts.append(f"{summary.not_evaluated} not evaluated")
    line = f"{summary.result.upper()}: " + ", ".join(parts)
    org = report.scanned.organization
    return line if org is None else f"{line}; {org.counts()}"


def format_value(value: Any) -> str:
    """A value found in a model document, as a report shows it (``(missing)`` for none)."""
    if value is None:
        return "(missing)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def model_label(finding: Finding) -> str:
    """``'name' (ARN)`` or just one of them."""
    ref = finding.model
    if ref.is_account:
        return ref.display_name  # "account <id> <region>"
    if ref.name and ref.arn:
        return f"'{ref.name}' ({ref.arn})"
    if ref.arn:
        return ref.arn
    if ref.address:
        return f"{ref.kind} '{ref.name or ''}' ({ref.address})"
    return f"{ref.kind} '{ref.name or ''}'"


def finding_detail(finding: Finding) -> str:
    """``field F: expected E, actual A`` (or the engine's message when there is no field)."""
    if finding.field is None and finding.expected is None:
        return finding.message
    field = finding.field if finding.field is not None else "(model)"
    expected = finding.expected if finding.expected is not None else "(unspecified)"
    return f"{field}: expected {expected}, actual {format_value(finding.actual)}"


def finding_sentence(finding: Finding, detail: str | None = None) -> str:
    """The whole story of one finding in one line: model, rule, field, expected, actual.
    ``detail``: its finding_detail, if it is at hand."""
    rule = finding.rule
    ref = finding.model
    if ref.kind == "account":
        subject = ref.display_name  # "account <id> <region>"
    elif ref.name and ref.arn:
        subject = f"Model '{ref.name}' ({ref.arn})"  # model_label's commonest, inline
    else:
        subject = f"Model {model_label(finding)}"
    if detail is None:
        detail = finding_detail(finding)
    title = f": {rule.title}" if rule.title else ""
    text = (f"{subject} violates {rule.qualified_id} "
            f"({finding.severity}{finding.exposure_note}){title}. {detail}")
    if finding.message and finding.message != detail:
        text += f" ({finding.message})"
    if finding.known:
        text += " [known: present in the baseline]"
    return text


def error_subject(error: ReportError) -> str:
    """What an error is about: model, region, rule, in that order of interest."""
    parts = []
    if error.model_name or error.model_arn:
        parts.append(f"model {error.model_name or error.model_arn}")
    if error.address:
        parts.append(f"address {error.address}")
    if error.rule:
        parts.append(f"rule {error.rule}")
    if error.region:
        parts.append(f"region {error.region}")
    return ", ".join(parts) if parts else "run"


def error_sentence(error: ReportError) -> str:
    """``code: message (model x, rule y)``."""
    return f"{error.code}: {error.message} ({error_subject(error)})"


def relative_path(file: str, root: str | None = None) -> str:
    """A policy file as a forward-slash path relative to ``root`` (default: the cwd).

    Code-scanning and annotations resolve paths against the repository root, which is
    where the check runs in CI. A file outside the root keeps its absolute path.
    """
    path = Path(file)
    if path.is_absolute():
        base = Path(root) if root is not None else Path(os.getcwd())
        try:
            path = path.relative_to(base)
        except ValueError:
            return path.as_posix()
    return str(PurePosixPath(*path.parts)) if path.parts else file


def file_uri(file: str, root: str | None = None) -> str:
    """:func:`relative_path` as a URI reference (percent-encoded; ``file://`` if absolute)."""
    rel = relative_path(file, root)
    if rel.startswith("/"):
        return "file://" + quote(rel)
    return quote(rel)
