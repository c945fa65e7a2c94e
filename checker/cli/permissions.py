"""``permissions``: the least-privilege, read-only IAM policy a run needs."""

from __future__ import annotations

import json

import click

from checker.cli.app import cli
from checker.cli.inputs import load, read_variables
from checker.cli.options import debug_option, with_var_options
from checker.policy.loader import needed_enrichments
from checker.sources.aws.permissions import iam_policy


@cli.command()
@click.option("-p", "--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Policy file or directory (repeatable; default ./policies).")
@click.option("--include-jobs", is_flag=True,
              help="Also the calls check --include-jobs makes.")
@click.option("--include-imported", is_flag=True,
              help="Also the calls check --include-imported makes (Custom Model Import).")
@click.option("--events", is_flag=True,
              help="Also the calls the Lambda function (checker.aws_lambda) makes for "
                   "Bedrock events.")
@with_var_options
@debug_option
def permissions(policy_paths: tuple[str, ...], include_jobs: bool, include_imported: bool,
                events: bool, var_items: tuple[str, ...], var_files: tuple[str, ...],
                debug: bool) -> None:
    """Print the least-privilege, read-only IAM policy the loaded policies need."""
    policies = load(policy_paths, read_variables(var_items, var_files))
    options = tuple(name for name, given in (("include_jobs", include_jobs),
                                             ("include_imported", include_imported),
                                             ("events", events)) if given)
    click.echo(json.dumps(iam_policy(needed_enrichments(policies), options), indent=2))
