"""publish archives the hub's findings of models or rules a report did not judge only when
the report read them all: not a ``--model``, ``--rule`` or ``--framework`` run, and not model
documents from files (they say nothing of the account's other models)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.publish.test_publish import B, K


def _publish_moto(report: Any) -> Any:
    from tests.publish.test_publish import publish
    return publish(report)


def _hub_state() -> dict[tuple[str, str], tuple[str, str]]:
    from tests.publish.test_publish import by_rule, hub_findings
    return by_rule(hub_findings())


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    from moto import mock_aws

    from tests.support import fake_aws_env
    fake_aws_env(monkeypatch, tmp_path)
    with mock_aws():
        yield


def _two_models_report(**changes: Any) -> Any:
    from dataclasses import replace

    from tests.publish.test_publish import A_, B_, FIRST, K, P, make_report
    first = make_report({A_: FIRST[A_], B_: FIRST[B_]})
    only_a = make_report({A_: {K: P, **{r: s for r, s in FIRST[A_].items() if r != K}}},
                         at="2026-12-01T08:00:00Z")
    return first, replace(only_a, **changes) if changes else only_a


def test_publish_of_a_model_limited_run_archives_no_other_model(hub: None) -> None:
    from dataclasses import replace

    first, later = _two_models_report()
    _publish_moto(first)
    # check --model model-a: the report records the names it was limited to.
    later = replace(later, scanned=replace(later.scanned, models=("model-a",)))
    result = _publish_moto(later)
    state = _hub_state()
    assert state[("model-b", B)] == ("FAILED", "ACTIVE")
    assert state[("model-a", K)] == ("PASSED", "ARCHIVED")
    assert result.archived == 1


def test_publish_of_a_model_limited_json_report_archives_no_other_model(hub: None) -> None:
    from dataclasses import replace

    from checker.reports.json_report import report_dict
    first, later = _two_models_report()
    _publish_moto(first)
    later = replace(later, scanned=replace(later.scanned, models=("model-a",)))
    data = report_dict(later)
    assert data["scanned"]["models"] == ["model-a"]
    _publish_moto(data)
    assert _hub_state()[("model-b", B)] == ("FAILED", "ACTIVE")


def test_publish_of_a_rule_filtered_run_archives_no_finding_of_another_rule(hub: None) -> None:
    from dataclasses import replace

    from checker.results import RuleFilters
    from tests.publish.test_publish import A_, K, P
    from tests.support import report_fixtures as fx
    first, _ = _two_models_report()
    _publish_moto(first)
    # check --rule fixture/kms-required: only that rule ran, for both models.
    later = fx.build_report(rules=(fx.KMS,), models={A_: {K: P}})
    later = replace(later, generated_at="2026-12-01T08:00:00Z", rule_filters=RuleFilters(rule=(K,)),
                    scanned=replace(later.scanned, reads=((fx.ACCOUNT, fx.REGION),)))
    _publish_moto(later)
    state = _hub_state()
    assert state[("model-b", B)] == ("FAILED", "ACTIVE")
    assert state[("model-a", K)] == ("PASSED", "ARCHIVED")


def test_publish_of_a_framework_run_archives_no_finding_of_another_rule(hub: None) -> None:
    from dataclasses import replace

    from tests.publish.test_publish import A_, K, P
    from tests.support import report_fixtures as fx
    first, _ = _two_models_report()
    _publish_moto(first)
    later = replace(fx.build_report(rules=(fx.KMS,), models={A_: {K: P}}),
                    generated_at="2026-12-01T08:00:00Z", framework="NIST-800-53-r5")
    _publish_moto(later)
    assert _hub_state()[("model-b", B)] == ("FAILED", "ACTIVE")


def test_publish_of_a_report_of_files_archives_no_model_it_does_not_hold(hub: None) -> None:
    from dataclasses import replace

    first, later = _two_models_report()
    _publish_moto(first)
    # check --from one-model.json: the files say nothing of the account's other models.
    later = replace(later, scanned=replace(later.scanned, sources=("one-model.json",)))
    _publish_moto(later)
    state = _hub_state()
    assert state[("model-b", B)] == ("FAILED", "ACTIVE")
    assert state[("model-a", K)] == ("PASSED", "ARCHIVED")


class CyclingHub:
    """A hub whose GetFindings pages name each other's tokens forever."""

    def __init__(self) -> None:
        from tests.publish.test_publish import FakeHub
        self.inner = FakeHub()
        self.meta = self.inner.meta
        self.pages = 0

    def get_findings(self, **params: Any) -> dict[str, Any]:
        self.pages += 1
        if self.pages > 50:
            raise AssertionError("publish kept paging a listing that never ends")
        return {"Findings": [], "NextToken": "t2" if params.get("NextToken") == "t1" else "t1"}

    def batch_import_findings(self, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        return self.inner.batch_import_findings(Findings)

    def get_caller_identity(self) -> dict[str, str]:
        return self.inner.get_caller_identity()


def test_a_get_findings_listing_that_never_ends_is_an_error_of_its_pair() -> None:
    from checker.publish import publish_report
    from tests.publish.test_publish import FakeSession, many_failures
    hub = CyclingHub()
    result = publish_report(many_failures(2), lambda _: FakeSession(hub))  # type: ignore[arg-type]
    assert hub.pages <= 3
    assert result.exit_code == 2
    (error,) = result.errors
    assert "GetFindings" in error.message and "never end" in error.message
    assert result.imported == 0


def test_a_hub_answer_that_is_not_get_findings_shape_is_an_error_not_a_traceback(
        hub: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """GetFindings answering a list of strings where findings belong (a broken proxy, say)."""
    from botocore.awsrequest import AWSResponse

    from checker.publish import publish_report
    from tests.publish.test_publish import FIRST, ROLE, factory, make_report
    from tests.sources.aws.test_aws_fetch import _Body

    def session(profile: str | None) -> Any:
        made = factory(profile)

        def forge(request: Any, **_: Any) -> AWSResponse | None:
            if request.url.endswith("/findings"):
                return AWSResponse(request.url, 200, {"Content-Type": "application/json"},
                                   _Body(b'{"Findings": ["not a finding"]}'))
            return None
        made.events.register("before-send.securityhub.GetFindings", forge)
        return made

    result = publish_report(make_report(FIRST), session, accounts=[ROLE])
    assert result.exit_code == 2
    (error,) = result.errors
    assert "GetFindings" in error.message and "Findings" in error.message


def test_publish_of_other_policies_archives_no_finding_of_a_policy_it_did_not_load(
        hub: None) -> None:
    """Two publishers with other policy sets in one account: neither resolves the other's."""
    from dataclasses import replace

    from tests.publish.test_publish import A_, P
    from tests.support import report_fixtures as fx
    first, _ = _two_models_report()
    _publish_moto(first)
    tags = fx.TAGS.qualified_id
    other = replace(fx.build_report(rules=(fx.TAGS,), models={A_: {tags: P}}),
                    generated_at="2026-12-01T08:00:00Z")
    result = _publish_moto(other)
    state = _hub_state()
    assert state[("model-a", K)] == ("FAILED", "ACTIVE")
    assert state[("model-b", B)] == ("FAILED", "ACTIVE")
    assert result.archived == 0
