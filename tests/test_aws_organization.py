"""``--organization`` in-process against moto, where a fault must be injected: a member
account whose role cannot be assumed (moto's ``AssumeRole`` never refuses, so the refusal is
answered from a ``before-send`` hook as STS sends it), and assumed-role credentials that
expire during a run (botocore's clock is moved forward)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.credentials import RefreshableCredentials

from checker.sources import aws
from checker.sources.aws.credentials import assumed_session
from tests.conftest import run_main
from tests.test_aws_fetch import (  # noqa: F401  (fixtures are used by name)
    ACCOUNT,
    Recorder,
    _Body,
    aws_env,
    moto,
    read_only_operations,
    seed_model,
)

pytestmark = pytest.mark.usefixtures("moto")


def sts_denied(url: str, role: str) -> AWSResponse:
    """AssumeRole refused, as STS's query protocol answers it."""
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>"
            f"User: arn:aws:iam::{ACCOUNT}:user/ci is not authorized to perform: "
            f"sts:AssumeRole on resource: {role}</Message></Error></ErrorResponse>").encode()
    return AWSResponse(url, 403, {"Content-Type": "text/xml"}, _Body(body))


def organization(*names: str) -> dict[str, str]:
    orgs = boto3.client("organizations", region_name="us-east-1")
    orgs.create_organization(FeatureSet="ALL")
    return {name: orgs.create_account(Email=f"{name}@example.com", AccountName=name)
            ["CreateAccountStatus"]["AccountId"] for name in names}


def test_a_role_that_cannot_be_assumed_fails_its_account_only(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Any) -> None:
    accounts = organization("alpha", "locked")
    for name, account in accounts.items():
        seed_model(f"{name}-model", account=account)
    seed_model("mgmt-model")
    locked_role = f"arn:aws:iam::{accounts['locked']}:role/audit"

    def refuse(operation: str, region: str, request: Any) -> AWSResponse | None:
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body)
        if operation == "AssumeRole" and accounts["locked"] in body:
            return sts_denied(request.url, locked_role)
        return None

    recorder = Recorder(faults=[refuse])
    monkeypatch.setattr(aws, "default_session_factory", recorder)
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\nrules:\n  - id: r\n    require: "
                      "{field: modelName, exists: true}\n")
    result = run_main(capsys, "check", "-p", str(policy), "-f", "json", "--region",
                      "us-east-1", "--organization", "--role-name", "audit")
    assert result.exit_code == 2, result.stderr
    report = json.loads(result.output)
    assert sorted(m["model_name"] for m in report["models"]) == ["alpha-model", "mgmt-model"]
    assert all(m["result"] == "pass" for m in report["models"])
    (error,) = report["errors"]
    assert error["code"] == "AccessDenied"
    assert error["account_id"] == accounts["locked"]
    assert error["message"].startswith(f"{accounts['locked']}: AssumeRole {locked_role}: "
                                       "AccessDenied:")
    assert error["message"].endswith("(no model of this account was read)")
    org = report["scanned"]["organization"]["accounts"]
    assert org == {"read": sorted([ACCOUNT, accounts["alpha"]]), "skipped": [],
                   "failed": [accounts["locked"]]}
    assert report["summary"]["result"] == "error"


def test_a_caller_that_may_not_list_the_organization(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Any) -> None:
    organization("alpha")

    def refuse(operation: str, region: str, request: Any) -> AWSResponse | None:
        if operation != "ListAccounts":
            return None
        body = json.dumps({"__type": "AccessDeniedException",
                           "Message": "You don't have permissions to access this resource."})
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.1"},
                           _Body(body.encode()))

    monkeypatch.setattr(aws, "default_session_factory", Recorder(faults=[refuse]))
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\nrules:\n  - id: r\n    require: "
                      "{field: modelName, exists: true}\n")
    result = run_main(capsys, "check", "-p", str(policy), "--region", "us-east-1",
                      "--organization", "--role-name", "audit")
    assert result.exit_code == 2
    assert result.output == ""
    assert result.stderr.splitlines() == [
        "bedrock-drift: error: cannot list the accounts of the AWS Organization: ListAccounts"
        ": AccessDeniedException: You don't have permissions to access this resource. (run "
        "with the management account's credentials or a delegated administrator's, allowed "
        "organizations:ListAccounts)"]


def test_assumed_credentials_are_renewed_before_they_expire(
        monkeypatch: pytest.MonkeyPatch) -> None:
    member = "444455556666"
    seed_model("member-model", account=member)
    recorder = Recorder()
    base = recorder(None)
    sts = base.client("sts", region_name="us-east-1")
    role = f"arn:aws:iam::{member}:role/audit"

    def assume() -> Any:
        return sts.assume_role(RoleArn=role, RoleSessionName="test")["Credentials"]

    session = assumed_session(base, assume(), assume)
    credentials = session.get_credentials()
    assert isinstance(credentials, RefreshableCredentials)
    bedrock = session.client("bedrock", region_name="us-east-1")
    first_key = credentials.get_frozen_credentials().access_key
    assert [m["modelName"] for m in bedrock.list_custom_models()["modelSummaries"]] == [
        "member-model"]
    assert recorder.calls["AssumeRole"] == 1
    # An hour later (the lifetime STS gives by default) the run goes on.
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    # (botocore reads its clock through the credentials' time fetcher, fixed when made.)
    monkeypatch.setattr(credentials, "_time_fetcher", lambda: later)
    assert [m["modelName"] for m in bedrock.list_custom_models()["modelSummaries"]] == [
        "member-model"]
    assert recorder.calls["AssumeRole"] == 2
    assert credentials.get_frozen_credentials().access_key != first_key
    # The account's session shares the base session's hooks: its calls were recorded.
    assert recorder.calls["ListCustomModels"] == 2


@pytest.mark.parametrize(("pages", "expected"), [
    # A NextToken that comes back: the listing would never end.
    ([("t1", 1), ("t2", 1), ("t1", 1)],
     "ListAccounts: EndlessListing: NextToken 't1' came back after 3 pages"),
    # A page without its Accounts list: not "no accounts".
    ([(None, None)], "ListAccounts: MalformedResponse: Accounts is missing"),
])
def test_an_organization_listing_that_cannot_end_or_be_read_is_an_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any,
        pages: list[tuple[str | None, int | None]], expected: str) -> None:
    """The Organizations listing is paged as the models' is: each token once, a bound on
    pages, every page checked; a page botocore cannot see through is an error (exit 2)."""
    ids = organization("alpha")
    answers = iter(pages)

    def answer(operation: str, region: str, request: Any) -> AWSResponse | None:
        if operation != "ListAccounts":
            return None
        token, count = next(answers)
        body: dict[str, Any] = {} if count is None else {"Accounts": [
            {"Id": ids["alpha"], "Name": "alpha", "Status": "ACTIVE", "State": "ACTIVE",
             "Arn": f"arn:aws:organizations::{ACCOUNT}:account/o-x/{ids['alpha']}",
             "Email": "alpha@example.com"}] * count}
        if token is not None:
            body["NextToken"] = token
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                           _Body(json.dumps(body).encode()))

    monkeypatch.setattr(aws, "default_session_factory", Recorder(faults=[answer]))
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\nrules:\n  - id: r\n    require: "
                      "{field: modelName, exists: true}\n")
    result = run_main(capsys, "check", "-p", str(policy), "--region", "us-east-1",
                      "--organization", "--role-name", "audit")
    assert result.exit_code == 2, result.stderr
    assert result.output == ""
    assert len(result.stderr.splitlines()) == 1
    assert expected in result.stderr
