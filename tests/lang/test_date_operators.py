"""The date operators min_days_ahead and max_days_ago: the vectors of dates_conformance.yaml
(boundary days, time zones, what is not a timestamp), the run's date they count from, and
the arguments the loader refuses."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest
import yaml

from checker.lang.dates import days_from_run, judging_on, run_date, utc_date
from checker.policy.loader import load_policy_text
from tests.support import FIXED_NOW, ROOT, judge, single_rule_policy, status_of

TABLE = yaml.safe_load((ROOT / "tests" / "dates_conformance.yaml")
                       .read_text(encoding="utf-8"))
CASES: list[dict[str, Any]] = TABLE["cases"]


def test_the_table_is_judged_on_the_fixed_date() -> None:
    assert datetime.fromisoformat(TABLE["now"].replace("Z", "+00:00")) == FIXED_NOW
    assert len({c["name"] for c in CASES}) == len(CASES) == 28


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_date_conformance(case: dict[str, Any]) -> None:
    assert status_of(case["rule"], case["doc"]).value == case["expect"]


def test_the_run_date_is_the_one_evaluate_is_given() -> None:
    policy = single_rule_policy({"require": {"field": "creationTime", "max_days_ago": 0}})
    doc = {"modelName": "m", "creationTime": "2030-05-05T10:00:00Z"}
    on_the_day = judge(policy, doc, now=datetime(2030, 5, 5, 23, 0, tzinfo=timezone.utc))
    day_after = judge(policy, doc, now=datetime(2030, 5, 6, 0, 30, tzinfo=timezone.utc))
    assert on_the_day.models[0].results["t/r"].value == "pass"
    assert day_after.models[0].results["t/r"].value == "fail"
    # A run's "now" in another zone is judged on its UTC date.
    east = judge(policy, doc, now=datetime.fromisoformat("2030-05-06T01:00:00+02:00"))
    assert east.models[0].results["t/r"].value == "pass"


def test_outside_a_run_the_date_is_today_utc() -> None:
    assert run_date() == datetime.now(timezone.utc).date()
    with judging_on(date(2001, 1, 1)):
        assert run_date() == date(2001, 1, 1)
        assert days_from_run("2001-01-31T00:00:00Z") == 30
    assert run_date() == datetime.now(timezone.utc).date()


@pytest.mark.parametrize("value", [None, True, 20270101, "", "2027", "2027-01",
                                   "2027-01-01T", "2027-01-01T25:00:00Z", "2027-01-01 00:00:00",
                                   "2027-01-01T00:00:00+0500", "2027-01-01z",
                                   "\uff12\uff10\uff12\uff17-01-01"])
def test_what_is_not_a_timestamp(value: Any) -> None:
    assert utc_date(value) is None


def test_the_failure_message_says_how_far_off() -> None:
    policy = single_rule_policy({"require": {"field": "baseModel.modelLifecycle.endOfLifeTime",
                                             "min_days_ahead": 90}})
    report = judge(policy, {"modelName": "m", "baseModel": {"modelLifecycle": {
        "endOfLifeTime": "2027-01-06T00:00:00Z"}}})
    assert "(40 days from the run's date)" in report.violations[0].message
    assert "at least 90 days" in report.violations[0].message
    report = judge(policy, {"modelName": "m", "baseModel": {"modelLifecycle": {
        "endOfLifeTime": "tomorrow"}}})
    assert "not a timestamp" in report.violations[0].message


@pytest.mark.parametrize("arg", [-1, "90", 1.5, True, None, [90]])
def test_the_loader_refuses_what_is_not_a_number_of_days(arg: Any) -> None:
    text = yaml.safe_dump({"version": 1, "name": "p", "rules": [
        {"id": "r", "require": {"field": "creationTime", "min_days_ahead": arg}}]})
    policy, problems = load_policy_text(text.encode(), "p.yaml")
    assert policy is None
    assert any("whole number of days" in str(p) for p in problems)
