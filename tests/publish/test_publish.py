"""publish: a report's findings into Security Hub, against moto's Security Hub (which
implements BatchImportFindings and GetFindings, ignoring GetFindings' filters), and a small
fake hub where moto cannot fail on purpose (FailedFindings, batch limits)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws

from checker.publish import publish_report
from checker.publish.securityhub import MAX_BATCH
from checker.reports import render
from checker.reports.json_report import report_dict
from checker.results import ModelRef, Report, ReportError, Status
from checker.sources.aws.accounts import AccountSpec
from tests.support import ROOT, fake_aws_env, reset_moto, run_cli
from tests.support import report_fixtures as fx

ACCOUNT = fx.ACCOUNT
REGION = fx.REGION
ROLE = AccountSpec(role_arn=f"arn:aws:iam::{ACCOUNT}:role/bedrock-drift-publish")
K, B = fx.KMS.qualified_id, fx.BASE.qualified_id
A_, B_, C_ = fx.model("model-a"), fx.model("model-b"), fx.model("model-c")
P, F, W, E = Status.PASS, Status.FAIL, Status.WAIVED, Status.ERROR


def make_report(statuses: dict[ModelRef, dict[str, Status]], *, at: str = "2026-11-27T12:00:00Z",
                errors: tuple[ReportError, ...] = ()) -> Report:
    violations, waived = [], []
    rule_errors = list(errors)
    rules = {K: fx.KMS, B: fx.BASE}
    for ref, by_rule in statuses.items():
        for rule_id, status in by_rule.items():
            if status is F:
                violations.append(fx.finding(ref, rules[rule_id]))
            elif status is W:
                waived.append(fx.finding(ref, rules[rule_id], waiver=fx.WAIVER))
            elif status is E:
                rule_errors.append(ReportError(code="AccessDeniedException", message="no",
                                               model_arn=ref.arn, model_name=ref.name,
                                               region=REGION, rule=rule_id,
                                               account_id=ACCOUNT))
    report = fx.build_report(rules=(fx.KMS, fx.BASE), models=statuses, violations=violations,
                             waived=waived, errors=rule_errors)
    # A live read of ACCOUNT/REGION, as check records it.
    return replace(report, generated_at=at,
                   scanned=replace(report.scanned, reads=((ACCOUNT, REGION),)))


FIRST = {A_: {K: F, B: P}, B_: {K: P, B: W}, C_: {K: F, B: E}}
# Later: model-a now passes KMS, model-c is gone, model-b is unchanged.
LATER = {A_: {K: P, B: P}, B_: {K: P, B: W}}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    fake_aws_env(monkeypatch, tmp_path)
    with mock_aws():
        yield


def factory(profile: str | None) -> boto3.session.Session:
    return boto3.session.Session(profile_name=profile, region_name=REGION)


def hub_findings() -> dict[str, dict[str, Any]]:
    """Every finding moto's hub holds in ACCOUNT/REGION, read through the role."""
    sts = boto3.client("sts", region_name=REGION)
    creds = sts.assume_role(RoleArn=ROLE.role_arn, RoleSessionName="test")["Credentials"]
    hub = boto3.client("securityhub", region_name=REGION,
                       aws_access_key_id=creds["AccessKeyId"],
                       aws_secret_access_key=creds["SecretAccessKey"],
                       aws_session_token=creds["SessionToken"])
    found = hub.get_findings(MaxResults=100)["Findings"]
    return {f["Id"]: f for f in found}


def by_rule(findings: dict[str, dict[str, Any]]) -> dict[tuple[str, str], tuple[str, str]]:
    return {(f["Resources"][0]["Id"].rsplit("/", 1)[1], f["GeneratorId"]):
            (f["Compliance"]["Status"], f["RecordState"]) for f in findings.values()}


def publish(report: Report | dict[str, Any], **options: Any) -> Any:
    return publish_report(report, factory, accounts=[ROLE], **options)


def test_first_publish_imports_failures_waivers_and_errors_not_unseen_passes(aws: None) -> None:
    result = publish(make_report(FIRST))
    assert result.errors == ()
    assert (result.imported, result.unchanged, result.archived) == (4, 0, 0)
    assert by_rule(hub_findings()) == {
        ("model-a", K): ("FAILED", "ACTIVE"),
        ("model-b", B): ("FAILED", "ACTIVE"),
        ("model-c", K): ("FAILED", "ACTIVE"),
        ("model-c", B): ("NOT_AVAILABLE", "ACTIVE"),
    }
    waived = next(f for f in hub_findings().values() if f["Workflow"]["Status"] == "SUPPRESSED")
    assert "SEC-1234" in waived["Note"]["Text"]
    assert result.calls == {"AssumeRole": 1, "GetFindings": 1, "BatchImportFindings": 1}


def test_publishing_the_same_report_twice_changes_nothing(aws: None) -> None:
    publish(make_report(FIRST))
    before = hub_findings()
    again = publish(make_report(FIRST))
    assert (again.imported, again.unchanged, again.archived) == (0, 4, 0)
    assert "BatchImportFindings" not in again.calls
    assert hub_findings() == before
    # A later report with the same verdicts changes nothing either.
    later = publish(make_report(FIRST, at="2026-11-28T12:00:00Z"))
    assert (later.imported, later.unchanged, later.archived) == (0, 4, 0)


def test_second_run_archives_passes_and_models_that_are_gone(aws: None) -> None:
    publish(make_report(FIRST))
    created = {k: f["CreatedAt"] for k, f in hub_findings().items()}
    result = publish(make_report(LATER, at="2026-12-01T08:00:00Z"))
    assert result.errors == ()
    assert (result.imported, result.unchanged, result.archived) == (0, 1, 3)
    assert by_rule(hub_findings()) == {
        ("model-a", K): ("PASSED", "ARCHIVED"),
        ("model-b", B): ("FAILED", "ACTIVE"),
        ("model-c", K): ("FAILED", "ARCHIVED"),
        ("model-c", B): ("NOT_AVAILABLE", "ARCHIVED"),
    }
    after = hub_findings()
    assert {k: f["CreatedAt"] for k, f in after.items()} == created
    assert {f["UpdatedAt"] for f in after.values() if f["RecordState"] == "ARCHIVED"} == {
        "2026-12-01T08:00:00Z"}
    # And once more: nothing left to do.
    again = publish(make_report(LATER, at="2026-12-02T08:00:00Z"))
    assert (again.imported, again.archived) == (0, 0)


def test_a_region_not_read_completely_archives_nothing_missing(aws: None) -> None:
    publish(make_report(FIRST))
    unread = ReportError(code="ThrottlingException", message="ListCustomModels throttled",
                         region=REGION, account_id=ACCOUNT)
    result = publish(make_report(LATER, at="2026-12-01T08:00:00Z", errors=(unread,)))
    states = by_rule(hub_findings())
    assert states[("model-c", K)] == ("FAILED", "ACTIVE")  # maybe still there: kept
    assert states[("model-a", K)] == ("PASSED", "ARCHIVED")  # a judged pass still resolves
    assert result.archived == 1


def test_no_resolve_missing_imports_passes_and_archives_nothing(aws: None) -> None:
    publish(make_report(FIRST))
    result = publish(make_report(LATER, at="2026-12-01T08:00:00Z"), resolve_missing=False)
    states = by_rule(hub_findings())
    assert result.archived == 0
    assert states[("model-a", K)] == ("PASSED", "ACTIVE")
    assert states[("model-a", B)] == ("PASSED", "ACTIVE")
    assert states[("model-c", K)] == ("FAILED", "ACTIVE")


def test_a_json_report_publishes_like_the_report(aws: None) -> None:
    result = publish(report_dict(make_report(FIRST)))
    assert (result.imported, result.errors) == (4, ())


def test_findings_of_an_account_without_credentials_are_errors(aws: None) -> None:
    result = publish_report(make_report(FIRST), factory)  # moto's own account only
    assert result.exit_code == 2
    assert {e.code for e in result.errors} == {"NoCredentials"}
    assert result.errors[0].account == ACCOUNT


def test_a_planned_model_cannot_be_imported(aws: None) -> None:
    report = fx.build_report(rules=(fx.KMS,), models={fx.PLANNED: {K: F}},
                             violations=[fx.finding(fx.PLANNED, fx.KMS)])
    result = publish(report)
    assert [e.code for e in result.errors] == ["NoAccount"]


# --- a fake hub: failures and batch limits -------------------------------------------------

class FakeHub:
    def __init__(self, fail_ids: set[str] | None = None) -> None:
        self.batches: list[int] = []
        self.fail_ids = fail_ids or set()
        self.meta = type("Meta", (), {"events": type("Events", (), {
            "register": staticmethod(lambda *a, **k: None)})()})()

    def get_findings(self, **_: Any) -> dict[str, Any]:
        return {"Findings": []}

    def batch_import_findings(self, Findings: list[dict[str, Any]]) -> dict[str, Any]:
        self.batches.append(len(Findings))
        failed = [{"Id": f["Id"], "ErrorCode": "InvalidInput", "ErrorMessage": "bad"}
                  for f in Findings if f["Id"] in self.fail_ids]
        return {"FailedCount": len(failed), "SuccessCount": len(Findings) - len(failed),
                "FailedFindings": failed}

    def get_caller_identity(self) -> dict[str, str]:
        return {"Account": ACCOUNT}


class FakeSession:
    region_name = REGION

    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub

    def get_credentials(self) -> object:
        return object()

    def client(self, service: str, **_: Any) -> FakeHub:
        return self.hub

    events = type("Events", (), {"register": staticmethod(lambda *a, **k: None)})()


def many_failures(count: int, message: str = "x") -> Report:
    refs = [fx.model(f"m{i:04d}") for i in range(count)]
    return fx.build_report(rules=(fx.KMS,), models={r: {K: F} for r in refs},
                           violations=[fx.finding(r, fx.KMS, message=message) for r in refs])


def test_batches_hold_at_most_100_findings() -> None:
    hub = FakeHub()
    result = publish_report(many_failures(250), lambda _: FakeSession(hub))
    assert hub.batches == [MAX_BATCH, MAX_BATCH, 50]
    assert result.imported == 250


def test_batches_stay_under_six_megabytes() -> None:
    hub = FakeHub()
    # Descriptions are cut to 1024 characters; a long rule title is not the lever, so
    # use long model names (Resources.Id and ProductFields carry them).
    refs = [fx.model("m" * 70_000 + str(i)) for i in range(100)]
    report = fx.build_report(rules=(fx.KMS,), models={r: {K: F} for r in refs},
                             violations=[fx.finding(r, fx.KMS) for r in refs])
    result = publish_report(report, lambda _: FakeSession(hub))
    assert len(hub.batches) > 1 and sum(hub.batches) == 100
    assert result.imported == 100


def test_failed_findings_are_errors_naming_the_finding() -> None:
    report = many_failures(3)
    first = json.loads(render(report, "asff"))[1]
    hub = FakeHub(fail_ids={first["Id"]})
    result = publish_report(report, lambda _: FakeSession(hub))
    assert result.exit_code == 2
    (error,) = result.errors
    assert (error.code, error.finding_id) == ("InvalidInput", first["Id"])
    assert result.imported == 2


# --- the command, end to end through moto's server -----------------------------------------

def test_publish_command_end_to_end(server: str, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws_env(monkeypatch, tmp_path)
    env = {**os.environ, "AWS_ENDPOINT_URL": reset_moto(server)}  # emptied: shared by every test
    command = [sys.executable, "-m", "checker"]
    report = tmp_path / "report.json"
    check = subprocess.run([*command, "check", "--from", str(ROOT / "examples" / "models"),
                            "-p", str(ROOT / "policies" / "baseline.yaml"), "-q",
                            "--report", f"json:{report}"], env=env, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 1, check.stderr
    role = f"arn:aws:iam::{ACCOUNT}:role/bedrock-drift-publish"
    first = subprocess.run([*command, "publish", str(report), "--assume-role", role],
                           env=env, capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    data = json.loads(report.read_text())
    failing = len(data["violations"]) + len(data["waived"])
    assert f"{failing} imported, 0 unchanged, 0 archived, 0 errors" in first.stderr
    again = subprocess.run([*command, "publish", str(report), "--assume-role", role],
                           env=env, capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert f"0 imported, {failing} unchanged, 0 archived, 0 errors" in again.stderr
    assert "BatchImportFindings" not in again.stderr


def test_permissions_publish(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["permissions", "--publish"], capsys)
    assert code == 0
    assert json.loads(out)["Statement"][0]["Action"] == [
        "securityhub:BatchImportFindings", "securityhub:BatchUpdateFindings",
        "securityhub:GetFindings"]
    code, _, err = run_cli(["permissions", "--publish", "--include-jobs"], capsys)
    assert code == 2 and "--publish" in err


def test_a_finding_over_240_kb_is_an_error_not_sent() -> None:
    hub = FakeHub()
    # The name is in the resource's ARN in full (Details.Other and ProductFields cut it).
    big = fx.model("m" * 250_000)
    report = fx.build_report(rules=(fx.KMS,), models={big: {K: F}, fx.PROD: {K: F}},
                             violations=[fx.finding(big, fx.KMS), fx.finding(fx.PROD, fx.KMS)])
    result = publish_report(report, lambda _: FakeSession(hub))
    assert [e.code for e in result.errors] == ["FindingTooLarge"]
    assert hub.batches == [1]


# --- scale, and whatever the hub answers -----------------------------------------------------

class PagedHub(FakeHub):
    """A hub holding ``count`` active findings of this tool (of a policy the report does not
    load), served 100 a page and made as asked for."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.pages = 0

    def get_findings(self, **params: Any) -> dict[str, Any]:
        self.pages += 1
        start = int(params.get("NextToken") or 0)
        arn = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
        page = [{"Id": f"other/{n}", "ProductArn": arn, "AwsAccountId": ACCOUNT,
                 "RecordState": "ACTIVE", "UpdatedAt": "2026-11-01T00:00:00Z",
                 "ProductFields": {"bedrock-drift/Generator": "bedrock-drift",
                                   "bedrock-drift/Policy": "another-policy"}}
                for n in range(start, min(start + params["MaxResults"], self.count))]
        answer: dict[str, Any] = {"Findings": page}
        if start + len(page) < self.count:
            answer["NextToken"] = str(start + len(page))
        return answer


def test_an_account_with_more_than_100000_findings_is_published() -> None:
    """The page bound follows the hub's size: 1,001 pages of 100 are read to the end (a fixed
    bound of 1,000 pages stopped at 100,000 findings)."""
    hub = PagedHub(100_050)
    result = publish_report(make_report({A_: {K: F, B: P}}), lambda _: FakeSession(hub))
    assert result.errors == ()
    assert hub.pages == 1001
    assert result.imported == 1
    (plan,) = result.plans
    assert plan.left_alone == 100_050  # another policy's findings: never touched


JSON_VALUES = st.none() | st.booleans() | st.integers() | st.text(max_size=4) | st.lists(
    st.text(max_size=3), max_size=2) | st.dictionaries(st.text(max_size=3), st.text(max_size=3),
                                                       max_size=2)


class OddHub(FakeHub):
    """A hub whose copy of each finding has one field replaced by anything."""

    def __init__(self, findings: list[dict[str, Any]]) -> None:
        super().__init__()
        self.findings = findings

    def get_findings(self, **_: Any) -> dict[str, Any]:
        return {"Findings": self.findings}

    def batch_update_findings(self, **params: Any) -> dict[str, Any]:
        return {"ProcessedFindings": params["FindingIdentifiers"], "UnprocessedFindings": []}


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_no_field_of_a_getfindings_answer_ends_in_an_internal_error(data: st.DataObject) -> None:
    report = make_report(FIRST)
    findings = json.loads(render(report, "asff"))
    for finding in findings:
        finding["ProductFields"]["bedrock-drift/PolicySha256"] = "0" * 64
    victim = data.draw(st.sampled_from(findings))
    path = data.draw(st.sampled_from([
        ("UpdatedAt",), ("CreatedAt",), ("RecordState",), ("Workflow",), ("Workflow", "Status"),
        ("ProductFields",), ("ProductFields", "bedrock-drift/Status"),
        ("ProductFields", "bedrock-drift/Policy"), ("ProductFields", "bedrock-drift/ModelKind"),
        ("Resources",), ("Severity",), ("Severity", "Label"), ("GeneratorId",),
        ("FindingProviderFields",), ("Compliance",), ("FirstObservedAt",), ("Id",)]))
    target = victim
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = data.draw(JSON_VALUES)
    hub = OddHub(findings)
    result = publish_report(make_report(LATER, at="2026-12-01T08:00:00Z"),
                            lambda _: FakeSession(hub))  # no exception, whatever the field
    assert result.exit_code in (0, 2)


def test_a_dry_run_names_a_finding_over_240_kb_as_the_real_run_would() -> None:
    hub = FakeHub()
    big = fx.model("m" * 250_000)
    report = fx.build_report(rules=(fx.KMS,), models={big: {K: F}},
                             violations=[fx.finding(big, fx.KMS)])
    result = publish_report(report, lambda _: FakeSession(hub), dry_run=True)
    assert [e.code for e in result.errors] == ["FindingTooLarge"]
    assert result.exit_code == 2
    assert hub.batches == []  # nothing sent
