"""Baselines and waiver strictness: adjusting which findings decide the exit code.

``--baseline REPORT.json`` lets a team adopt the gate on an estate that already has
violations: the ones an earlier JSON report held are still reported, marked as known, and
only new ones decide the exit code. ``--strict-waivers`` goes the other way: a waiver
that expired or matched nothing becomes an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from checker.errors import InputError
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


def apply_baseline(report: Report, baseline_json: Mapping[str, Any]) -> Report:
    """Mark violations present in an earlier JSON report as known, and re-decide the result.

    Only the baseline's ``violations`` count: a finding that was waived then and whose
    waiver has since expired is new, since expiry exists to make someone act. Raises
    :class:`InputError` (exit 2) when ``baseline_json`` is not a JSON report.
    """
    keys, names = _baseline_keys(baseline_json)
    violations = tuple(
        replace(v, known=True) if _is_known(v, keys, names) else v for v in report.violations
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


def _is_known(finding: Finding, keys: set[BaselineKey], names: set[tuple[str, str, str]]) -> bool:
    if finding_key(finding) in keys:
        return True
    model = finding.model
    # A baseline entry without ARN or kind can only be matched by name, and only for
    # models that have no ARN either.
    return model.arn is None and (finding.rule.policy, finding.rule.id, model.name or "") in names


def _baseline_keys(
    data: Mapping[str, Any],
) -> tuple[set[BaselineKey], set[tuple[str, str, str]]]:
    if not isinstance(data, Mapping):
        raise InputError("baseline: not a JSON report (expected an object)")
    if data.get("schema_version") != 1:
        raise InputError(
            f"baseline: unsupported schema_version {data.get('schema_version')!r} "
            "(expected a JSON report of schema_version 1)"
        )
    violations = data.get("violations")
    if not isinstance(violations, list):
        raise InputError("baseline: 'violations' is missing or not a list")
    kinds = _kinds_by_name(data.get("models"))
    keys: set[BaselineKey] = set()
    names: set[tuple[str, str, str]] = set()
    for number, entry in enumerate(violations, start=1):
        if not isinstance(entry, Mapping):
            raise InputError(f"baseline: violation {number} is not an object")
        policy, rule = entry.get("policy"), entry.get("rule")
        if not isinstance(policy, str) or not isinstance(rule, str):
            raise InputError(f"baseline: violation {number} lacks 'policy' or 'rule'")
        arn, name = entry.get("model_arn"), entry.get("model_name")
        if isinstance(arn, str) and arn:
            keys.add((policy, rule, arn))
            continue
        if not isinstance(name, str):
            raise InputError(f"baseline: violation {number} has neither model_arn nor model_name")
        kind = entry.get("kind") or kinds.get(name)
        if isinstance(kind, str):
            keys.add((policy, rule, f"{kind}:{name}"))
        else:
            names.add((policy, rule, name))
    return keys, names


def _kinds_by_name(models: Any) -> dict[str, str]:
    """Kinds of the baseline's ARN-less models, by name (violations may not carry kind)."""
    kinds: dict[str, str] = {}
    if not isinstance(models, list):
        return kinds
    for model in models:
        if not isinstance(model, Mapping) or model.get("model_arn"):
            continue
        name, kind = model.get("model_name"), model.get("kind")
        if isinstance(name, str) and isinstance(kind, str):
            kinds[name] = kind
    return kinds
