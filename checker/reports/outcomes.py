"""Every (model, rule) a report judged, with its status and details: what the per-finding
formats (ASFF, OCSF, the HTML matrix) are built from.

The JSON report keeps a model's statuses, its violations and its errors in three lists; a
Security Hub or OCSF consumer wants one record per model and rule, passes included, so that a
finding that once failed can be seen to pass now.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from checker.results import Finding, ModelRef, Report, ReportError, RuleInfo, Status


class RuleOutcome(NamedTuple):
    """One rule's result for one model. ``finding`` is set for fail and waived; ``error``
    for error (None when the report holds no error entry for it). A named tuple: one is made
    per (model, rule), half a million for a large report, and a tuple is made in a quarter
    of a frozen dataclass's time."""

    model: ModelRef
    rule: RuleInfo
    status: Status
    finding: Finding | None = None
    error: ReportError | None = None

    @property
    def severity(self) -> str:
        """The effective severity: the finding's where there is one, else the rule's."""
        return self.finding.severity if self.finding is not None else self.rule.severity


def _model_key(arn: str | None, name: str | None) -> str:
    return arn or f"name:{name or ''}"


def rule_outcomes(report: Report) -> Iterator[RuleOutcome]:
    """Each (model, rule) that ran and applied, in report order; not_applicable is left out.

    A model that could not be read at all (an error naming the model but no rule) yields an
    ``error`` outcome for every rule, so a consumer keyed by model and rule sees that the
    model was not judged rather than keeping an older verdict as if it still held.
    """
    rules = {rule.qualified_id: rule for rule in report.rules}
    findings = {(f.model.fingerprint_key, f.rule.qualified_id): f
                for f in (*report.violations, *report.waived)}
    errors: dict[tuple[str, str], ReportError] = {}
    unread: list[ReportError] = []
    for entry in report.errors:
        if entry.rule is not None:
            errors.setdefault((_model_key(entry.model_arn, entry.model_name), entry.rule), entry)
        elif entry.model_arn is not None:
            unread.append(entry)
    judged: set[str] = set()
    for result in report.models:
        model = result.model
        judged.add(_model_key(model.arn, model.name))
        for rule_id, status in result.results.items():
            if status is Status.NOT_APPLICABLE:
                continue
            rule = rules.get(rule_id)
            if rule is None:
                continue
            finding = (findings.get((model.fingerprint_key, rule_id))
                       if status in (Status.FAIL, Status.WAIVED) else None)
            error = (errors.get((_model_key(model.arn, model.name), rule_id))
                     if status is Status.ERROR else None)
            yield RuleOutcome(model, rule, status, finding, error)
    for failure in unread:
        if _model_key(failure.model_arn, failure.model_name) in judged:
            continue
        judged.add(_model_key(failure.model_arn, failure.model_name))
        model = ModelRef(arn=failure.model_arn, name=failure.model_name,
                         account_id=failure.account_id or account_of(failure.model_arn),
                         region=failure.region or region_of(failure.model_arn))
        for rule in report.rules:
            yield RuleOutcome(model, rule, Status.ERROR, None, failure)


def _arn_part(arn: str | None, index: int) -> str | None:
    if not arn or not arn.startswith("arn:"):
        return None
    parts = arn.split(":", 5)
    return parts[index] or None if len(parts) > index else None


def partition_of(arn: str | None) -> str:
    """The ARN's partition (aws, aws-cn, aws-us-gov), ``aws`` when there is no ARN."""
    return _arn_part(arn, 1) or "aws"


def region_of(arn: str | None) -> str | None:
    return _arn_part(arn, 3)


def account_of(arn: str | None) -> str | None:
    return _arn_part(arn, 4)
