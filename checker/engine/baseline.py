"""Baselines and waiver strictness: adjusting which findings decide the exit code.

``--baseline REPORT.json`` lets a team adopt the gate on an estate that already has
violations: the ones an earlier JSON report held are still reported, marked as known, and
only new ones decide the exit code. ``--strict-waivers`` goes the other way: a waiver
that expired or matched nothing becomes an error.
"""

from __future__ import annotations

from dataclasses import replace

from checker.results import SEVERITY_RANK, Finding, Report, ReportError, Result

# Warnings that --strict-waivers turns into errors.
WAIVER_WARNING_CODES = ("waiver-expired", "waiver-stale")

# How a violation is recognised across runs: policy, rule, and the model's ARN, or its
# kind and name when it has no ARN (a planned model).
BaselineKey = tuple[str, str, str]


def decide_result(report: Report) -> Result:
    """``summary.result`` from the findings: errors win, then new gating violations.

    A report the engine already judged ``error`` stays ``error``: nothing here can make
    an untrusted run look trusted.
    """
    if report.errors or report.summary.result == "error":
        return "error"
    floor = SEVERITY_RANK[report.fail_on]
    gating = [
        v for v in report.violations if not v.known and SEVERITY_RANK[v.severity] >= floor
    ]
    return "fail" if gating else "pass"


def apply_baseline(report: Report, baseline: Report) -> Report:
    """Mark violations present in an earlier report as known, and re-decide the result.

    Only the baseline's ``violations`` count: a finding that was waived then and whose
    waiver has since expired is new, since expiry exists to make someone act. The baseline
    is read from its file by :func:`checker.reports.json_reader.read_report`, as every JSON
    report is.
    """
    keys = {finding_key(v) for v in baseline.violations}
    violations = tuple(
        replace(v, known=True) if finding_key(v) in keys else v for v in report.violations
    )
    adjusted = replace(report, violations=violations)
    return replace(adjusted, summary=replace(report.summary, result=decide_result(adjusted)))


def apply_strict_waivers(report: Report) -> Report:
    """Turn expired and stale waiver warnings into errors (so the run exits 2)."""
    promoted = [w for w in report.warnings if w.code in WAIVER_WARNING_CODES]
    if not promoted:
        return report
    errors = report.errors + tuple(
        ReportError(code=w.code, message=f"{w.message} (--strict-waivers)") for w in promoted
    )
    warnings = tuple(w for w in report.warnings if w.code not in WAIVER_WARNING_CODES)
    adjusted = replace(report, errors=errors, warnings=warnings)
    summary = replace(report.summary, errors=len(errors), result="error")
    return replace(adjusted, summary=summary)


def finding_key(finding: Finding) -> BaselineKey:
    """The identity of a violation across runs."""
    return (finding.rule.policy, finding.rule.id, finding.model.fingerprint_key)
