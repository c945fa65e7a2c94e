"""Baselines (known violations stop gating) and --strict-waivers (waiver warnings gate)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from checker.engine.baseline import apply_baseline, apply_strict_waivers, decide_result
from checker.errors import InputError
from checker.results import Report, ReportWarning, Status
from tests import report_fixtures as fx


def baseline_entry(
    policy: str, rule: str, arn: str | None, name: str | None, **extra: Any
) -> dict[str, Any]:
    return {"policy": policy, "rule": rule, "model_arn": arn, "model_name": name, **extra}


def baseline(*violations: dict[str, Any], models: list[dict[str, Any]] | None = None
             ) -> dict[str, Any]:
    return {"schema_version": 1, "violations": list(violations), "models": models or []}


def failing_report(fail_on: str = "info") -> Report:
    """Two violations (critical on prod, critical on the planned model); no errors."""
    p, f = Status.PASS, Status.FAIL
    violations = (
        fx.finding(fx.PROD, fx.KMS),
        fx.finding(fx.PLANNED, fx.KMS, actual="alias/x"),
        fx.finding(fx.PROD, fx.TAGS, field="tags.owner", expected="exists"),
    )
    return fx.build_report(
        rules=(fx.KMS, fx.TAGS),
        models={
            fx.PROD: {fx.KMS.qualified_id: f, fx.TAGS.qualified_id: f},
            fx.PLANNED: {fx.KMS.qualified_id: f, fx.TAGS.qualified_id: p},
        },
        violations=violations,
        fail_on=fail_on,
    )


ALL_KNOWN = baseline(
    baseline_entry("baseline", "kms-required", fx.PROD.arn, "prod-summarizer"),
    baseline_entry("baseline", "kms-required", None, "planned-job", kind="planned"),
    baseline_entry("tagging", "owner-tag", fx.PROD.arn, "prod-summarizer"),
)


@pytest.mark.parametrize(
    ("data", "known", "result"),
    [
        pytest.param(baseline(), [False, False, False], "fail", id="empty-baseline"),
        pytest.param(ALL_KNOWN, [True, True, True], "pass", id="all-known"),
        pytest.param(
            baseline(baseline_entry("baseline", "kms-required", fx.PROD.arn, "other-name")),
            [True, False, False], "fail", id="arn-decides-not-name",
        ),
        pytest.param(
            baseline(baseline_entry("baseline", "kms-required", fx.CLEAN.arn, "prod-summarizer")),
            [False, False, False], "fail", id="other-arn-same-name",
        ),
        pytest.param(
            baseline(baseline_entry("other-policy", "kms-required", fx.PROD.arn, None)),
            [False, False, False], "fail", id="other-policy",
        ),
        pytest.param(
            baseline(
                baseline_entry("baseline", "kms-required", None, "planned-job"),
                models=[{"model_arn": None, "model_name": "planned-job", "kind": "planned"}],
            ),
            [False, True, False], "fail", id="kind-from-models",
        ),
        pytest.param(
            baseline(baseline_entry("baseline", "kms-required", None, "planned-job",
                                    kind="job")),
            [False, False, False], "fail", id="other-kind",
        ),
        pytest.param(
            baseline(baseline_entry("baseline", "kms-required", None, "planned-job")),
            [False, True, False], "fail", id="name-only-for-arnless",
        ),
        pytest.param(
            baseline(baseline_entry("baseline", "kms-required", None, "prod-summarizer")),
            [False, False, False], "fail", id="name-never-matches-a-model-with-arn",
        ),
    ],
)
def test_apply_baseline(data: dict[str, Any], known: list[bool], result: str) -> None:
    adjusted = apply_baseline(failing_report(), data)
    assert [v.known for v in adjusted.violations] == known
    assert adjusted.summary.result == result
    # Known violations are still reported and counted.
    assert adjusted.summary.violations == 3


def test_only_gating_new_violations_fail() -> None:
    """With --fail-on high, a new low violation does not fail once the critical ones are known."""
    data = baseline(
        baseline_entry("baseline", "kms-required", fx.PROD.arn, "prod-summarizer"),
        baseline_entry("baseline", "kms-required", None, "planned-job", kind="planned"),
    )
    adjusted = apply_baseline(failing_report(fail_on="high"), data)
    assert [v.known for v in adjusted.violations] == [True, True, False]
    assert adjusted.summary.result == "pass"
    assert adjusted.exit_code == 0
    assert apply_baseline(failing_report(fail_on="low"), data).exit_code == 1


def test_errors_still_win() -> None:
    report = fx.rich_report()
    assert report.summary.result == "error"
    adjusted = apply_baseline(report, ALL_KNOWN)
    assert adjusted.summary.result == "error"
    assert adjusted.exit_code == 2


def test_waived_findings_in_the_baseline_do_not_make_violations_known() -> None:
    data = baseline()
    data["waived"] = [baseline_entry("baseline", "kms-required", fx.PROD.arn, "prod-summarizer")]
    adjusted = apply_baseline(failing_report(), data)
    assert not any(v.known for v in adjusted.violations)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param([], "expected an object", id="not-an-object"),
        pytest.param({"violations": []}, "schema_version", id="no-version"),
        pytest.param({"schema_version": 2, "violations": []}, "schema_version",
                     id="future-version"),
        pytest.param({"schema_version": 1}, "'violations'", id="no-violations"),
        pytest.param({"schema_version": 1, "violations": ["x"]}, "violation 1 is not",
                     id="violation-not-object"),
        pytest.param({"schema_version": 1, "violations": [{"policy": "p"}]},
                     "lacks 'policy' or 'rule'", id="no-rule"),
        pytest.param({"schema_version": 1, "violations": [{"policy": "p", "rule": "r"}]},
                     "neither model_arn nor model_name", id="no-model"),
    ],
)
def test_malformed_baseline_is_an_input_error(data: Any, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        apply_baseline(failing_report(), data)
    assert caught.value.exit_code == 2


def test_decide_result_on_a_clean_report() -> None:
    assert decide_result(fx.clean_report()) == "pass"


def test_strict_waivers_turn_waiver_warnings_into_errors() -> None:
    report = fx.clean_report()
    warnings = (
        ReportWarning(code="waiver-expired", message="waiver expired on 2026-01-01"),
        ReportWarning(code="waiver-stale", message="waiver matched no model"),
        ReportWarning(code="something-else", message="kept as a warning"),
    )
    strict = apply_strict_waivers(replace(report, warnings=warnings))
    assert [e.code for e in strict.errors] == ["waiver-expired", "waiver-stale"]
    assert [w.code for w in strict.warnings] == ["something-else"]
    assert strict.summary.errors == 2
    assert strict.summary.result == "error"
    assert strict.exit_code == 2


def test_strict_waivers_without_waiver_warnings_change_nothing() -> None:
    report = fx.clean_report()
    assert apply_strict_waivers(report) is report
