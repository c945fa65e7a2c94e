"""Accounts and regions: which regions each account of a run is read in, and where STS is
called for it. (:class:`Account`, an account being read, lives in ``accounts``.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from botocore.exceptions import (
    BotoCoreError,
)

from checker.documents import parse_arn
from checker.errors import SourceError
from checker.sources.aws.accounts import Account
from checker.sources.aws.clients import SERVICE

if TYPE_CHECKING:  # boto3-stubs (the test extras)
    from boto3.session import Session


def sts_region(base: Account, account: Account) -> str:
    """Where to call STS: the session's region, else one of the account's regions."""
    return base.session.region_name or (account.regions[0] if account.regions else "us-east-1")


def available_regions(session: Session, partition: str) -> list[str]:
    """The regions where botocore's endpoint data offers Bedrock, in that partition."""
    try:
        return list(session.get_available_regions(SERVICE, partition_name=partition))
    except (BotoCoreError, ValueError):
        return []


def partition_of(session: Session) -> str:
    """The partition of the session's region (aws-us-gov for us-gov-west-1, say), else aws."""
    region = session.region_name
    try:
        return str(session.get_partition_for_region(region)) if region else "aws"
    except (BotoCoreError, ValueError):
        return "aws"


def name_regions(model_ids: Sequence[str], name_regions: list[str]) -> list[str]:
    """The regions --model names are looked up in; raise if a name has none."""
    for ident in model_ids:
        parts = parse_arn(ident)
        if (parts is None or not parts[2]) and not name_regions:
            raise SourceError(
                f"no AWS region for model {ident!r}: pass --region, set AWS_REGION, or give "
                "the model's ARN"
            )
    return name_regions


def set_regions(account: Account, regions: Sequence[str], all_regions: bool,
                 model_ids: Sequence[str]) -> None:
    """Decide the regions one account is read in (and, for --model, where names are
    looked up); raise :class:`SourceError` when there is none."""
    spec = account.spec
    default_region: str | None = account.session.region_name
    if spec.regions:
        chosen = list(spec.regions)
    elif all_regions:
        partition = spec.partition if spec.role_arn else partition_of(account.session)
        chosen = available_regions(account.session, partition)
        if not chosen:
            raise SourceError(f"botocore lists no region offering Bedrock in partition "
                              f"{partition!r}")
        account.all_regions = True
    elif model_ids:
        chosen = list(regions) or ([default_region] if default_region else [])
    elif regions:
        chosen = list(regions)
    elif default_region:
        chosen = [default_region]
    else:
        raise SourceError("no AWS region: pass --region, set AWS_REGION, or set a region in "
                          "the profile")
    if not model_ids:
        account.regions = chosen
        return
    account.name_regions = name_regions(model_ids, chosen)
    # The regions of a --model run, in the order the models name them.
    wanted: list[str] = []
    for ident in model_ids:
        parts = parse_arn(ident)
        wanted.extend([parts[2]] if parts is not None and parts[2] else chosen)
    account.regions = list(dict.fromkeys(wanted))



__all__ = ["Account", "available_regions", "name_regions", "partition_of", "set_regions",
           "sts_region"]
