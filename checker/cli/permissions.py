"""``permissions``: the least-privilege, read-only IAM policy a run needs."""

from __future__ import annotations

import json

import click

from checker.cli.app import cli
from checker.cli.inputs import load, read_variables
from checker.cli.options import debug_option, with_var_options
from checker.errors import UsageError
from checker.policy.loader import needed_enrichments
from checker.publish.securityhub import publish_permissions
from checker.sources.aws.organization import check_org_options
from checker.sources.aws.permissions import iam_policy


@cli.command()
@click.option("-p", "--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Policy file or directory, or builtin:NAME for a shipped policy "
                   "(repeatable; default ./policies).")
@click.option("--include-jobs", is_flag=True,
              help="Also the calls check --include-jobs makes.")
@click.option("--include-imported", is_flag=True,
              help="Also the calls check --include-imported makes (Custom Model Import).")
@click.option("--all-regions", is_flag=True,
              help="Also the call check --all-regions makes (which regions are enabled).")
@click.option("--events", is_flag=True,
              help="Also the calls the Lambda function (checker.aws_lambda) makes for "
                   "Bedrock events.")
@click.option("--organization", is_flag=True,
              help="Also what check --organization calls with the current credentials "
                   "(listing the accounts, assuming --role-name in each).")
@click.option("--ou", "ous", multiple=True, metavar="OU_ID",
              help="With --organization: the accounts are listed under OUs.")
@click.option("--role-name", metavar="NAME",
              help="With --organization: the role read in each member account.")
@click.option("--publish", is_flag=True,
              help="Instead, the policy `publish` needs to write findings to Security Hub "
                   "(for its own role, so the gate's role stays read-only).")
@with_var_options
@debug_option
def permissions(policy_paths: tuple[str, ...], include_jobs: bool, include_imported: bool,
                all_regions: bool, events: bool, organization: bool, ous: tuple[str, ...],
                role_name: str | None,
                publish: bool, var_items: tuple[str, ...], var_files: tuple[str, ...],
                debug: bool) -> None:
    """Print the least-privilege, read-only IAM policy the loaded policies need."""
    if publish:
        if include_jobs or include_imported or all_regions or events or policy_paths \
                or organization:
            raise UsageError("--publish prints the policy of `publish`, which reads no models: "
                             "leave out -p, --include-jobs, --include-imported, --events and "
                             "--organization")
        click.echo(json.dumps({"Version": "2012-10-17", "Statement": [publish_permissions()]},
                              indent=2))
        return
    if organization:
        check_org_options(role_name, ous, ())
    elif ous or role_name:
        raise UsageError("--ou and --role-name apply to --organization only")
    policies = load(policy_paths, read_variables(var_items, var_files))
    options = tuple(name for name, given in (("include_jobs", include_jobs),
                                             ("include_imported", include_imported),
                                             ("all_regions", all_regions),
                                             ("events", events)) if given)
    click.echo(json.dumps(iam_policy(needed_enrichments(policies), options,
                                     role_name=role_name if organization else None,
                                     ous=bool(ous)), indent=2))
