"""The engine: judge every model against every loaded rule. Plain data in, a Report out."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from checker import __version__
from checker.checks.base import Outcome
from checker.errors import UsageError
from checker.policy import Policy, Rule, Waiver
from checker.results import (
    SEVERITY_RANK,
    Finding,
    ModelInput,
    ModelRef,
    ModelResult,
    PolicyInfo,
    Report,
    ReportError,
    ReportWarning,
    Scanned,
    Status,
    Summary,
)

_PASS, _FAIL, _NA, _WAIVED, _ERROR = (Status.PASS, Status.FAIL, Status.NOT_APPLICABLE,
                                      Status.WAIVED, Status.ERROR)


def select_rules(policies: Sequence[Policy], include: Sequence[str] = (),
                 exclude: Sequence[str] = ()) -> list[Policy]:
    """Keep the rules whose ``policy/rule`` id matches an ``include`` glob (all when none is
    given) and no ``exclude`` glob. A pattern that selects nothing is a usage error."""
    all_ids = [r.qualified_id for p in policies for r in p.rules]
    for pattern in (*include, *exclude):
        if not any(fnmatch.fnmatchcase(i, pattern) for i in all_ids):
            raise UsageError(f"--rule/--skip-rule {pattern!r} matches no loaded rule "
                             "(use policy/rule ids, e.g. bedrock-baseline/kms-required)")

    def keep(rule: Rule) -> bool:
        qid = rule.qualified_id
        if include and not any(fnmatch.fnmatchcase(qid, p) for p in include):
            return False
        return not any(fnmatch.fnmatchcase(qid, p) for p in exclude)

    selected = [replace(p, rules=tuple(r for r in p.rules if keep(r))) for p in policies]
    return [p for p in selected if p.rules]


def model_ref(item: ModelInput) -> ModelRef:
    doc = item.document
    arn = doc.get("modelArn")
    name = doc.get("modelName")
    account = doc.get("accountId") or doc.get("ownerAccountId")
    region = doc.get("region")
    return ModelRef(
        arn=arn if isinstance(arn, str) else None,
        name=name if isinstance(name, str) else None,
        account_id=account if isinstance(account, str) else None,
        region=region if isinstance(region, str) else None,
        kind=item.kind,
        origin=item.origin,
    )


def _not_fetched(rule: Rule, item: ModelInput, ref: ModelRef) -> ReportError | None:
    doc = item.document
    for key in rule.needs:
        if key in doc:
            continue
        if key in item.enrichment_errors:
            code, message = item.enrichment_errors[key]
        else:
            code = "NotFetched"
            message = (f"rule needs '{key}', which was not fetched for this model "
                       f"(the document has no '{key}' key)")
        return ReportError(code=code, message=message, model_arn=ref.arn, model_name=ref.name,
                           region=ref.region, rule=rule.qualified_id, account_id=ref.account_id)
    return None


class _Judge:
    """Holds the running tallies while models are judged."""

    def __init__(self, policies: Sequence[Policy], today: Any) -> None:
        self.policies = policies
        self.today = today
        self.violations: list[Finding] = []
        self.waived: list[Finding] = []
        self.errors: list[ReportError] = []
        self.used_waivers: set[int] = set()
        self.live_waivers = {
            id(p): [w for w in p.waivers if not w.expired(today)] for p in policies
        }
        # Every model is judged by every rule: work the ids out once, not per model.
        self.plan = [(p, [(r, r.qualified_id) for r in p.rules]) for p in policies]

    def judge(self, item: ModelInput) -> ModelResult:
        doc = item.document
        ref = model_ref(item)
        results: dict[str, Status] = {}
        worst = _NA
        for policy, rules in self.plan:
            in_scope: bool | None = None
            for rule, rule_id in rules:
                missing = _not_fetched(rule, item, ref) if rule.needs else None
                if missing is not None:
                    self.errors.append(missing)
                    status = _ERROR
                else:
                    try:
                        if in_scope is None:
                            in_scope = policy.in_scope(doc)
                        if not in_scope or (rule.when is not None
                                            and rule.when.test(doc) is False):
                            status = _NA
                        else:
                            outcome = rule.check.evaluate(doc)
                            status = outcome.status
                            if status is _FAIL:
                                status = self._failed(policy, rule, ref, outcome)
                    except Exception as exc:  # a malformed document must never pass a gate
                        self.errors.append(ReportError(
                            code="EvaluationError",
                            message=f"could not judge: {type(exc).__name__}: {exc}",
                            model_arn=ref.arn, model_name=ref.name, region=ref.region,
                            rule=rule_id, account_id=ref.account_id))
                        status = _ERROR
                results[rule_id] = status
                if status is _ERROR:
                    worst = _ERROR
                elif status is _FAIL:
                    if worst is not _ERROR:
                        worst = _FAIL
                elif status is not _NA and worst is _NA:
                    worst = _PASS
        return ModelResult(model=ref, result=worst.value, results=results)

    def _failed(self, policy: Policy, rule: Rule, ref: ModelRef, outcome: Outcome) -> Status:
        """Record a failed check as a violation, or as waived when a live waiver covers it."""
        waiver = self._waiver_for(policy, rule, ref)
        finding = _finding(ref, rule, outcome, waiver)
        if waiver is not None:
            self.waived.append(finding)
            return _WAIVED
        self.violations.append(finding)
        return _FAIL

    def _waiver_for(self, policy: Policy, rule: Rule, ref: ModelRef) -> Waiver | None:
        for waiver in self.live_waivers[id(policy)]:
            if waiver.covers(rule.info.id, ref.name, ref.arn, ref.account_id):
                self.used_waivers.add(id(waiver))
                return waiver
        return None

    def waiver_warnings(self) -> list[ReportWarning]:
        warnings: list[ReportWarning] = []
        for policy in self.policies:
            for waiver in policy.waivers:
                where = f"{waiver.info.file}:{waiver.info.line}"
                rules = ", ".join(waiver.rules)
                if waiver.expired(self.today):
                    warnings.append(ReportWarning(
                        "waiver-expired",
                        f"{where}: waiver for {policy.name} rules [{rules}] expired on "
                        f"{waiver.info.expires.isoformat()} and no longer applies "
                        f"(reason was: {waiver.info.reason})"))
                elif id(waiver) not in self.used_waivers:
                    warnings.append(ReportWarning(
                        "waiver-stale",
                        f"{where}: waiver for {policy.name} rules [{rules}] matched no "
                        "violation; remove it or fix its rules/models"))
        return warnings


def _finding(ref: ModelRef, rule: Rule, outcome: Outcome, waiver: Waiver | None) -> Finding:
    return Finding(model=ref, rule=rule.info, field=outcome.field, expected=outcome.expected,
                   actual=outcome.actual, message=outcome.message,
                   waiver=waiver.info if waiver is not None else None)


def summarize(models: Sequence[ModelResult], violations: Sequence[Finding],
              waived: Sequence[Finding], errors: Sequence[ReportError], policies: int,
              rules: int, fail_on: str) -> Summary:
    """The summary, whose ``result`` agrees with the exit code: errors win, then violations
    at or above ``fail_on`` that a baseline does not already know."""
    floor = SEVERITY_RANK[fail_on]
    gating = any(SEVERITY_RANK[v.rule.severity] >= floor and not v.known for v in violations)
    result = "error" if errors else "fail" if gating else "pass"
    return Summary(
        models=len(models),
        policies=policies,
        rules=rules,
        violations=len(violations),
        waived=len(waived),
        errors=len(errors),
        not_evaluated=sum(1 for m in models if m.result == "not_applicable"),
        result=result,
    )


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def evaluate(
    policies: Sequence[Policy],
    inputs: Iterable[ModelInput],
    *,
    scanned: Scanned,
    source_errors: Sequence[ReportError] = (),
    extra_warnings: Sequence[ReportWarning] = (),
    fail_on: str = "info",
    now: datetime | None = None,
) -> Report:
    """Judge every model against every rule of every policy and build the report."""
    now = now or utc_now()
    judge = _Judge(policies, now.astimezone(timezone.utc).date())
    models = tuple(judge.judge(item) for item in inputs)
    errors = (*source_errors, *judge.errors)
    warnings = (*extra_warnings, *judge.waiver_warnings())
    rules = sum(len(p.rules) for p in policies)
    summary = summarize(models, judge.violations, judge.waived, errors, len(policies), rules,
                        fail_on)
    return Report(
        tool_version=__version__,
        generated_at=now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        scanned=scanned,
        policies=tuple(PolicyInfo(p.name, p.file, p.sha256, tuple(r.info for r in p.rules))
                       for p in policies),
        models=models,
        violations=tuple(judge.violations),
        waived=tuple(judge.waived),
        warnings=tuple(warnings),
        errors=tuple(errors),
        summary=summary,
        fail_on=fail_on,
    )
