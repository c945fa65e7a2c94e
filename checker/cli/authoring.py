"""Commands for policy authors: ``validate``, ``test``, ``rules`` and ``schema``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from checker import builtins
from checker.cli.app import cli
from checker.cli.inputs import check_unused_variables, load_with_warnings, read_variables
from checker.cli.options import (
    debug_option,
    follow_symlinks_option,
    print_warnings,
    refuse_symlinked_outputs,
    with_var_options,
    write_output,
)
from checker.errors import CheckerError, PolicyError, Problem, UsageError
from checker.policy.lints import DEFAULT_WAIVER_HORIZON_DAYS
from checker.policy.loader import needed_enrichments
from checker.policy.ruledocs import describe as describe_rules
from checker.policy.ruledocs import markdown_reference
from checker.policy.schema import policy_schema
from checker.policytest import RENDERERS as TEST_RENDERERS
from checker.policytest import (
    compile_test_file,
    find_test_files,
    render_text,
    run_suite,
)
from checker.policytest import exit_code as test_exit_code


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--waiver-horizon", type=click.IntRange(min=0),
              default=DEFAULT_WAIVER_HORIZON_DAYS, show_default=True, metavar="DAYS",
              help="Warn about a waiver that expires more than DAYS days from today.")
@click.option("--cache-facts", is_flag=True,
              help="Also work out every fact a run reads from botocore's service models and "
                   "keep them in the cache folder ($BEDROCK_DRIFT_CACHE_DIR): for an image "
                   "or a Lambda package whose cache is read-only where it runs.")
@with_var_options
@debug_option
def validate(paths: tuple[str, ...], waiver_horizon: int, cache_facts: bool,
             var_items: tuple[str, ...], var_files: tuple[str, ...], debug: bool) -> None:
    """Check policy files without reading any model: exit 0 if they are valid, else 2.

    PATHS are policy files, directories, or builtin:NAME for a shipped policy (builtin:all
    for every one).

    Also runs cheap lints, printed as warnings: globs that cannot match any KMS key or Lambda
    ARN, base-model globs that match no known foundation model, a rule `when` that repeats the
    policy scope, globs on ARNs that relied on '*' crossing ':', a waiver of every rule for
    every model or one beyond the waiver horizon.
    """
    policies, warnings = load_with_warnings(paths, read_variables(var_items, var_files),
                                             lint=True, waiver_horizon=waiver_horizon)
    for warning in warnings:
        click.echo(warning)
    rules = sum(len(p.rules) for p in policies)
    needs = sorted(needed_enrichments(policies))
    extra = f"; fetches {', '.join(needs)}" if needs else ""
    click.echo(f"{len(policies)} {'policy' if len(policies) == 1 else 'policies'} valid "
               f"({rules} rules{extra})")
    if cache_facts:
        click.echo(f"facts kept in {keep_every_fact()}")


def keep_every_fact() -> str:
    """Work out every fact of botocore's service models a run reads and write them to the
    cache file; its path. A usage error without a cache folder, an error when it cannot be
    written."""
    from checker.lang.facts import CACHE_DIR_VARIABLE, facts
    from checker.lang.warmup import ask_every_fact

    kept = facts()
    if kept.path is None:
        raise UsageError(f"--cache-facts: no cache folder to keep them in (set "
                         f"{CACHE_DIR_VARIABLE} to a folder)")
    ask_every_fact()
    try:
        kept.write(strict=True)
    except OSError as exc:
        raise CheckerError(f"{kept.path}: cannot write the facts: {exc.strerror or exc}") \
            from None
    return str(kept.path)


@cli.command("test")
@click.argument("paths", nargs=-1, required=True)
@click.option("-f", "--format", "fmt", type=click.Choice(list(TEST_RENDERERS)), default="text",
              show_default=True, help="Output format on stdout (or -o).")
@click.option("-o", "--output", metavar="FILE", help="Write the results to FILE.")
@follow_symlinks_option
@click.option("-q", "--quiet", is_flag=True, help="Text output: show failed expectations only.")
@with_var_options
@debug_option
def test_command(paths: tuple[str, ...], fmt: str, output: str | None, follow_symlinks: bool,
                 quiet: bool,
                 var_items: tuple[str, ...], var_files: tuple[str, ...], debug: bool) -> None:
    """Run policy unit tests: *_test.yaml files (a directory means every one in it;
    builtin:NAME the tests of a shipped policy, builtin:all those of every one).

    Exit codes: 0 every expectation held; 1 one did not; 2 a malformed test file or policy.
    """
    refuse_symlinked_outputs([("-o", output)], follow_symlinks)
    variables = read_variables(var_items, var_files)
    suites = []
    problems: list[Problem] = []
    for file in find_test_files(paths):
        try:
            text = Path(builtins.real_path(file)).read_text(encoding="utf-8")
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
    print_warnings(check_unused_variables(variables, policies))
    results = [run_suite(suite) for suite in suites]
    text = render_text(results, verbose=not quiet) if fmt == "text" \
        else TEST_RENDERERS[fmt](results)
    write_output(text, output, follow_symlinks=follow_symlinks)
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
