"""Running policy unit tests: pure, policies and models in, one result per expectation out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from checker.engine.evaluate import evaluate
from checker.policy.loader import Policy
from checker.policytest.cases import Case
from checker.policytest.suite import CheckResult, Suite, SuiteResult
from checker.results import Report, Scanned, Status

_WORST = (Status.ERROR, Status.FAIL, Status.WAIVED, Status.PASS, Status.NOT_APPLICABLE)


def rule_status(report: Report, qualified_id: str) -> tuple[Status, str]:
    """What a rule yielded over every model of the report, and why, for a failed test.

    The worst status wins (error, fail, waived, pass, not_applicable). A rule that judged
    no single model and raised nothing (a rule on the inventory as a whole) passed.
    """
    errors = [e.message for e in report.errors if e.rule == qualified_id]
    if errors:
        return Status.ERROR, errors[0]
    violations = [v for v in report.violations if v.rule.qualified_id == qualified_id]
    if violations:
        return Status.FAIL, violations[0].message
    waived = [w for w in report.waived if w.rule.qualified_id == qualified_id]
    if waived:
        return Status.WAIVED, waived[0].message
    statuses = [m.results[qualified_id] for m in report.models if qualified_id in m.results]
    if not statuses:
        return Status.PASS, ""
    worst = min(statuses, key=_WORST.index)
    detail = ""
    if worst is Status.NOT_APPLICABLE:
        detail = "the rule's when, the policy scope, or its kind does not apply to this model"
    return worst, detail


def run_case(policies: Sequence[Policy], case: Case,
             clock: Callable[[], datetime]) -> list[CheckResult]:
    """Judge one case's models and compare each expectation."""
    now = case.now or clock()
    report = evaluate(policies, case.models, scanned=Scanned(("test",), (), ()), now=now)
    results = []
    for expectation in case.expectations:
        got, detail = rule_status(report, expectation.qualified_id)
        results.append(CheckResult(case.name, expectation.rule, expectation.expected, got,
                                   detail))
    return results


def run_suite(suite: Suite, clock: Callable[[], datetime] | None = None) -> SuiteResult:
    """Run every case of a compiled test file."""
    def utc_now() -> datetime:
        return datetime.now(timezone.utc)

    clock = clock or utc_now
    checks = [check for case in suite.cases for check in run_case(suite.policies, case, clock)]
    return SuiteResult(suite.file, tuple(checks))


# --- output -------------------------------------------------------------------------------
