"""The accounts of an AWS Organization (``--organization``): which to read, and through what.

Reads only ``organizations:ListAccounts`` (or, with ``--ou``,
``ListOrganizationalUnitsForParent`` and ``ListAccountsForParent``, under each OU
recursively) and ``sts:GetCallerIdentity``, with the current credentials: the management
account's or a delegated administrator's.

Every ACTIVE account in scope becomes an :class:`AccountSpec` read through the role
``arn:<partition>:iam::<account>:role/<--role-name>``, except the calling account itself,
which is read with the current credentials (a service-managed StackSet never deploys to the
management account, so the role is usually not there). Accounts that are not ACTIVE, and
those given with ``--exclude-account``, are left out with a warning naming each.

Fails closed: an organization that cannot be listed (not the management account or a
delegated administrator, no permission, no organization), an empty account list, or an
``--ou`` that does not exist raise :class:`SourceError`; nothing is ever "0 accounts, pass".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from checker import INFORMATION_URI
from checker.errors import SourceError, UsageError
from checker.results import OrganizationScan, ReportError, ReportWarning, SourceResult
from checker.sources.aws.accounts import AccountSpec
from checker.sources.aws.clients import client_config
from checker.sources.aws.deadlines import Deadlines, bound_client
from checker.sources.aws.errors import error_code, error_message
from checker.sources.aws.paging import list_pages
from checker.sources.aws.responses import MalformedResponse, check_response

# Exactly 12 ASCII digits (\d would take any script's digits, $ a trailing newline).
ACCOUNT_ID = re.compile(r"\A[0-9]{12}\Z")
# An organizational unit (ou-xxxx-yyyyyyyy) or the root (r-xxxx), as Organizations spells them.
OU_ID = re.compile(r"\A(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})\Z")
# IAM role names (and paths): letters, digits and +=,.@_- , up to 64 characters for the name.
ROLE_NAME = re.compile(r"^([\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
ORG_ID = re.compile(r":account/(o-[a-z0-9]{10,32})/")
ACTIVE = "ACTIVE"
# The states Organizations gives an account (botocore's AccountState enum, and AccountStatus
# of the older Status member): only ACTIVE is read, the others are left out with a warning.
# A state that is missing or not one of these is an error: the account is neither read nor
# knowingly left out.
NOT_ACTIVE = frozenset({"PENDING_ACTIVATION", "SUSPENDED", "PENDING_CLOSURE", "CLOSED"})
# OUs nest at most 5 levels under the root, and an organization holds at most 2,000 of them
# (AWS Organizations quotas); far past both, the walk stops with an error.
MAX_OU_DEPTH = 32
MAX_OUS = 20_000
# Organizations is a global service; its endpoint lives in this region of each partition.
HOME_REGION = {"aws": "us-east-1", "aws-cn": "cn-northwest-1", "aws-us-gov": "us-gov-west-1"}


@dataclass(frozen=True)
class OrganizationAccounts:
    """What ``--organization`` resolved to."""

    id: str | None
    ous: tuple[str, ...]
    caller: str
    # The ACTIVE accounts in scope, excluded ones left out: each is read or an error.
    in_scope: tuple[str, ...]
    specs: tuple[AccountSpec, ...]
    skipped: tuple[str, ...]
    warnings: tuple[ReportWarning, ...]
    # Accounts in scope that cannot be read because their listing is not to be trusted (a
    # missing, unknown or conflicting state): each an error of the run.
    errors: tuple[ReportError, ...] = ()


def check_org_options(role_name: str | None, ous: Sequence[str],
                      exclude: Sequence[str]) -> None:
    """Refuse malformed --role-name, --ou and --exclude-account values (no AWS call)."""
    if not role_name:
        raise UsageError("--organization needs --role-name NAME: the role each member "
                         f"account is read through (a StackSet that creates it: "
                         f"{INFORMATION_URI}/blob/main/examples/aws/audit-role-stackset.yaml)")
    if not ROLE_NAME.match(role_name) or role_name.startswith("arn:"):
        raise UsageError(f"--role-name: {role_name!r} is not an IAM role name (the name, not "
                         "the ARN: letters, digits and +=,.@_-)")
    for ou in ous:
        if not OU_ID.match(ou):
            raise UsageError(f"--ou: {ou!r} is not an organizational unit id (ou-xxxx-xxxxxxxx) "
                             "or a root id (r-xxxx)")
    for account in exclude:
        if not ACCOUNT_ID.match(account):
            raise UsageError(f"--exclude-account: {account!r} is not a 12-digit account id")


def discover_accounts(session: Any, *, role_name: str, ous: Sequence[str] = (),
                      exclude: Sequence[str] = (), external_id: str | None = None,
                      profile: str | None = None, max_attempts: int = 10,
                      timeout: float | None = None) -> OrganizationAccounts:
    """The accounts to read, listed with ``session``'s credentials; :class:`SourceError`
    when the organization cannot be listed or yields no account. ``timeout`` (seconds)
    bounds every request of the listing, as ``--timeout`` bounds the read."""
    check_org_options(role_name, ous, exclude)
    config = client_config(max_attempts)
    deadlines = Deadlines.start(connect_timeout=5, read_timeout=30, run_seconds=timeout)
    caller, partition = _caller(session, config, deadlines)
    client = _client(session, "organizations", HOME_REGION.get(partition, "us-east-1"), config,
                     deadlines)
    ous = tuple(dict.fromkeys(ous))
    listed: list[dict[str, Any]] = []
    empty: list[str] = []  # --ou values under which no account is, recursively
    for ou in ous:
        under = list(_accounts_under(client, [ou]))
        listed.extend(under)
        if not under:
            empty.append(ou)
    if not ous:
        listed = list(_all_accounts(client))
    if not listed:
        where = f"under {', '.join(ous)}" if ous else "in the organization"
        raise SourceError(f"AWS Organizations listed no account {where}: nothing to read "
                          "(is the caller's account in an organization?)")
    org_id = next((m.group(1) for a in listed if (m := ORG_ID.search(str(a.get("Arn", ""))))),
                  None)
    excluded = set(exclude)
    warnings = [ReportWarning("ou-empty", f"--ou {ou}: no account is under this organizational "
                                          "unit (nor under its child OUs): nothing read there")
                for ou in empty]
    specs: list[AccountSpec] = []
    in_scope: list[str] = []
    skipped: list[str] = []
    errors: list[ReportError] = []
    states = _states(listed)
    seen: set[str] = set()
    for account in sorted(listed, key=lambda a: str(a.get("Id"))):
        ident = str(account.get("Id"))
        if ident in seen:
            continue
        seen.add(ident)
        label = f"account {ident}" + (f" ({_clean(account['Name'])})" if account.get("Name")
                                      else "")
        state = states[ident]
        if ident in excluded:
            skipped.append(ident)
            warnings.append(ReportWarning("account-excluded",
                                          f"{label}: left out (--exclude-account)"))
            continue
        if isinstance(state, tuple):
            # Neither read nor knowingly left out: an error, and the account failed.
            in_scope.append(ident)
            errors.append(ReportError(code=state[0], account_id=ident,
                                      message=f"{label}: {state[1]}: not read (no model of "
                                              "this account was judged)"))
            continue
        if state != ACTIVE:
            skipped.append(ident)
            warnings.append(ReportWarning("account-not-active",
                                          f"{label}: skipped: its state is {state}, not ACTIVE"))
            continue
        in_scope.append(ident)
        if ident == caller:
            # The calling account: its own credentials (see the module docstring).
            specs.append(AccountSpec(profile=profile))
        else:
            specs.append(AccountSpec(
                role_arn=f"arn:{partition}:iam::{ident}:role/{role_name}",
                external_id=external_id))
    for ident in sorted(excluded - seen):
        warnings.append(ReportWarning("account-excluded",
                                      f"account {ident}: --exclude-account names an account "
                                      "that is not in scope"))
    if not specs:
        if errors:
            raise SourceError(f"cannot list the accounts of the AWS Organization: "
                              f"{errors[0].message}")
        raise SourceError(f"no ACTIVE account left to read of the {len(seen)} listed "
                          "(every one is excluded or not ACTIVE)")
    return OrganizationAccounts(id=org_id, ous=ous, caller=caller, in_scope=tuple(in_scope),
                                specs=tuple(specs), skipped=tuple(skipped),
                                warnings=tuple(warnings), errors=tuple(errors))


def _clean(value: Any) -> str:
    return " ".join(str(value).split())[:64]


def _states(listed: Sequence[Any]) -> dict[str, str | tuple[str, str]]:
    """Each listed account's state, or the (code, reason) that makes it unknown: missing,
    not one Organizations gives, or listed twice with different states. An id that is not 12
    ASCII digits raises: the tool cannot even name that account."""
    found: dict[str, set[str | None]] = {}
    for account in listed:
        ident = account.get("Id") if isinstance(account, dict) else None
        if not isinstance(ident, str) or not ACCOUNT_ID.match(ident):
            # An account the tool cannot name is never left out without a word.
            raise SourceError(f"cannot list the accounts of the AWS Organization: an account "
                              f"({_name_of(account)}) has the id {str(ident)[:40]!r}, not a "
                              "12-digit account id (ListAccounts or ListAccountsForParent)")
        state = account.get("State") or account.get("Status")
        found.setdefault(ident, set()).add(state if isinstance(state, str) else None)
    result: dict[str, str | tuple[str, str]] = {}
    for ident, seen in found.items():
        if len(seen) > 1:
            shown = ", ".join(sorted(str(s) for s in seen))
            result[ident] = ("AccountStateConflict",
                             f"listed more than once, with different states ({shown})")
        elif None in seen:
            result[ident] = ("AccountStateUnknown", "listed without a State")
        else:
            (state,) = seen
            assert state is not None
            if state == ACTIVE or state in NOT_ACTIVE:
                result[ident] = state
            else:
                result[ident] = ("AccountStateUnknown",
                                 f"listed with the state {_clean(state)[:40]!r}, not one AWS "
                                 "Organizations gives")
    return result


def _name_of(account: Any) -> str:
    name = account.get("Name") if isinstance(account, dict) else None
    return f"named {' '.join(str(name).split())[:64]!r}" if name else "without a name"


def _client(session: Any, service: str, region: str, config: Config,
            deadlines: Deadlines) -> Any:
    try:
        client = session.client(service, region_name=region, config=config)
    except (BotoCoreError, ValueError) as exc:
        raise SourceError(f"cannot make an AWS {service} client: {exc}") from None
    # As every client of a run: answers checked against botocore's shape, and each request
    # answered completely within its deadline (see responses.py, deadlines.py).
    client.meta.events.register("before-parse", check_response)
    bound_client(client, deadlines)
    return client


def _caller(session: Any, config: Config, deadlines: Deadlines) -> tuple[str, str]:
    """The calling account's id and partition (sts:GetCallerIdentity)."""
    sts = _client(session, "sts", session.region_name or "us-east-1", config, deadlines)
    try:
        identity = sts.get_caller_identity()
    except (ClientError, BotoCoreError) as exc:
        raise SourceError(f"cannot identify the caller: GetCallerIdentity: {error_code(exc)}: "
                          f"{error_message(exc)}") from None
    arn = str(identity.get("Arn", ""))
    partition = arn.split(":")[1] if arn.count(":") >= 2 else "aws"
    return str(identity["Account"]), partition or "aws"


def _failed(api: str, exc: Exception, what: str) -> SourceError:
    code = error_code(exc)
    hint = {
        "AWSOrganizationsNotInUseException": "the caller's account is not in an organization",
        "AccessDeniedException": "run with the management account's credentials or a "
                                 "delegated administrator's, allowed organizations:" + api,
        "ParentNotFoundException": f"{what} does not exist in this organization",
    }.get(code, "")
    where = f"{api} {what}" if what else api
    return SourceError(f"cannot list the accounts of the AWS Organization: {where}: "
                       f"{code}: {error_message(exc)}" + (f" ({hint})" if hint else ""))


# The largest page Organizations gives, and a bound far past any organization (100,000
# accounts or OUs under one parent): a token that cycles or never ends is an error.
ORG_PAGE_SIZE = 20
ORG_MAX_PAGES = 5000


def _pages(client: Any, method: str, key: str, api: str, what: str,
           **params: Any) -> Iterator[dict[str, Any]]:
    try:
        for page in list_pages(client, method, token_key="NextToken", size_key="MaxResults",
                               page_size=ORG_PAGE_SIZE, max_pages=ORG_MAX_PAGES, **params):
            items = page.get(key)
            if not isinstance(items, list):
                raise MalformedResponse(f"{key} is {'missing' if items is None else 'not a list'}")
            yield from items
    except (ClientError, BotoCoreError) as exc:
        raise _failed(api, exc, what) from None


def _all_accounts(client: Any) -> Iterator[dict[str, Any]]:
    return _pages(client, "list_accounts", "Accounts", "ListAccounts", "")


def _accounts_under(client: Any, ous: Sequence[str]) -> Iterator[dict[str, Any]]:
    """The accounts under each OU and, recursively, its child OUs. An OU listed under one
    of its own descendants (a cycle), a child that is not an OU id, nesting deeper than
    :data:`MAX_OU_DEPTH` or more than :data:`MAX_OUS` OUs raise :class:`SourceError` at
    once, not at the run's deadline."""
    for ou in ous:
        pending: list[tuple[str, tuple[str, ...]]] = [(ou, ())]
        walked = 0
        while pending:
            parent, above = pending.pop()
            walked += 1
            what = f"--ou {ou}" if parent == ou else f"OU {parent} (under --ou {ou})"
            yield from _pages(client, "list_accounts_for_parent", "Accounts",
                              "ListAccountsForParent", what, ParentId=parent)
            path = (*above, parent)
            for child in _pages(client, "list_organizational_units_for_parent",
                                "OrganizationalUnits", "ListOrganizationalUnitsForParent",
                                what, ParentId=parent):
                ident = child.get("Id") if isinstance(child, dict) else None
                pending.append((_child_ou(ident, path, what), path))
            if len(path) > MAX_OU_DEPTH or walked + len(pending) > MAX_OUS:
                raise SourceError(
                    f"cannot list the accounts of the AWS Organization: "
                    f"ListOrganizationalUnitsForParent {what}: more than "
                    f"{MAX_OU_DEPTH if len(path) > MAX_OU_DEPTH else MAX_OUS:,} OUs "
                    f"{'deep' if len(path) > MAX_OU_DEPTH else 'under it'}, far past AWS "
                    "Organizations' quotas: the listing is not to be trusted")


def _child_ou(ident: Any, path: tuple[str, ...], what: str) -> str:
    """A child OU's id, checked: an OU id, and not one of the OUs above it (a cycle)."""
    api = f"ListOrganizationalUnitsForParent {what}"
    if not isinstance(ident, str) or not OU_ID.match(ident) or ident.startswith("r-"):
        raise SourceError(f"cannot list the accounts of the AWS Organization: {api}: a child "
                          f"has the id {str(ident)[:60]!r}, not an organizational unit id")
    if ident in path:
        cycle = " -> ".join((*path[path.index(ident):], ident))
        raise SourceError(f"cannot list the accounts of the AWS Organization: {api}: the OUs "
                          f"form a cycle ({cycle}): an OU cannot be under itself")
    return ident


def with_organization(result: SourceResult, org: OrganizationAccounts) -> SourceResult:
    """The fetch result with the organization's scan and the skipped accounts' warnings.

    An account failed when it could not be opened (an error about the account as a whole)
    or when none of its regions was read."""
    opened_not = {e.account_id for e in result.errors
                  if e.account_id and e.region is None and e.model_arn is None
                  and e.model_name is None and e.rule is None}
    read = tuple(a for a in org.in_scope if a in set(result.accounts) and a not in opened_not)
    failed = tuple(a for a in org.in_scope if a not in set(read))
    scan = OrganizationScan(id=org.id, ous=org.ous, read=read, skipped=org.skipped,
                            failed=failed)
    # A failed account is an error even when no error of the read names it (every region
    # skipped, say): an account in scope that was not judged never passes.
    named = {e.account_id for e in (*org.errors, *result.errors)}
    unexplained = tuple(ReportError(
        code="AccountNotRead", account_id=account,
        message=f"{account}: no region of this account was read (no model of this account "
                "was judged)") for account in failed if account not in named)
    return replace(result, organization=scan, warnings=(*org.warnings, *result.warnings),
                   errors=(*org.errors, *result.errors, *unexplained))
