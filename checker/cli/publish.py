"""``publish``: import a JSON report's findings into AWS Security Hub (the one command that
writes to AWS; ``check`` and the rest stay read-only)."""

from __future__ import annotations

import sys

import click

from checker.cli.app import cli
from checker.cli.options import LiveOptions, debug_option, org_options
from checker.errors import InputError
from checker.publish import publish_report
from checker.reports.json_reader import read_report
from checker.sources.aws import DEFAULT_MAX_ATTEMPTS, default_session_factory, organization
from checker.sources.aws.accounts import DEFAULT_ROLE_SESSION_NAME
from checker.sources.aws.clients import open_session
from checker.sources.files import read_data


@cli.command()
@click.argument("report_path", metavar="REPORT.json")
@click.option("--profile", metavar="PROFILE", help="AWS profile to use.")
@click.option("--assume-role", "assume_roles", multiple=True, metavar="ROLE_ARN",
              help="Write the findings of the role's account through this role (repeatable).")
@click.option("--external-id", metavar="ID", help="External id for --assume-role/--accounts.")
@click.option("--role-session-name", default=DEFAULT_ROLE_SESSION_NAME, show_default=True,
              help="Session name of the assumed roles.")
@click.option("--accounts", "accounts_file", metavar="FILE",
              help="YAML list of accounts (role_arn or profile), as for check.")
@org_options[0]
@org_options[1]
@org_options[2]
@org_options[3]
@click.option("--resolve-missing/--no-resolve-missing", default=True, show_default=True,
              help="Archive this tool's findings that no longer hold (passes, and models or "
                   "rules gone) in each account and region the report read completely.")
@click.option("--max-attempts", type=click.IntRange(min=1), default=DEFAULT_MAX_ATTEMPTS,
              show_default=True, help="Calls per request at most, the first included.")
@click.option("--dry-run", is_flag=True,
              help="Read the hub and print, per account and region, what would be imported, "
                   "updated, reopened and archived; write nothing.")
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@debug_option
def publish(report_path: str, profile: str | None, assume_roles: tuple[str, ...],
            external_id: str | None, role_session_name: str, accounts_file: str | None,
            organization: bool, ous: tuple[str, ...], role_name: str | None,
            exclude_accounts: tuple[str, ...], resolve_missing: bool, max_attempts: int,
            dry_run: bool, quiet: bool, debug: bool) -> None:
    """Import the findings of a JSON report into AWS Security Hub.

    Each finding goes to its own account and region (the current account only, unless
    --assume-role, --accounts or --organization name others). The report file is checked
    against the JSON report's schema and for consistency before anything is read or
    written. Exit 0 when every finding was imported (with --dry-run: would be), 2 when any
    could not be (each is named on stderr).
    """
    live = LiveOptions(profile=profile, assume_roles=assume_roles, external_id=external_id,
                       role_session_name=role_session_name, accounts_file=accounts_file,
                       organization=organization, ous=ous, role_name=role_name,
                       exclude_accounts=exclude_accounts, max_attempts=max_attempts)
    # The report first: a file that is not one fails before any AWS call.
    data = read_data(report_path, json_only=True)
    if not isinstance(data, dict):
        raise InputError(f"{report_path}: not a bedrock-drift JSON report")
    report = read_report(data, report_path)
    accounts = live.accounts()
    if organization:
        # The same accounts check --organization reads: each member through --role-name,
        # the calling account with its own credentials.
        org = organization_accounts(live)
        accounts = list(org.specs)
    result = publish_report(report, default_session_factory, profile=profile, accounts=accounts,
                            resolve_missing=resolve_missing,
                            role_session_name=role_session_name, max_attempts=max_attempts,
                            dry_run=dry_run)
    for error in result.errors:
        click.echo(f"bedrock-drift: error: {error}", err=True)
    if dry_run:
        # The plan is the output of a dry run: on stdout, even with --quiet.
        for plan in result.plans:
            click.echo(plan.line(dry_run=True))
    elif not quiet:
        for plan in result.plans:
            click.echo(plan.line(dry_run=False), err=True)
    if not quiet:
        calls = ", ".join(f"{name} {count}" for name, count in sorted(result.calls.items()))
        verb = "Dry run (nothing written)" if dry_run else "Published to Security Hub"
        click.echo(f"{verb} in {len(result.pairs)} account-region pairs: "
                   f"{result.imported} imported, {result.unchanged} unchanged, "
                   f"{result.archived} archived, {len(result.errors)} errors, "
                   f"{result.workflow_updates} workflow updates"
                   + (f" (calls: {calls})" if calls else "") + ".", err=True)
    sys.exit(result.exit_code)


def organization_accounts(live: LiveOptions) -> organization.OrganizationAccounts:
    return organization.discover_accounts(
        open_session(default_session_factory, live.profile), role_name=live.role_name or "",
        ous=live.ous, exclude=live.exclude_accounts, external_id=live.external_id,
        profile=live.profile, max_attempts=live.max_attempts)
