"""Reading what a command judges: policy variables, policies, and the models (files or live AWS)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from checker import TOOL_NAME, builtins
from checker.cli.options import DEFAULT_POLICY_PATH, LiveOptions, is_tty, print_warnings
from checker.cli.progress import ProgressLine
from checker.errors import CheckerError, PolicyError, Problem, UsageError
from checker.lang.variables import VariableError, load_var_file, parse_var_option, unused_overrides
from checker.policy.loader import (
    Policy,
    account_settings,
    load_policies,
    needed_enrichments,
    policy_files,
)
from checker.results import (
    SourceResult,
)
from checker.sources import aws
from checker.sources.aws import jobs, organization
from checker.sources.aws.clients import open_session
from checker.sources.files import document_files, load_documents


@dataclass(frozen=True)
class Variables:
    """Variable values from the command line, and where each came from."""

    values: dict[str, Any]
    from_option: frozenset[str]  # names given with --var (an unknown one is an error)


def read_variables(var_items: Sequence[str], var_files: Sequence[str]) -> Variables:
    """Merge --var-file files (in order) and then --var options."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for file in var_files:
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"--var-file {file}: cannot read: "
                             f"{getattr(exc, 'strerror', None) or exc}") from None
        found, file_problems = load_var_file(text, file)
        problems.extend(file_problems)
        values.update(found)
    if problems:
        raise PolicyError(problems)
    given: set[str] = set()
    for item in var_items:
        try:
            name, value = parse_var_option(item)
        except VariableError as exc:
            raise UsageError(str(exc)) from None
        values[name] = value
        given.add(name)
    return Variables(values, frozenset(given))


def check_unused_variables(variables: Variables, policies: Sequence[Policy]) -> list[str]:
    """Warnings for --var-file names no loaded policy declares; an error for such a --var."""
    declared = {name for policy in policies for name in policy.variables}
    errors = unused_overrides(sorted(variables.from_option), declared)
    if errors:
        raise UsageError("; ".join(f"{e} (given with --var)" for e in errors))
    file_only = sorted(set(variables.values) - variables.from_option)
    return [f"warning: {m} (given in a --var-file)"
            for m in unused_overrides(file_only, declared)]


def load_with_warnings(policy_paths: Sequence[str], variables: Variables | None = None,
                        *, lint: bool = False) -> tuple[list[Policy], list[str]]:
    """Load the policies; return them and the warnings to print."""
    variables = variables or Variables({}, frozenset())
    if not policy_paths and not Path(DEFAULT_POLICY_PATH).is_dir():
        raise UsageError(f"no policies: give -p PATH or -p builtin:NAME, a shipped policy (the "
                         f"default, ./{DEFAULT_POLICY_PATH}, is not a directory here)")
    policies, warnings = load_policies(list(policy_paths) or [DEFAULT_POLICY_PATH],
                                       variables.values, lint=lint)
    lines = [str(w) for w in warnings]
    lines.extend(check_unused_variables(variables, policies))
    return policies, lines


def load(policy_paths: Sequence[str], variables: Variables | None = None,
          quiet: bool = False) -> list[Policy]:
    policies, warnings = load_with_warnings(policy_paths, variables)
    if not quiet:
        print_warnings(warnings)
    return policies


def input_files(policy_paths: Sequence[str] | None,
                from_paths: Sequence[str] = ()) -> list[tuple[str, str | None]]:
    """The policy (None: no policies) and model files a run reads, as ``(option, file)``;
    a path that cannot be expanded is left for the reading to report."""
    found: list[tuple[str, str | None]] = []
    policies = [] if policy_paths is None else list(policy_paths) or [DEFAULT_POLICY_PATH]
    for option, paths, expand in (
            ("--policy", policies, policy_files),
            ("--from", list(from_paths), document_files)):
        for path in paths:
            try:
                found.extend((option, builtins.real_path(file)) for file in expand([path]))
            except CheckerError:
                continue
    return found


def progress_line(live: LiveOptions) -> ProgressLine | None:
    """A progress line on stderr, only for a person watching a terminal."""
    stream = sys.stderr
    if live.quiet or not is_tty(stream):
        return None
    return ProgressLine(stream)


def read_source(from_paths: Sequence[str], policies: Sequence[Policy],
                live: LiveOptions = LiveOptions(),
                needs: frozenset[str] | None = None) -> SourceResult:
    """Read the models: from files when --from is given, else from live AWS.

    ``needs`` names the added keys to fetch; by default those the policies refer to.
    """
    if from_paths:
        if live.given():
            raise UsageError(f"{', '.join(live.given())} read live AWS and cannot be combined "
                             "with --from")
        return load_documents(list(from_paths))
    accounts = live.accounts()
    org = None
    if live.organization:
        org = organization.discover_accounts(
            open_session(aws.default_session_factory, live.profile), role_name=live.role_name or "",
            ous=live.ous, exclude=live.exclude_accounts, external_id=live.external_id,
            profile=live.profile, max_attempts=live.max_attempts)
        accounts = list(org.specs)
    progress = progress_line(live)
    try:
        result = aws.fetch_models(
            aws.default_session_factory, profile=live.profile, regions=live.regions,
            model_ids=live.model_ids,
            needs=needed_enrichments(policies) if needs is None else needs,
            workers=live.workers, max_attempts=live.max_attempts, accounts=accounts,
            all_regions=live.all_regions, strict_regions=live.strict_regions,
            role_session_name=live.role_session_name,
            include_imported=live.include_imported,
            timeout=live.timeout, read_timeout=live.read_timeout,
            posture=account_settings(policies),
            progress=progress.update if progress is not None else None)
        return result if org is None else organization.with_organization(result, org)
    finally:
        if progress is not None:
            progress.clear()


def print_source_warnings(source: SourceResult, live: LiveOptions) -> None:
    """What the source skipped (a region not enabled, say), for commands whose output
    has no place for warnings; --quiet silences it."""
    if not live.quiet:
        for warning in source.warnings:
            click.echo(f"{TOOL_NAME}: warning: {warning.message}", err=True)


def with_jobs(source: SourceResult, policies: Sequence[Policy],
              live: LiveOptions) -> SourceResult:
    """The source plus the customization jobs still InProgress in the regions it read."""
    return jobs.with_live_jobs(source, aws.default_session_factory, profile=live.profile,
                               needs=needed_enrichments(policies),
                               max_attempts=live.max_attempts, read_timeout=live.read_timeout,
                               timeout=live.timeout)
