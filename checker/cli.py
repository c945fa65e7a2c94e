"""The command line. All I/O and exit codes live here; the work is done by the pure core."""

from __future__ import annotations

import functools
import gc
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from checker import TOOL_NAME, __version__
from checker.baseline import apply_baseline, apply_strict_waivers
from checker.diff import diff_models, render_plan_json, render_plan_text
from checker.engine import evaluate, select_rules, utc_now
from checker.errors import CheckerError, InputError, PolicyError, Problem, UsageError
from checker.merge import merge_reports, report_from_dict
from checker.permissions import iam_policy
from checker.policy import Policy, load_policies, needed_enrichments
from checker.policytest import RENDERERS as TEST_RENDERERS
from checker.policytest import (
    compile_test_file,
    find_test_files,
    render_text,
    run_suite,
)
from checker.policytest import exit_code as test_exit_code
from checker.progress import ProgressLine
from checker.reports import RENDERERS, render
from checker.reports.atomic import write_atomic
from checker.results import (
    SEVERITIES,
    ModelInput,
    Report,
    ReportError,
    ReportWarning,
    Scanned,
)
from checker.ruledocs import describe as describe_rules
from checker.ruledocs import markdown_reference
from checker.schema import policy_schema
from checker.snapshot import build_snapshot, render_snapshot
from checker.sources import SourceResult, aws, jobs
from checker.sources.aws_accounts import (
    DEFAULT_ROLE_SESSION_NAME,
    AccountSpec,
    accounts_from_roles,
    external_id_problem,
    load_accounts_file,
    session_name_problem,
)
from checker.sources.files import convert, load_documents, read_data
from checker.variables import VariableError, load_var_file, parse_var_option, unused_overrides
from checker.waiver_file import load_waiver_file

DEFAULT_POLICY_PATH = "policies"


def _debug_requested(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("BEDROCK_DRIFT_DEBUG") == "1"


_LOCATED = re.compile(r"^\S+:\d+:\d+: ")


def _fail(lines: Sequence[str], code: int = 2) -> NoReturn:
    for line in lines:
        # A located problem (FILE:LINE:COL: message) stands bare, as a compiler prints it.
        click.echo(line if _LOCATED.match(line) else f"{TOOL_NAME}: error: {line}", err=True)
    sys.exit(code)


def _use_color(stream: Any) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _write_output(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_atomic(output, text)
    except OSError as exc:
        raise CheckerError(f"{output}: cannot write the report: {exc.strerror or exc}") \
            from None


def _parse_report_option(ctx: click.Context, param: click.Parameter,
                         values: tuple[str, ...]) -> list[tuple[str, str]]:
    """``--report FORMAT:FILE`` values as (format, file) pairs."""
    pairs = []
    for value in values:
        fmt, sep, file = value.partition(":")
        if not sep or not file:
            raise click.BadParameter(f"{value!r}: expected FORMAT:FILE, e.g. "
                                     "sarif:out/results.sarif")
        if fmt not in RENDERERS:
            raise click.BadParameter(f"{value!r}: unknown format {fmt!r} (one of "
                                     f"{', '.join(RENDERERS)})")
        pairs.append((fmt, file))
    return pairs


def _read_baseline(path: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: the baseline is not a JSON report: {exc}") from None


def _print_warnings(problems: Sequence[Any]) -> None:
    for problem in problems:
        click.echo(str(problem), err=True)


debug_option = click.option("--debug", is_flag=True, hidden=False,
                            help="Show a traceback for unexpected errors.")


@click.group(context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
@click.version_option(__version__, prog_name=TOOL_NAME)
@debug_option
def cli(debug: bool) -> None:
    """Policy engine and drift checker for Amazon Bedrock custom models.

    Exit codes: 0 every model was read and judged and nothing failed; 1 a violation at or
    above --fail-on; 2 the run cannot be trusted (bad usage, a policy or input error, or
    anything that could not be read or judged).
    """


var_options = [
    click.option("--var", "var_items", multiple=True, metavar="NAME=VALUE",
                 help="Set a policy variable (a string; repeatable; wins over --var-file)."),
    click.option("--var-file", "var_files", multiple=True, metavar="FILE",
                 help="YAML mapping of policy variables (repeatable; later files win)."),
]


def with_var_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The --var and --var-file options, shared by every command that loads policies."""
    for option in reversed(var_options):
        command = option(command)
    return command


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


def _load_with_warnings(policy_paths: Sequence[str], variables: Variables | None = None,
                        *, lint: bool = False) -> tuple[list[Policy], list[str]]:
    """Load the policies; return them and the warnings to print."""
    variables = variables or Variables({}, frozenset())
    if not policy_paths and not Path(DEFAULT_POLICY_PATH).is_dir():
        raise UsageError(f"no policies: give -p PATH (the default, ./{DEFAULT_POLICY_PATH}, is "
                         "not a directory here)")
    policies, warnings = load_policies(list(policy_paths) or [DEFAULT_POLICY_PATH],
                                       variables.values, lint=lint)
    lines = [str(w) for w in warnings]
    lines.extend(check_unused_variables(variables, policies))
    return policies, lines


def _load(policy_paths: Sequence[str], variables: Variables | None = None,
          quiet: bool = False) -> list[Policy]:
    policies, warnings = _load_with_warnings(policy_paths, variables)
    if not quiet:
        _print_warnings(warnings)
    return policies


@dataclass(frozen=True)
class LiveOptions:
    """Where and how to read live AWS (ignored when models come from --from)."""

    regions: tuple[str, ...] = ()
    profile: str | None = None
    model_ids: tuple[str, ...] = ()
    workers: int = aws.DEFAULT_WORKERS
    max_attempts: int = aws.DEFAULT_MAX_ATTEMPTS
    all_regions: bool = False
    strict_regions: bool = False
    assume_roles: tuple[str, ...] = ()
    external_id: str | None = None
    role_session_name: str = DEFAULT_ROLE_SESSION_NAME
    accounts_file: str | None = None
    include_imported: bool = False
    quiet: bool = False

    def given(self) -> list[str]:
        """The live-AWS options set on the command line, by name."""
        return [name for name, value in (
            ("--region", self.regions), ("--profile", self.profile),
            ("--model", self.model_ids), ("--all-regions", self.all_regions),
            ("--strict-regions", self.strict_regions), ("--assume-role", self.assume_roles),
            ("--external-id", self.external_id),
            ("--role-session-name", self.role_session_name != DEFAULT_ROLE_SESSION_NAME),
            ("--accounts", self.accounts_file),
            ("--include-imported", self.include_imported)) if value]

    def accounts(self) -> list[AccountSpec]:
        """The accounts to read (none: the credentials' own account); UsageError for
        options that do not fit together, PolicyError for a bad accounts file."""
        if self.all_regions and self.regions:
            raise UsageError("--all-regions reads every Bedrock region: leave out --region")
        if self.strict_regions and not self.all_regions:
            raise UsageError("--strict-regions applies to --all-regions only")
        if self.assume_roles and self.accounts_file:
            raise UsageError("give the roles either with --assume-role or in --accounts, "
                             "not both")
        roles = self.assume_roles or self.accounts_file
        if not roles and (self.external_id is not None
                          or self.role_session_name != DEFAULT_ROLE_SESSION_NAME):
            raise UsageError("--external-id and --role-session-name apply to --assume-role "
                             "and --accounts only")
        if self.external_id is not None and (problem := external_id_problem(self.external_id)):
            raise UsageError(f"--external-id: {problem}")
        if problem := session_name_problem(self.role_session_name):
            raise UsageError(f"--role-session-name: {problem}")
        if self.accounts_file:
            return load_accounts_file(self.accounts_file, external_id=self.external_id)
        return accounts_from_roles(self.assume_roles, self.external_id)


LIVE_OPTION_NAMES = tuple(LiveOptions.__dataclass_fields__)


def live_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of the live AWS source, shared by every command that reads it; the
    command receives them as one ``live: LiveOptions`` argument."""

    @functools.wraps(command)
    def with_live(*args: Any, **kwargs: Any) -> Any:
        live = LiveOptions(**{name: kwargs.pop(name) for name in LIVE_OPTION_NAMES})
        return command(*args, live=live, **kwargs)

    wrapped: Callable[..., Any] = with_live
    for option in reversed((
        click.option("--region", "regions", multiple=True, metavar="REGION",
                     help="AWS region to read (repeatable; default: the profile's region)."),
        click.option("--profile", metavar="PROFILE", help="AWS profile to use."),
        click.option("--model", "model_ids", multiple=True, metavar="NAME|ARN",
                     help="Read only this custom model (repeatable); a missing one is an "
                     "error."),
        click.option("--workers", type=click.IntRange(min=1), default=aws.DEFAULT_WORKERS,
                     show_default=True, help="AWS requests in flight at once."),
        click.option("--max-attempts", type=click.IntRange(min=1),
                     default=aws.DEFAULT_MAX_ATTEMPTS, show_default=True,
                     help="Attempts per AWS request (adaptive retry mode)."),
        click.option("--all-regions", is_flag=True,
                     help="Read every region where Bedrock is offered; regions not enabled "
                     "for the account are skipped with a warning."),
        click.option("--strict-regions", is_flag=True,
                     help="With --all-regions: a region not enabled is an error (exit 2)."),
        click.option("--assume-role", "assume_roles", multiple=True, metavar="ROLE_ARN",
                     help="Read the account of this role, assumed with the current "
                     "credentials (repeatable: one account each)."),
        click.option("--external-id", metavar="ID",
                     help="External id for --assume-role (and --accounts roles without one)."),
        click.option("--role-session-name", default=DEFAULT_ROLE_SESSION_NAME,
                     show_default=True, metavar="NAME",
                     help="Session name of the assumed roles (shows in CloudTrail)."),
        click.option("--accounts", "accounts_file", metavar="FILE",
                     help="YAML list of accounts to read (role_arn or profile, optional "
                     "regions and external_id)."),
        click.option("--include-imported", is_flag=True,
                     help="Also judge Custom Model Import models (kind imported)."),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress line and no warnings on stderr."),
    )):
        wrapped = option(wrapped)
    return wrapped


def _progress_line(live: LiveOptions) -> ProgressLine | None:
    """A progress line on stderr, only for a person watching a terminal."""
    stream = sys.stderr
    if live.quiet or not _is_tty(stream):
        return None
    return ProgressLine(stream)


def _is_tty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


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
    progress = _progress_line(live)
    try:
        return aws.fetch_models(
            aws.default_session_factory, profile=live.profile, regions=live.regions,
            model_ids=live.model_ids,
            needs=needed_enrichments(policies) if needs is None else needs,
            workers=live.workers, max_attempts=live.max_attempts, accounts=accounts,
            all_regions=live.all_regions, strict_regions=live.strict_regions,
            role_session_name=live.role_session_name,
            include_imported=live.include_imported,
            progress=progress.update if progress is not None else None)
    finally:
        if progress is not None:
            progress.clear()


def _print_source_warnings(source: SourceResult, live: LiveOptions) -> None:
    """What the source skipped (a region not enabled, say), for commands whose output
    has no place for warnings; --quiet silences it."""
    if not live.quiet:
        for warning in source.warnings:
            click.echo(f"{TOOL_NAME}: warning: {warning.message}", err=True)


def with_jobs(source: SourceResult, policies: Sequence[Policy],
              live: LiveOptions) -> SourceResult:
    """The source plus the customization jobs still InProgress in the regions it read."""
    existing = frozenset(arn for m in source.models
                         if isinstance(arn := m.document.get("modelArn"), str))
    found = jobs.fetch_live_jobs(aws.default_session_factory, profile=live.profile,
                                 regions=source.regions, needs=needed_enrichments(policies),
                                 skip_models=existing, max_attempts=live.max_attempts)
    return SourceResult(models=(*source.models, *found.models),
                        errors=(*source.errors, *found.errors), sources=source.sources,
                        accounts=tuple(sorted({*source.accounts, *found.accounts})),
                        regions=source.regions, warnings=source.warnings)


def run_check(policies: Sequence[Policy], source: SourceResult, fail_on: str,
              extra_warnings: Sequence[ReportWarning] = (),
              now: datetime | None = None, min_models: int = 0) -> Report:
    """Judge what a source read; the report. Fewer models than ``min_models`` is an error
    (a wrong region or account often reads none)."""
    scanned = Scanned(sources=source.sources, accounts=source.accounts, regions=source.regions)
    extra_warnings = (*source.warnings, *extra_warnings)
    errors = list(source.errors)
    if len(source.models) < min_models:
        errors.append(ReportError(
            code="TooFewModels",
            message=f"{len(source.models)} models read, fewer than --min-models {min_models}: "
                    "check the regions, accounts or --from paths"))
    return evaluate(policies, source.models, scanned=scanned, source_errors=errors,
                    extra_warnings=extra_warnings, fail_on=fail_on, now=now)


@cli.command()
@click.option("-p", "--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Policy file or directory (repeatable; default ./policies).")
@click.option("--from", "from_paths", multiple=True, metavar="FILE|DIR",
              help="Read model documents from files instead of AWS (repeatable).")
@live_options
@click.option("--rule", "rules", multiple=True, metavar="ID",
              help="Run only rules whose policy/rule id matches this glob (repeatable).")
@click.option("--skip-rule", "skip_rules", multiple=True, metavar="ID",
              help="Skip rules whose policy/rule id matches this glob (repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="Report format on stdout (or -o).")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT:FILE",
              callback=_parse_report_option,
              help="Also write a report in FORMAT to FILE (repeatable; folders are created).")
@click.option("--min-models", type=click.IntRange(min=0), default=0, metavar="N",
              help="Fewer than N models read is an error (exit 2).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="info", show_default=True,
              help="Lowest severity whose violations make the exit code 1.")
@click.option("--baseline", "baseline_path", metavar="REPORT.json",
              help="A JSON report of an earlier run: its violations are marked known and "
                   "only new ones decide the exit code.")
@click.option("--waivers", "waivers_path", metavar="FILE",
              help="A YAML file of waivers (rules as policy/rule ids), kept apart from the "
                   "policies.")
@click.option("--strict-waivers", is_flag=True,
              help="Expired waivers and waivers that match nothing are errors (exit 2).")
@click.option("--include-jobs", is_flag=True,
              help="Also judge customization jobs still InProgress, as the models they will "
                   "produce (live AWS only).")
@with_var_options
@debug_option
def check(policy_paths: tuple[str, ...], from_paths: tuple[str, ...], rules: tuple[str, ...],
          skip_rules: tuple[str, ...], fmt: str, output: str | None,
          reports: list[tuple[str, str]], min_models: int, fail_on: str,
          baseline_path: str | None, waivers_path: str | None, strict_waivers: bool,
          include_jobs: bool, var_items: tuple[str, ...], var_files: tuple[str, ...],
          debug: bool, live: LiveOptions) -> None:
    """Judge every model against the policies and report what drifted."""
    targets = [os.path.realpath(file) for _, file in reports]
    if output is not None:
        targets.append(os.path.realpath(output))
    if len(set(targets)) != len(targets):
        raise UsageError("two reports (-o, --report) would be written to the same file")
    loaded = _load(policy_paths, read_variables(var_items, var_files), quiet=live.quiet)
    if waivers_path is not None:
        loaded = load_waiver_file(waivers_path, loaded)
    policies = select_rules(loaded, rules, skip_rules)
    if not policies:
        raise UsageError("no rules left to run after --rule/--skip-rule")
    # Read the baseline before any model, so a bad path fails fast.
    baseline = _read_baseline(baseline_path) if baseline_path is not None else None
    if include_jobs and (from_paths or live.model_ids):
        raise UsageError("--include-jobs reads every in-flight job of the regions from live "
                         "AWS; it cannot be combined with --from or --model")
    if include_jobs and (live.assume_roles or live.accounts_file):
        raise UsageError("--include-jobs reads the jobs of the credentials' own account "
                         "only; it cannot be combined with --assume-role or --accounts")
    source = read_source(from_paths, policies, live)
    # The models stay alive for the whole run: keep the collector from walking them again
    # and again while the report's many small objects are made.
    gc.freeze()
    if include_jobs:
        source = with_jobs(source, policies, live)
    report = run_check(policies, source, fail_on, min_models=min_models)
    if baseline is not None:
        report = apply_baseline(report, baseline)
    if strict_waivers:
        report = apply_strict_waivers(report)
    for report_fmt, file in reports:
        _write_output(render(report, report_fmt), file)
    color = fmt == "text" and output is None and _use_color(sys.stdout)
    _write_output(render(report, fmt, color=color), output)
    sys.exit(report.exit_code)


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@with_var_options
@debug_option
def validate(paths: tuple[str, ...], var_items: tuple[str, ...], var_files: tuple[str, ...],
             debug: bool) -> None:
    """Check policy files without reading any model: exit 0 if they are valid, else 2.

    Also runs cheap lints, printed as warnings: globs that cannot match any KMS key or Lambda
    ARN, base-model globs that match no known foundation model, a rule `when` that repeats the
    policy scope.
    """
    policies, warnings = _load_with_warnings(paths, read_variables(var_items, var_files),
                                             lint=True)
    for warning in warnings:
        click.echo(warning)
    rules = sum(len(p.rules) for p in policies)
    needs = sorted(needed_enrichments(policies))
    extra = f"; fetches {', '.join(needs)}" if needs else ""
    click.echo(f"{len(policies)} {'policy' if len(policies) == 1 else 'policies'} valid "
               f"({rules} rules{extra})")


@cli.command()
@click.option("-p", "--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Policy file or directory (repeatable; default ./policies).")
@click.option("--include-jobs", is_flag=True,
              help="Also the calls check --include-jobs makes.")
@click.option("--include-imported", is_flag=True,
              help="Also the calls check --include-imported makes (Custom Model Import).")
@with_var_options
@debug_option
def permissions(policy_paths: tuple[str, ...], include_jobs: bool, include_imported: bool,
                var_items: tuple[str, ...], var_files: tuple[str, ...], debug: bool) -> None:
    """Print the least-privilege, read-only IAM policy the loaded policies need."""
    policies = _load(policy_paths, read_variables(var_items, var_files))
    options = tuple(name for name, given in (("include_jobs", include_jobs),
                                             ("include_imported", include_imported)) if given)
    click.echo(json.dumps(iam_policy(needed_enrichments(policies), options), indent=2))


@cli.command()
@click.argument("reports", nargs=-1, required=True, metavar="REPORT.json...")
@click.option("-f", "--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="Format of the combined report.")
@click.option("-o", "--output", metavar="FILE", help="Write the combined report to FILE.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Gate of the combined result (default: the reports' own, if they agree).")
@debug_option
def merge(reports: tuple[str, ...], fmt: str, output: str | None, fail_on: str | None,
          debug: bool) -> None:
    """Combine JSON reports of sharded runs into one report, with its exit code."""
    loaded = [report_from_dict(read_data(path, json_only=True), path) for path in reports]
    report = merge_reports(loaded, fail_on=fail_on, now=utc_now())
    color = fmt == "text" and output is None and _use_color(sys.stdout)
    _write_output(render(report, fmt, color=color), output)
    sys.exit(report.exit_code)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True)
@click.option("-f", "--format", "fmt", type=click.Choice(list(TEST_RENDERERS)), default="text",
              show_default=True, help="Output format on stdout (or -o).")
@click.option("-o", "--output", metavar="FILE", help="Write the results to FILE.")
@click.option("-q", "--quiet", is_flag=True, help="Text output: show failed expectations only.")
@with_var_options
@debug_option
def test_command(paths: tuple[str, ...], fmt: str, output: str | None, quiet: bool,
                 var_items: tuple[str, ...], var_files: tuple[str, ...], debug: bool) -> None:
    """Run policy unit tests: *_test.yaml files (a directory means every one in it).

    Exit codes: 0 every expectation held; 1 one did not; 2 a malformed test file or policy.
    """
    variables = read_variables(var_items, var_files)
    suites = []
    problems: list[Problem] = []
    for file in find_test_files(paths):
        try:
            text = Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CheckerError(f"{file}: cannot read: "
                               f"{getattr(exc, 'strerror', None) or exc}") from None
        try:
            suites.append(compile_test_file(text, file, variables.values))
        except PolicyError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicyError(problems)
    policies = [p for suite in suites for p in suite.policies]
    _print_warnings(check_unused_variables(variables, policies))
    results = [run_suite(suite) for suite in suites]
    text = render_text(results, verbose=not quiet) if fmt == "text" \
        else TEST_RENDERERS[fmt](results)
    _write_output(text, output)
    sys.exit(test_exit_code(results))


@cli.command()
@click.argument("name", required=False, metavar="[KIND|OPERATOR]")
@click.option("--markdown", is_flag=True, help="Print the whole reference as Markdown.")
@debug_option
def rules(name: str | None, markdown: bool, debug: bool) -> None:
    """List the check kinds and operators; with a name, its options, semantics and example."""
    if markdown:
        if name is not None:
            raise UsageError("--markdown prints the whole reference; give no NAME with it")
        click.echo(markdown_reference(), nl=False)
        return
    click.echo(describe_rules(name), nl=False)


@cli.command()
@debug_option
def schema(debug: bool) -> None:
    """Print the JSON Schema of policy files (for editors)."""
    click.echo(json.dumps(policy_schema(), indent=2))


# A snapshot records every model as a reviewer would want to compare it: tags included.
SNAPSHOT_NEEDS = frozenset({"tags"})


def _unread(source: SourceResult) -> list[str]:
    """What a source could not read: regions, models, and per-model enrichments."""
    lines = [f"{e.code}: {e.message}" + (f" [{e.model_name or e.model_arn or e.region}]"
                                         if (e.model_name or e.model_arn or e.region) else "")
             for e in source.errors]
    for item in source.models:
        for key, (code, message) in sorted(item.enrichment_errors.items()):
            name = item.document.get("modelName") or item.document.get("modelArn")
            lines.append(f"{code}: {key} of {name}: {message}")
    return lines


def _describe_source(source: SourceResult) -> str:
    where = "live AWS" if tuple(source.sources) == ("aws",) else ", ".join(source.sources) \
        or "nothing"
    regions = f" in {', '.join(source.regions)}" if source.regions else ""
    return f"{where}{regions} ({len(source.models):,} " \
           f"{'model' if len(source.models) == 1 else 'models'})"


@cli.command()
@click.option("--from", "from_paths", multiple=True, metavar="FILE|DIR",
              help="Read model documents from files instead of AWS (repeatable).")
@live_options
@click.option("-o", "--output", required=True, metavar="FILE",
              help="The state file to write (atomically).")
@debug_option
def snapshot(from_paths: tuple[str, ...], output: str, debug: bool,
             live: LiveOptions) -> None:
    """Record every model document, tags included, in a deterministic state file.

    Two snapshots of unchanged models differ only in captured_at. Nothing is written when
    any region, model or tag list could not be read (exit 2).
    """
    source = read_source(from_paths, (), live, needs=SNAPSHOT_NEEDS)
    _print_source_warnings(source, live)
    unread = _unread(source)
    if unread:
        for line in unread:
            click.echo(f"{TOOL_NAME}: error: {line}", err=True)
        raise CheckerError(f"snapshot not written to {output}: {len(unread)} "
                           f"{'thing' if len(unread) == 1 else 'things'} could not be read, "
                           "and an incomplete snapshot would show them as removed later")
    data = build_snapshot(source, captured_at=utc_now())
    _write_output(render_snapshot(data), output)
    click.echo(f"Snapshot of {_describe_source(source)} written to {output}.", err=True)


def _within_scanned(models: Sequence[ModelInput],
                    source: SourceResult) -> tuple[list[ModelInput], int]:
    """The baseline models in the regions a live run read, and how many others there are: a
    model in a region that was not read has not disappeared. (Accounts are not filtered:
    the accounts a run read are known only from the models it found, so an account whose
    models were all deleted would hide their removal.)"""
    regions = set(source.regions)
    kept = [m for m in models
            if not isinstance(region := m.document.get("region"), str) or region in regions]
    return kept, len(models) - len(kept)


@cli.command()
@click.argument("baseline", metavar="BASELINE")
@click.option("--against", "against", multiple=True, metavar="FILE|DIR",
              help="Compare with these files instead of live AWS (repeatable).")
@click.option("--from", "from_paths", multiple=True, metavar="FILE|DIR",
              help="Same as --against.")
@live_options
@click.option("--ignore", "ignore", multiple=True, metavar="FIELD_GLOB",
              help="Leave fields out of the comparison, e.g. 'trainingMetrics.*' "
                   "(repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@debug_option
def diff(baseline: str, against: tuple[str, ...], from_paths: tuple[str, ...],
         ignore: tuple[str, ...], fmt: str, debug: bool, live: LiveOptions) -> None:
    """Show what changed since BASELINE (a snapshot or model documents), like terraform plan.

    Exit codes: 0 no drift, 1 drift, 2 error (including anything that could not be read).
    """
    captured: Any = None
    if Path(baseline).is_dir():
        base_models = list(load_documents([baseline]).models)
    else:
        base_data = read_data(baseline)
        base_models = convert(base_data, baseline)
        captured = base_data.get("captured_at") if isinstance(base_data, dict) else None
    source = read_source((*against, *from_paths), (), live, needs=SNAPSHOT_NEEDS)
    _print_source_warnings(source, live)
    unread = _unread(source)
    if unread:
        # No plan at all: every model that could not be read would show as removed.
        for line in unread:
            click.echo(f"{TOOL_NAME}: error: {line}", err=True)
        raise CheckerError("the current state could not be read completely; no plan is shown, "
                           "since the models not read would look removed")
    if not (against or from_paths):
        base_models, skipped = _within_scanned(base_models, source)
        if skipped:
            click.echo(f"{TOOL_NAME}: warning: {skipped} baseline "
                       f"{'model is' if skipped == 1 else 'models are'} in regions this run "
                       "did not read, and not compared (give the snapshot's regions with "
                       "--region or --all-regions)", err=True)
    plan = diff_models(base_models, source.models, ignore)
    base_label = (f"{baseline} ("
                  + (f"captured {captured}, " if isinstance(captured, str) else "")
                  + f"{len(base_models):,} {'model' if len(base_models) == 1 else 'models'})")
    current_label = _describe_source(source)
    if fmt == "json":
        click.echo(render_plan_json(
            plan,
            baseline={"source": baseline, "captured_at": captured, "models": len(base_models)},
            current={"sources": list(source.sources), "regions": list(source.regions),
                     "accounts": list(source.accounts), "models": len(source.models)}),
            nl=False)
    else:
        click.echo(render_plan_text(plan, baseline=base_label, current=current_label,
                                    color=_use_color(sys.stdout)), nl=False)
    sys.exit(1 if plan.has_drift else 0)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: one error line and exit code 2 for bad input, never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = _debug_requested(args)
    try:
        cli.main(args=args, prog_name=TOOL_NAME, standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo(f"{TOOL_NAME}: aborted", err=True)
        sys.exit(2)
    except CheckerError as exc:
        if debug:
            traceback.print_exc()
        _fail(exc.lines(), exc.exit_code)
    except KeyboardInterrupt:
        click.echo(f"{TOOL_NAME}: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _fail([f"internal error: {type(exc).__name__}: {exc} (run with --debug for a "
               "traceback)"])
    sys.exit(0)
