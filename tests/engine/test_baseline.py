"""Baselines (known violations stop gating) and --strict-waivers (waiver warnings gate)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from checker.cli.options import read_baseline
from checker.engine.baseline import apply_baseline, apply_strict_waivers, decide_result
from checker.errors import InputError
from checker.reports.json_reader import read_report
from checker.reports.json_report import report_dict
from checker.results import ModelRef, Report, ReportWarning, RuleInfo, Status
from tests.support import report_fixtures as fx


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


def baseline(*violations: tuple[ModelRef, RuleInfo]) -> Report:
    """A baseline as ``check --baseline`` gets it: a JSON report read back by the one
    reader of JSON reports."""
    rules = tuple(dict.fromkeys([fx.KMS, fx.TAGS, *(r for _, r in violations)]))
    models: dict[ModelRef, dict[str, Status]] = {}
    for ref, info in violations:
        models.setdefault(ref, {r.qualified_id: Status.PASS for r in rules})[
            info.qualified_id] = Status.FAIL
    report = fx.build_report(rules=rules, models=models,
                             violations=[fx.finding(ref, info) for ref, info in violations])
    return read_report(report_dict(report), "baseline.json")


OTHER_POLICY = fx.rule("other-policy", "kms-required", "critical")
ALL_KNOWN = baseline((fx.PROD, fx.KMS), (fx.PLANNED, fx.KMS), (fx.PROD, fx.TAGS))


@pytest.mark.parametrize(
    ("data", "known", "result"),
    [
        pytest.param(baseline(), [False, False, False], "fail", id="empty-baseline"),
        pytest.param(ALL_KNOWN, [True, True, True], "pass", id="all-known"),
        pytest.param(baseline((replace(fx.PROD, name="other-name"), fx.KMS)),
                     [True, False, False], "fail", id="arn-decides-not-name"),
        pytest.param(baseline((replace(fx.CLEAN, name=fx.PROD.name), fx.KMS)),
                     [False, False, False], "fail", id="other-arn-same-name"),
        pytest.param(baseline((fx.PROD, OTHER_POLICY)),
                     [False, False, False], "fail", id="other-policy"),
        pytest.param(baseline((replace(fx.PLANNED, kind="job"), fx.KMS)),
                     [False, False, False], "fail", id="other-kind"),
        pytest.param(baseline((replace(fx.PLANNED, address="module.other.aws_x.this"), fx.KMS)),
                     [False, False, False], "fail", id="same-name-other-module"),
    ],
)
def test_apply_baseline(data: Report, known: list[bool], result: str) -> None:
    adjusted = apply_baseline(failing_report(), data)
    assert [v.known for v in adjusted.violations] == known
    assert adjusted.summary.result == result
    # Known violations are still reported and counted.
    assert adjusted.summary.violations == 3


def test_only_gating_new_violations_fail() -> None:
    """With --fail-on high, a new low violation does not fail once the critical ones are known."""
    data = baseline((fx.PROD, fx.KMS), (fx.PLANNED, fx.KMS))
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
    waived = fx.finding(fx.PROD, fx.KMS, waiver=fx.WAIVER)
    report = fx.build_report(rules=(fx.KMS, fx.TAGS),
                             models={fx.PROD: {fx.KMS.qualified_id: Status.WAIVED}},
                             waived=[waived])
    data = read_report(report_dict(report), "baseline.json")
    adjusted = apply_baseline(failing_report(), data)
    assert not any(v.known for v in adjusted.violations)


def _without_violation_rule(data: dict[str, Any]) -> dict[str, Any]:
    del data["violations"][0]["rule"]
    return data


def _violation_of_no_model(data: dict[str, Any]) -> dict[str, Any]:
    data["violations"][0]["model_arn"] = fx.CLEAN.arn
    return data


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        pytest.param(lambda d: [], "not a bedrock-drift JSON report", id="not-an-object"),
        pytest.param(lambda d: {k: v for k, v in d.items() if k != "schema_version"},
                     "schema_version", id="no-version"),
        pytest.param(lambda d: {**d, "schema_version": 2}, "schema_version",
                     id="future-version"),
        pytest.param(lambda d: {k: v for k, v in d.items() if k != "violations"},
                     "'violations' is a required property", id="no-violations"),
        pytest.param(lambda d: {**d, "violations": ["x"]}, "at violations/0: 'x' is not",
                     id="violation-not-object"),
        pytest.param(_without_violation_rule, "'rule' is a required property", id="no-rule"),
        pytest.param(_violation_of_no_model, r"violations\[0\]: its model", id="no-model"),
    ],
)
def test_malformed_baseline_is_an_input_error(
        edit: Any, message: str, tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(edit(report_dict(failing_report()))))
    with pytest.raises(InputError, match=message) as caught:
        read_baseline(str(path))
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"{path}: ")


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
