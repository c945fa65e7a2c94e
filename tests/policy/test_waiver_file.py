"""Waivers in their own file, and waivers that age (with a frozen clock)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import pytest

from checker.engine.evaluate import evaluate
from checker.errors import PolicyError
from checker.policy.loader import Policy
from checker.policy.waivers import load_waiver_file
from checker.reports import FINDING_LISTS, RENDERERS, render
from checker.results import ModelInput, Report, Scanned, Status
from tests.support import policy_from

NOW = datetime(2026, 11, 27, 23, 59, 59, tzinfo=timezone.utc)

BASE = policy_from({"version": 1, "name": "base", "rules": [
    {"id": "lr", "hyperparameter": {"name": "learningRate", "max": 0.0001}},
    {"id": "kms", "kms_key": {}},
]}, file="policies/base.yaml")
TAGS = policy_from({"version": 1, "name": "tags", "rules": [
    {"id": "owner", "require": {"field": "modelName", "exists": True}},
    {"id": "team", "require": {"field": "modelName", "equals": "nobody"}},
]}, file="policies/tags.yaml")

HOT = {"modelArn": "arn:aws:bedrock:us-east-1:111122223333:custom-model/research-1",
       "modelName": "research-1", "hyperParameters": {"learningRate": "0.01"}}


def waiver_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "waivers.yaml"
    path.write_text(body, encoding="utf-8")
    return str(path)


def judge(policies: Sequence[Policy], now: datetime = NOW) -> Report:
    return evaluate(policies, [ModelInput(document=HOT)], scanned=Scanned((), (), ()), now=now)


def one_waiver(rules: str, expires: str = "2027-01-31", models: str = "research-*") -> str:
    return (f"waivers:\n  - rules: {rules}\n    models: [\"{models}\"]\n"
            f"    reason: Approved in SEC-1\n    expires: {expires}\n")


def test_one_entry_waives_rules_of_two_policies(tmp_path: Path) -> None:
    path = waiver_file(tmp_path, one_waiver("[base/lr, tags/*]"))
    report = judge(load_waiver_file(path, [BASE, TAGS]))
    results = report.models[0].results
    assert results["base/lr"] is Status.WAIVED
    assert results["base/kms"] is Status.FAIL
    assert results["tags/team"] is Status.WAIVED
    assert {w.waiver.file for w in report.waived if w.waiver} == {path}
    assert report.warnings == ()


@pytest.mark.parametrize(
    ("expires", "status", "warning"),
    [
        pytest.param("2026-11-27", Status.WAIVED, None, id="last-day-still-applies"),
        pytest.param("2026-11-26", Status.FAIL, "waiver-expired", id="day-after-expired"),
    ],
)
def test_expiry_with_a_frozen_clock(
    tmp_path: Path, expires: str, status: Status, warning: str | None
) -> None:
    path = waiver_file(tmp_path, one_waiver("[base/lr]", expires=expires))
    report = judge(load_waiver_file(path, [BASE]))
    assert report.models[0].results["base/lr"] is status
    assert [w.code for w in report.warnings] == ([warning] if warning else [])


def test_stale_waiver_is_reported(tmp_path: Path) -> None:
    path = waiver_file(tmp_path, one_waiver("[base/lr]", models="nothing-*"))
    report = judge(load_waiver_file(path, [BASE]))
    assert [w.code for w in report.warnings] == ["waiver-stale"]
    assert path in report.warnings[0].message


@pytest.mark.parametrize("fmt", sorted(set(RENDERERS) - FINDING_LISTS))
def test_aged_waivers_show_in_every_format(tmp_path: Path, fmt: str) -> None:
    body = one_waiver("[base/lr]", expires="2026-01-01") + (
        "  - rules: [base/kms]\n    models: [\"nothing-*\"]\n    reason: x\n"
        "    expires: 2027-01-01\n")
    report = judge(load_waiver_file(waiver_file(tmp_path, body), [BASE]))
    out = render(report, fmt)
    assert "waiver-expired" in out
    assert "waiver-stale" in out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param("- a\n", "must be a mapping with a 'waivers' list", id="not-a-mapping"),
        pytest.param("waivers: {}\n", "'waivers' must be a list", id="not-a-list"),
        pytest.param("version: 2\nwaivers: []\n", "unsupported waivers file version",
                     id="version"),
        pytest.param("waivers:\n  - 7\n", "a waiver must be a mapping", id="item"),
        pytest.param(one_waiver("[]"), "'rules' must be a non-empty list", id="empty-rules"),
        pytest.param(one_waiver("[base/lr]").replace("    reason: Approved in SEC-1\n", ""),
                     "missing required key 'reason'", id="no-reason"),
        pytest.param(one_waiver("[base/nope]").replace("expires: 2027-01-31",
                                                       "expires: someday"),
                     "'expires' must be a date", id="all-problems-at-once"),
        pytest.param("waivers: [\n", "waivers.yaml:", id="bad-yaml"),
    ],
)
def test_problems_are_located(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_waiver_file(waiver_file(tmp_path, body), [BASE, TAGS])
    text = "\n".join(caught.value.lines())
    assert message in text
    assert all(line.startswith(str(tmp_path)) for line in caught.value.lines())


def test_problems_of_a_two_policy_waiver_are_reported_once(tmp_path: Path) -> None:
    body = one_waiver("[base/lr, tags/owner]").replace("expires: 2027-01-31",
                                                       "expires: someday")
    with pytest.raises(PolicyError) as caught:
        load_waiver_file(waiver_file(tmp_path, body), [BASE, TAGS])
    assert len(caught.value.lines()) == 1


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="cannot read the waivers file") as caught:
        load_waiver_file(str(tmp_path / "nope.yaml"), [BASE])
    assert getattr(caught.value, "exit_code", None) == 2
