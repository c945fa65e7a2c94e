"""``--organization`` in-process against moto, where a fault must be injected: a member
account whose role cannot be assumed (moto's ``AssumeRole`` never refuses, so the refusal is
answered from a ``before-send`` hook as STS sends it), and assumed-role credentials that
expire during a run (botocore's clock is moved forward)."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.credentials import RefreshableCredentials

from checker.sources import aws
from checker.sources.aws.credentials import assumed_session
from tests.sources.aws.test_aws_fetch import (  # noqa: F401  (fixtures are used by name)
    ACCOUNT,
    Recorder,
    _Body,
    aws_env,
    moto,
    read_only_operations,
    seed_model,
)
from tests.support import run_main

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


# --- an estate read whole, or the run says so -------------------------------------------------

def _org_answer(request: Any, body: dict[str, Any]) -> AWSResponse:
    return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"},
                       _Body(json.dumps(body).encode()))


def _member(ident: str, name: str, state: str | None = "ACTIVE") -> dict[str, Any]:
    found: dict[str, Any] = {"Id": ident, "Name": name, "Email": f"{name}@example.com",
                             "Arn": f"arn:aws:organizations::{ACCOUNT}:account/o-x/{ident}"}
    if state is not None:
        found["State"] = state
    return found


def _listing(*accounts: dict[str, Any]) -> Any:
    """A fault answering ListAccounts (one page) with ``accounts``, as Organizations'
    JSON protocol does; every other call goes to moto."""
    def answer(operation: str, region: str, request: Any) -> AWSResponse | None:
        if operation != "ListAccounts":
            return None
        return _org_answer(request, {"Accounts": list(accounts)})
    return answer


def _check_org(capsys: pytest.CaptureFixture[str], tmp_path: Any, *extra: str) -> Any:
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: p\nrules:\n  - id: r\n    require: "
                      "{field: modelName, exists: true}\n")
    return run_main(capsys, "check", "-p", str(policy), "--region", "us-east-1",
                    "--organization", "--role-name", "audit", "-f", "json", *extra)


@pytest.mark.parametrize(("alpha", "code", "reason"), [
    ([_member("444455556666", "alpha", None)], "AccountStateUnknown",
     "listed without a State"),
    ([_member("444455556666", "alpha", "FROZEN")], "AccountStateUnknown",
     "listed with the state 'FROZEN', not one AWS Organizations gives"),
    # A duplicate listed as suspended first: which state holds is unknown.
    ([_member("444455556666", "alpha", "SUSPENDED"), _member("444455556666", "alpha")],
     "AccountStateConflict", "listed more than once, with different states (ACTIVE, "
                             "SUSPENDED)"),
])
def test_an_account_whose_state_is_not_known_is_an_error_and_the_others_are_judged(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any,
        alpha: list[dict[str, Any]], code: str, reason: str) -> None:
    organization()
    beta = "777788889999"
    seed_model("mgmt-model")
    seed_model("alpha-model", account="444455556666")
    seed_model("beta-model", account=beta)
    monkeypatch.setattr(aws, "default_session_factory", Recorder(faults=[_listing(
        _member(ACCOUNT, "mgmt"), *alpha, _member(beta, "beta"))]))
    result = _check_org(capsys, tmp_path)
    assert result.exit_code == 2, result.stderr
    report = json.loads(result.output)
    assert sorted(m["model_name"] for m in report["models"]) == ["beta-model", "mgmt-model"]
    errors = [(e["code"], e["account_id"], e["message"]) for e in report["errors"]]
    assert errors == [(code, "444455556666", f"account 444455556666 (alpha): {reason}: not "
                                             "read (no model of this account was judged)")]
    scan = report["scanned"]["organization"]["accounts"]
    assert scan["failed"] == ["444455556666"] and scan["skipped"] == []
    assert scan["read"] == sorted([ACCOUNT, beta])


@pytest.mark.parametrize("ident", [
    "".join(chr(0x0660 + int(d)) for d in "444455556666"),  # Arabic-Indic digits
    "".join(chr(0xFF10 + int(d)) for d in "444455556666"),  # fullwidth digits
    "444455556666\n"])
def test_an_account_id_is_exactly_12_ascii_digits(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any,
        ident: str) -> None:
    organization()
    monkeypatch.setattr(aws, "default_session_factory", Recorder(faults=[_listing(
        _member(ACCOUNT, "mgmt"), _member(ident, "alpha"))]))
    result = _check_org(capsys, tmp_path)
    assert (result.exit_code, result.output) == (2, ""), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "not a 12-digit account id" in result.stderr


OU_1, OU_2, OU_3 = "ou-abcd-11111111", "ou-abcd-22222222", "ou-abcd-33333333"


def _ous(children: dict[str, list[Any]], calls: list[str]) -> Any:
    """A fault answering the OU walk: ``children`` maps an OU to the ids listed under it;
    each holds one account (the management account's, so nothing needs a role)."""
    def answer(operation: str, region: str, request: Any) -> AWSResponse | None:
        if operation not in ("ListAccountsForParent", "ListOrganizationalUnitsForParent"):
            return None
        parent = json.loads(request.body)["ParentId"]
        calls.append(f"{operation} {parent}")
        if operation == "ListAccountsForParent":
            return _org_answer(request, {"Accounts": [_member(ACCOUNT, "mgmt")]})
        return _org_answer(request, {"OrganizationalUnits": [
            {"Id": child, "Name": str(child)} for child in children.get(parent, [])]})
    return answer


@pytest.mark.parametrize(("children", "expected"), [
    ({OU_1: [OU_2], OU_2: [OU_3], OU_3: [OU_1]},
     f"the OUs form a cycle ({OU_1} -> {OU_2} -> {OU_3} -> {OU_1})"),
    ({OU_1: [OU_1]}, f"the OUs form a cycle ({OU_1} -> {OU_1})"),
    ({OU_1: [None]}, "a child has the id 'None', not an organizational unit id"),
    ({OU_1: ["r-abcd"]}, "a child has the id 'r-abcd', not an organizational unit id"),
])
def test_an_ou_walk_that_cycles_or_lists_no_ou_is_an_error_at_once(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any,
        children: dict[str, list[Any]], expected: str) -> None:
    organization()
    calls: list[str] = []
    monkeypatch.setattr(aws, "default_session_factory",
                        Recorder(faults=[_ous(children, calls)]))
    result = _check_org(capsys, tmp_path, "--ou", OU_1, "--timeout", "600")
    assert (result.exit_code, result.output) == (2, ""), result.stderr
    assert len(result.stderr.splitlines()) == 1 and expected in result.stderr
    # Found when it happens: each OU listed once, not until the deadline.
    assert len(calls) == 2 * len(children)


def test_an_ou_tree_past_any_real_organization_is_an_error(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    from checker.sources.aws import organization as org_module
    monkeypatch.setattr(org_module, "MAX_OU_DEPTH", 4)
    organization()
    chain = [f"ou-abcd-{i:08d}" for i in range(1, 10)]
    calls: list[str] = []
    monkeypatch.setattr(aws, "default_session_factory", Recorder(faults=[_ous(
        {parent: [child] for parent, child in itertools.pairwise(chain)}, calls)]))
    result = _check_org(capsys, tmp_path, "--ou", chain[0])
    assert (result.exit_code, result.output) == (2, ""), result.stderr
    assert "more than 4 OUs deep" in result.stderr
    assert len(calls) == 2 * 5


def _broken(operation: str, kind: str) -> Any:
    """A fault breaking ``operation``'s listing: its list null, an HTML proxy page, or a
    second page that is HTML (the first page names one account, under NextToken p2)."""
    def answer(op: str, region: str, request: Any) -> AWSResponse | None:
        if op != operation:
            return None
        token = json.loads(request.body or b"{}").get("NextToken")
        member = "Accounts" if op != "ListOrganizationalUnitsForParent" else \
            "OrganizationalUnits"
        if kind == "html" or (kind == "page-2" and token is not None):
            return AWSResponse(request.url, 200, {"Content-Type": "text/html"},
                               _Body(b"<html><body>Proxy login</body></html>"))
        if kind == "null-list":
            return _org_answer(request, {member: None})
        items = [_member(ACCOUNT, "mgmt")] if member == "Accounts" else []
        return _org_answer(request, {member: items, "NextToken": "p2"})
    return answer


@pytest.mark.parametrize("kind", ["null-list", "html", "page-2"])
@pytest.mark.parametrize(("operation", "extra"), [
    ("ListAccounts", ()), ("ListAccountsForParent", ("--ou", OU_1)),
    ("ListOrganizationalUnitsForParent", ("--ou", OU_1))])
def test_a_broken_organizations_page_is_an_error_never_fewer_accounts(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any,
        operation: str, extra: tuple[str, ...], kind: str) -> None:
    organization()
    seed_model("mgmt-model")
    # The OU walk's other listing answers (one account, no child OU) where it is not broken.
    monkeypatch.setattr(aws, "default_session_factory",
                        Recorder(faults=[_broken(operation, kind), _ous({}, [])]))
    result = _check_org(capsys, tmp_path, *extra)
    assert (result.exit_code, result.output) == (2, ""), result.stderr
    (line,) = result.stderr.splitlines()
    assert f"cannot list the accounts of the AWS Organization: {operation}" in line
    assert ("is missing" if kind == "null-list" else "the body is not JSON") in line
