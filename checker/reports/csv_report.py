"""CSV: one row per finding (violations, waived violations and errors), for spreadsheets.

The columns are those of the JSON report's violation objects, plus ``status`` first and the
waiver's reason and expiry, the rule's compliance mapping and, for errors, the error code.
RFC 4180 quoting (CRLF line ends, fields quoted when they hold a comma, quote or line break).
These files are opened in spreadsheets, where a cell starting with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return) is run as a formula: such values are written with a
leading apostrophe, which spreadsheets show as text and do not run.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from typing import Any

from checker.policy.frameworks import requirement_ids
from checker.results import Finding, Report, ReportError, RuleInfo

COLUMNS = (
    "status", "model_arn", "model_name", "account_id", "region", "kind", "policy", "rule",
    "severity", "exposure", "title", "labels", "compliance", "field", "expected", "actual",
    "message", "remediation", "known", "waiver_reason", "waiver_expires", "error_code",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell value a spreadsheet shows as text instead of running it as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _actual(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _finding_row(finding: Finding) -> dict[str, str]:
    model, rule, waiver = finding.model, finding.rule, finding.waiver
    return {
        "status": "waived" if waiver is not None else "violation",
        "model_arn": model.arn or "",
        # A planned model has no ARN: its Terraform address tells for_each instances apart.
        "model_name": model.display_name if model.address else model.name or "",
        "account_id": model.account_id or "",
        "region": model.region or "",
        "kind": model.kind,
        "policy": rule.policy,
        "rule": rule.id,
        "severity": finding.severity,
        "exposure": finding.exposure or "",
        "title": rule.title,
        "labels": "; ".join(rule.labels),
        "compliance": "; ".join(requirement_ids(rule.compliance)),
        "field": finding.field or "",
        "expected": finding.expected or "",
        "actual": _actual(finding.actual),
        "message": finding.message,
        "remediation": rule.remediation or "",
        "known": "true" if finding.known else "",
        "waiver_reason": waiver.reason if waiver is not None else "",
        "waiver_expires": waiver.expires.isoformat() if waiver is not None else "",
        "error_code": "",
    }


def _error_row(error: ReportError, rules: Mapping[str, RuleInfo]) -> dict[str, str]:
    policy, _, rule_id = (error.rule or "").partition("/")
    rule = rules.get(error.rule or "")
    return {
        "status": "error",
        "model_arn": error.model_arn or "",
        "model_name": (f"{error.model_name or ''} ({error.address})" if error.address
                       else error.model_name or ""),
        "account_id": error.account_id or "",
        "region": error.region or "",
        "kind": "",
        "policy": policy,
        "rule": rule_id,
        "severity": rule.severity if rule is not None else "",
        "exposure": "",
        "title": rule.title if rule is not None else "",
        "labels": "; ".join(rule.labels) if rule is not None else "",
        "compliance": "; ".join(requirement_ids(rule.compliance)) if rule is not None else "",
        "field": "",
        "expected": "",
        "actual": "",
        "message": error.message,
        "remediation": "",
        "known": "",
        "waiver_reason": "",
        "waiver_expires": "",
        "error_code": error.code,
    }


def csv_rows(report: Report) -> Iterator[dict[str, str]]:
    """The rows before quoting and neutralising: violations, waived, then errors."""
    for finding in report.violations:
        yield _finding_row(finding)
    for finding in report.waived:
        yield _finding_row(finding)
    rules = {rule.qualified_id: rule for rule in report.rules}
    for error in report.errors:
        yield _error_row(error, rules)


def render_csv(report: Report, *, color: bool = False) -> str:
    """The report's findings as RFC 4180 CSV with a header row. ``color`` is ignored."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in csv_rows(report):
        writer.writerow([neutralise(row[column]) for column in COLUMNS])
    return out.getvalue()
