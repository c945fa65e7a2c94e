"""The least-privilege, read-only IAM policy that a set of loaded policies needs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from checker.enrichments import ENRICHMENTS

# Always: list the models, read each one.
BASE_ACTIONS = ("bedrock:ListCustomModels", "bedrock:GetCustomModel")
# Only when a loaded rule or scope reads the added key (or needs a hint of it, like
# ``deployments.details``): from the enrichments' records.
ENRICHMENT_ACTIONS: dict[str, tuple[str, ...]] = {
    name: actions
    for e in ENRICHMENTS if e.actions
    for name, actions in ((e.key, e.actions), *e.hints)}
# Only with the options that read more than custom models.
OPTION_ACTIONS = {
    "include_jobs": ("bedrock:ListModelCustomizationJobs", "bedrock:GetModelCustomizationJob"),
    "include_imported": ("bedrock:ListImportedModels", "bedrock:GetImportedModel"),
    # The Lambda function reads a job to find its output model (and, with include_jobs,
    # to judge a job that has not completed).
    "events": ("bedrock:GetModelCustomizationJob",),
    # --all-regions asks EC2 which regions are enabled for the account (without it, a region
    # is taken as not enabled only when it answers so).
    "all_regions": ("ec2:DescribeRegions",),
}
READ_ONLY_PREFIXES = ("List", "Get", "Describe")


def required_actions(needs: Iterable[str], options: Iterable[str] = ()) -> list[str]:
    """The IAM actions a run needs, sorted; every one is a List, Get or Describe call."""
    actions = set(BASE_ACTIONS)
    for key in needs:
        # A model rule's ``account.KEY`` needs what an account rule's ``KEY`` does.
        actions.update(ENRICHMENT_ACTIONS.get(key.removeprefix("account."), ()))
    for option in options:
        actions.update(OPTION_ACTIONS[option])
    assert all(a.split(":", 1)[1].startswith(READ_ONLY_PREFIXES) for a in actions)
    return sorted(actions)


def organization_actions(ous: bool) -> list[str]:
    """What --organization calls with the current credentials: the accounts of the whole
    organization, or (--ou) those under some OUs, recursively."""
    if ous:
        return ["organizations:ListAccountsForParent",
                "organizations:ListOrganizationalUnitsForParent"]
    return ["organizations:ListAccounts"]


def iam_policy(needs: Iterable[str], options: Iterable[str] = (), *,
               role_name: str | None = None, ous: bool = False) -> dict[str, Any]:
    """An IAM policy document granting exactly those actions.

    With ``role_name`` (``--organization``) a second statement is for the calling account
    only: listing the organization's accounts and assuming the role in each; the first
    statement is what that role (and the calling account) needs in every account.
    """
    statements: list[dict[str, Any]] = [{
        "Sid": "BedrockDriftReadOnly",
        "Effect": "Allow",
        "Action": required_actions(needs, options),
        "Resource": "*",
    }]
    if role_name is not None:
        statements.append({
            "Sid": "BedrockDriftOrganization",
            "Effect": "Allow",
            "Action": organization_actions(ous),
            "Resource": "*",
        })
        statements.append({
            "Sid": "BedrockDriftAssumeAuditRole",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Resource": f"arn:*:iam::*:role/{role_name}",
        })
    return {"Version": "2012-10-17", "Statement": statements}
