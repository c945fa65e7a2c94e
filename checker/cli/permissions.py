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
from checker.sources.aws.permissions import iam_policy


@cli.command()
@click.option("-p", "--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Policy file or directory (repeatable; default ./policies).")
@click.option("--include-jobs", is_flag=True,
              help="Also the calls check --include-jobs makes.")
@click.option("--include-imported", is_flag=True,
              help="Also the calls check --include-imported makes (Custom Model Import).")
@click.option("--publish", is_flag=True,
              help="Instead, the policy `publish` needs to write findings to Security Hub "
                   "(for its own role, so the gate's role stays read-only).")
@with_var_options
@debug_option
def permissions(policy_paths: tuple[str, ...], include_jobs: bool, include_imported: bool,
                publish: bool, var_items: tuple[str, ...], var_files: tuple[str, ...],
                debug: bool) -> None:
    """Print the least-privilege, read-only IAM policy the loaded policies need."""
    if publish:
        if include_jobs or include_imported or policy_paths:
            raise UsageError("--publish prints the policy of `publish`, which reads no models: "
                             "leave out -p, --include-jobs and --include-imported")
        click.echo(json.dumps({"Version": "2012-10-17", "Statement": [publish_permissions()]},
                              indent=2))
        return
    policies = load(policy_paths, read_variables(var_items, var_files))
    options = tuple(name for name, given in (("include_jobs", include_jobs),
                                             ("include_imported", include_imported)) if given)
    click.echo(json.dumps(iam_policy(needed_enrichments(policies), options), indent=2))
