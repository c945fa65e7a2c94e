"""--organization answers that would leave an account silently out: an account whose id is
not 12 digits (or missing) is an error, never skipped without a word; an in-scope account
neither read nor named by an error becomes an error. Organizations is answered by botocore's
Stubber (the answers are hostile ones moto cannot give)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from checker.errors import SourceError
from checker.results import SourceResult
from checker.sources.aws import organization
from checker.sources.aws.organization import discover_accounts, with_organization

CALLER = "111122223333"
MEMBER = "444455556666"


class StubbedSession:
    region_name = "us-east-1"

    def __init__(self, accounts: list[dict[str, Any]] | None) -> None:
        plain = boto3.session.Session(region_name="us-east-1", aws_access_key_id="k",
                                      aws_secret_access_key="s")
        self.sts = plain.client("sts", region_name="us-east-1")
        self.orgs = plain.client("organizations", region_name="us-east-1")
        sts = Stubber(self.sts)
        sts.add_response("get_caller_identity", {
            "Account": CALLER, "Arn": f"arn:aws:iam::{CALLER}:user/ci", "UserId": "AIDA"})
        sts.activate()
        if accounts is not None:
            orgs = Stubber(self.orgs)
            orgs.add_response("list_accounts", {"Accounts": accounts}, {"MaxResults": 20})
            orgs.activate()

    def client(self, service: str, **_: Any) -> Any:
        return self.sts if service == "sts" else self.orgs


def account(ident: str | None, state: str = "ACTIVE") -> dict[str, Any]:
    found: dict[str, Any] = {"Name": f"n-{ident}", "State": state,
                             "Arn": f"arn:aws:organizations::{CALLER}:account/o-abcdefghij/{ident}"}
    if ident is not None:
        found["Id"] = ident
    return found


@pytest.mark.parametrize("ident", ["12345", None, "44445555666a"])
def test_an_account_with_no_12_digit_id_is_an_error_not_left_out(ident: str | None) -> None:
    session = StubbedSession([account(MEMBER), account(ident)])
    with pytest.raises(SourceError) as info:
        discover_accounts(session, role_name="audit")
    message = str(info.value)
    assert "\n" not in message
    assert "ListAccounts" in message and "12-digit" in message


def test_well_formed_accounts_are_all_in_scope() -> None:
    found = discover_accounts(StubbedSession([account(MEMBER), account(CALLER)]),
                              role_name="audit")
    assert found.in_scope == (CALLER, MEMBER)


def test_an_account_in_scope_not_read_and_named_by_no_error_is_an_error() -> None:
    org = organization.OrganizationAccounts(
        id="o-abcdefghij", ous=(), caller=CALLER, in_scope=(CALLER, MEMBER), specs=(),
        skipped=(), warnings=())
    result = with_organization(SourceResult(models=(), sources=("aws",), accounts=(CALLER,),
                                            regions=("us-east-1",)), org)
    assert result.organization is not None
    assert result.organization.failed == (MEMBER,)
    assert [(e.code, e.account_id) for e in result.errors] == [("AccountNotRead", MEMBER)]


class OuSession(StubbedSession):
    def __init__(self, by_ou: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__(None)
        orgs = Stubber(self.orgs)
        for ou, accounts in by_ou.items():
            orgs.add_response("list_accounts_for_parent", {"Accounts": accounts},
                              {"ParentId": ou, "MaxResults": 20})
            orgs.add_response("list_organizational_units_for_parent",
                              {"OrganizationalUnits": []}, {"ParentId": ou, "MaxResults": 20})
        orgs.activate()


def test_an_ou_with_no_account_is_said_when_another_ou_has_some() -> None:
    full, empty = "ou-abcd-11111111", "ou-abcd-22222222"
    found = discover_accounts(OuSession({full: [account(MEMBER)], empty: []}),
                              role_name="audit", ous=[full, empty])
    assert found.in_scope == (MEMBER,)
    assert [(w.code, w.message) for w in found.warnings] == [
        ("ou-empty", f"--ou {empty}: no account is under this organizational unit (nor under "
                     "its child OUs): nothing read there")]


def test_every_ou_empty_is_an_error() -> None:
    with pytest.raises(SourceError, match="listed no account under"):
        discover_accounts(OuSession({"ou-abcd-11111111": []}), role_name="audit",
                          ous=["ou-abcd-11111111"])
