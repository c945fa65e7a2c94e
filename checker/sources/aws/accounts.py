"""Which AWS accounts to read: roles to assume, profiles, and the accounts file.

The accounts file (``--accounts FILE``) is a YAML list, one entry per account::

    - role_arn: arn:aws:iam::111122223333:role/bedrock-drift-audit
      external_id: nightly-audit        # optional; default --external-id
      regions: [us-east-1, eu-west-1]   # optional; default --region / --all-regions
    - profile: ml-sandbox               # a profile of ~/.aws/config instead of a role

Nothing here talks to AWS; problems in the file are reported as ``FILE:LINE:COL: message``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.errors import PolicyError, UsageError
from checker.lang.context import LoadContext, type_name
from checker.lang.yaml import load_yaml_file

ACCOUNT_KEYS = ("role_arn", "profile", "regions", "external_id")
DEFAULT_ROLE_SESSION_NAME = "bedrock-drift"

ROLE_ARN = re.compile(r"\Aarn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|"
                      r"aws-eusc):iam::([0-9]{12}):role/[\w+=,.@/-]{1,512}\Z", re.ASCII)
# Region names as AWS spells them (us-east-1, us-gov-west-1, eusc-de-east-1, ...).
REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
# STS: ExternalId is 2 to 1,224 characters of [\w+=,.@:/-]; so is RoleSessionName, to 64.
EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")


@dataclass(frozen=True)
class AccountSpec:
    """One account to read: through a role to assume, a named profile, or neither (the
    default credentials). ``regions`` empty means the run's regions."""

    role_arn: str | None = None
    profile: str | None = None
    regions: tuple[str, ...] = ()
    external_id: str | None = None

    @property
    def account_id(self) -> str | None:
        """The account id, when the role ARN names it (a profile's is looked up)."""
        match = ROLE_ARN.match(self.role_arn or "")
        return match.group(2) if match else None

    @property
    def partition(self) -> str:
        match = ROLE_ARN.match(self.role_arn or "")
        return match.group(1) if match else "aws"


@dataclass
class Account:
    """One account being read: its credentials, regions and how far it got."""

    index: int
    spec: AccountSpec
    session: Any
    regions: list[str]
    all_regions: bool
    account_id: str | None
    # Shown before the region in messages; None for the default credentials' account,
    # whose id is not looked up (its messages start with the region, as in one-account runs).
    label: str | None
    # How the account is opened: "role" (AssumeRole), "profile" (its id looked up with
    # GetCallerIdentity) or "session" (the default credentials, nothing to do).
    opener: str = "session"
    # --model runs: the regions a model name is looked up in.
    name_regions: list[str] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)
    # An assumed role's credentials (botocore's RefreshableCredentials): its requests go
    # through the clients the run's assumed-role accounts share, signed with these.
    signer: Any = None
    regions_read: set[str] = field(default_factory=set)
    regions_skipped: set[str] = field(default_factory=set)
    # --all-regions: each region's opt-in status as EC2 DescribeRegions gives it (None: not
    # asked, or it could not say).
    opt_in: dict[str, str] | None = None
    listings_left: dict[str, int] = field(default_factory=dict)
    failed: bool = False

    def where(self, region: str) -> str:
        return region if self.label is None else f"{self.label}/{region}"


def role_arn_problem(value: str) -> str | None:
    """Why ``value`` is not an IAM role ARN, or None."""
    if ROLE_ARN.match(value):
        return None
    return (f"{value!r} is not an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>)")


def external_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an STS external id, or None."""
    if EXTERNAL_ID.match(value):
        return None
    return (f"{value!r} is not a valid external id (2 to 1,224 characters: letters, digits "
            "and _+=,.@:/-)")


def session_name_problem(value: str) -> str | None:
    """Why ``value`` cannot be an STS role session name, or None."""
    if SESSION_NAME.match(value):
        return None
    return (f"{value!r} is not a valid role session name (2 to 64 characters: letters, "
            "digits and _+=,.@-)")


def load_accounts_file(path: str, *, external_id: str | None = None) -> list[AccountSpec]:
    """The accounts of an accounts file; :class:`PolicyError` lists every problem found.

    ``external_id`` is the default for role entries that give none (``--external-id``).
    """
    located = load_yaml_file(path, "the accounts file")
    ctx = LoadContext(located)
    accounts = _compile(located.data, ctx, external_id)
    if ctx.problems:
        raise PolicyError(ctx.problems)
    return accounts


def _compile(raw: Any, ctx: LoadContext, default_external_id: str | None) -> list[AccountSpec]:
    if not isinstance(raw, list):
        ctx.error((), "an accounts file must be a list of accounts (each with role_arn or "
                      f"profile), not {type_name(raw)}")
        return []
    if not raw:
        ctx.error((), "the accounts file lists no account")
        return []
    accounts: list[AccountSpec] = []
    seen: dict[tuple[str | None, str | None], int] = {}
    for index, entry in enumerate(raw):
        spec = _compile_entry(entry, (index,), ctx, default_external_id)
        if spec is None:
            continue
        key = (spec.role_arn, spec.profile)
        if key in seen:
            line = ctx.located.where((seen[key],))[0]
            ctx.error((index,), f"account {spec.role_arn or spec.profile!r} is listed twice "
                                f"(first at line {line}): its models would be judged twice")
            continue
        seen[key] = index
        accounts.append(spec)
    return accounts


def _compile_entry(entry: Any, path: tuple[int], ctx: LoadContext,
                   default_external_id: str | None) -> AccountSpec | None:
    if not isinstance(entry, dict):
        ctx.error(path, f"an account must be a mapping with role_arn or profile, not "
                        f"{type_name(entry)}")
        return None
    before = len(ctx.problems)
    ctx.unknown_keys(entry, path, ACCOUNT_KEYS, "an account")
    role_arn = _string(entry, "role_arn", path, ctx)
    profile = _string(entry, "profile", path, ctx)
    external_id = _string(entry, "external_id", path, ctx)
    if role_arn is not None and (problem := role_arn_problem(role_arn)):
        ctx.error((*path, "role_arn"), problem)
    if external_id is not None and (problem := external_id_problem(external_id)):
        ctx.error((*path, "external_id"), problem)
    if ("role_arn" in entry) == ("profile" in entry):
        ctx.error(path, "an account needs exactly one of 'role_arn' (a role to assume) or "
                        "'profile' (a profile of the AWS config)")
    elif "profile" in entry and "external_id" in entry:
        ctx.error((*path, "external_id"), "'external_id' applies to 'role_arn' accounts only",
                  key=True)
    regions = _regions(entry, path, ctx)
    if len(ctx.problems) > before:
        return None
    return AccountSpec(role_arn=role_arn, profile=profile, regions=regions,
                       external_id=external_id if external_id is not None
                       else (default_external_id if role_arn is not None else None))


def _string(entry: dict[str, Any], key: str, path: tuple[int], ctx: LoadContext) -> str | None:
    if key not in entry:
        return None
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        ctx.error((*path, key), f"'{key}' must be a non-empty string, not {type_name(value)}")
        return None
    return value


def _regions(entry: dict[str, Any], path: tuple[int], ctx: LoadContext) -> tuple[str, ...]:
    if "regions" not in entry:
        return ()
    value = entry["regions"]
    if not isinstance(value, list) or not value:
        ctx.error((*path, "regions"), "'regions' must be a non-empty list of region names "
                                      f"(or left out), not {type_name(value)}")
        return ()
    regions: list[str] = []
    for i, region in enumerate(value):
        if not isinstance(region, str) or not REGION.match(region):
            shown = repr(region) if isinstance(region, str) else type_name(region)
            ctx.error((*path, "regions", i), f"{shown} is not a region name (e.g. us-east-1)")
            continue
        regions.append(region)
    return tuple(dict.fromkeys(regions))


def accounts_from_roles(role_arns: Sequence[str], external_id: str | None) -> list[AccountSpec]:
    """``--assume-role`` values as accounts; raise :class:`UsageError` for a bad ARN."""
    accounts: list[AccountSpec] = []
    for arn in dict.fromkeys(role_arns):
        problem = role_arn_problem(arn)
        if problem is not None:
            raise UsageError(f"--assume-role: {problem}")
        accounts.append(AccountSpec(role_arn=arn, external_id=external_id))
    return accounts
