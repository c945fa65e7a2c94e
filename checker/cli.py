"""The command line. All I/O and exit codes live here; the work is done by the pure core."""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from checker import TOOL_NAME, __version__
from checker.engine import evaluate, select_rules
from checker.errors import CheckerError, PolicyError, Problem, UsageError
from checker.policy import Policy, load_policies, needed_enrichments
from checker.policytest import RENDERERS as TEST_RENDERERS
from checker.policytest import (
    compile_test_file,
    find_test_files,
    render_text,
    run_suite,
)
from checker.policytest import exit_code as test_exit_code
from checker.reports import RENDERERS, render
from checker.results import SEVERITIES, Report, ReportWarning, Scanned
from checker.ruledocs import describe as describe_rules
from checker.ruledocs import markdown_reference
from checker.schema import policy_schema
from checker.sources import SourceResult
from checker.sources.files import load_documents
from checker.variables import VariableError, load_var_file, parse_var_option, unused_overrides

DEFAULT_POLICY_PATH = "policies"


def _debug_requested(argv: Sequence[str]) -> bool:
    return "--debug" in argv or os.environ.get("BEDROCK_DRIFT_DEBUG") == "1"


def _fail(lines: Sequence[str], code: int = 2) -> NoReturn:
    for line in lines:
        click.echo(f"{TOOL_NAME}: error: {line}" if ":" not in line.split(" ")[0] else line,
                   err=True)
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
    path = Path(output)
    try:
        if path.parent != Path():
            path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise CheckerError(f"{output}: cannot write the report: {exc.strerror or exc}") \
            from None


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


def with_var_options(func: Any) -> Any:
    for option in reversed(var_options):
        func = option(func)
    return func


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


def _load(policy_paths: Sequence[str], variables: Variables | None = None,
          *, lint: bool = False) -> tuple[list[Policy], list[str]]:
    """Load the policies; return them and the warnings to print."""
    variables = variables or Variables({}, frozenset())
    policies, warnings = load_policies(list(policy_paths) or [DEFAULT_POLICY_PATH],
                                       variables.values, lint=lint)
    lines = [str(w) for w in warnings]
    lines.extend(check_unused_variables(variables, policies))
    return policies, lines


def read_source(from_paths: Sequence[str], policies: Sequence[Policy]) -> SourceResult:
    """Read the models: from files when --from is given."""
    if from_paths:
        return load_documents(list(from_paths))
    raise UsageError("give the models to check with --from FILE|DIR (reading live AWS "
                     "accounts is not available in this build)")


def run_check(policies: Sequence[Policy], source: SourceResult, fail_on: str,
              extra_warnings: Sequence[ReportWarning] = ()) -> Report:
    scanned = Scanned(sources=source.sources, accounts=source.accounts, regions=source.regions)
    return evaluate(policies, source.models, scanned=scanned, source_errors=source.errors,
                    extra_warnings=extra_warnings, fail_on=fail_on)


@cli.command()
@click.option("-p", "--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Policy file or directory (repeatable; default ./policies).")
@click.option("--from", "from_paths", multiple=True, metavar="FILE|DIR",
              help="Read model documents from files instead of AWS (repeatable).")
@click.option("--rule", "rules", multiple=True, metavar="ID",
              help="Run only rules whose policy/rule id matches this glob (repeatable).")
@click.option("--skip-rule", "skip_rules", multiple=True, metavar="ID",
              help="Skip rules whose policy/rule id matches this glob (repeatable).")
@click.option("-f", "--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="Report format on stdout (or -o).")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE.")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default="info", show_default=True,
              help="Lowest severity whose violations make the exit code 1.")
@with_var_options
@debug_option
def check(policy_paths: tuple[str, ...], from_paths: tuple[str, ...], rules: tuple[str, ...],
          skip_rules: tuple[str, ...], fmt: str, output: str | None, fail_on: str,
          var_items: tuple[str, ...], var_files: tuple[str, ...], debug: bool) -> None:
    """Judge every model against the policies and report what drifted."""
    loaded, warnings = _load(policy_paths, read_variables(var_items, var_files))
    _print_warnings(warnings)
    policies = select_rules(loaded, rules, skip_rules)
    if not policies:
        raise UsageError("no rules left to run after --rule/--skip-rule")
    source = read_source(from_paths, policies)
    report = run_check(policies, source, fail_on)
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
    policies, warnings = _load(paths, read_variables(var_items, var_files), lint=True)
    for warning in warnings:
        click.echo(warning)
    rules = sum(len(p.rules) for p in policies)
    needs = sorted(needed_enrichments(policies))
    extra = f"; fetches {', '.join(needs)}" if needs else ""
    click.echo(f"{len(policies)} {'policy' if len(policies) == 1 else 'policies'} valid "
               f"({rules} rules{extra})")


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
