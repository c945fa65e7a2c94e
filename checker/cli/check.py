"""``check``: judge every model against the policies.

``run_check`` is :func:`checker.run.judge`, kept under its old name."""

from __future__ import annotations

import gc
import os
import sys
import time

import click

from checker.cli.app import cli
from checker.cli.inputs import input_files, load, read_live, read_variables
from checker.cli.options import (
    LiveOptions,
    debug_option,
    follow_symlinks_option,
    live_options,
    parse_report_option,
    read_baseline,
    refuse_overwriting_inputs,
    refuse_symlinked_outputs,
    use_color,
    with_var_options,
    write_output,
)
from checker.cli.report_options import report_options as format_options
from checker.cli.report_options import warn
from checker.engine.baseline import apply_baseline, apply_strict_waivers
from checker.engine.evaluate import select_framework, select_rules
from checker.errors import UsageError
from checker.policy.loader import account_settings, needed_enrichments
from checker.policy.waivers import load_waiver_file
from checker.reports import RENDERERS, ReportOptions, render_chunks
from checker.results import SEVERITIES, RuleFilters, as_severity
from checker.run import CheckRequest, run
from checker.run import judge as run_check

__all__ = ["check", "run_check"]


@cli.command()
@click.option("-p", "--policy", "policy_paths", multiple=True, metavar="PATH",
              help="Policy file or directory, or builtin:NAME for a shipped policy "
                   "(repeatable; default ./policies).")
@click.option("--from", "from_paths", multiple=True, metavar="FILE|DIR",
              help="Read model documents from files instead of AWS (repeatable).")
@live_options
@click.option("--rule", "rules", multiple=True, metavar="ID",
              help="Run only rules whose policy/rule id matches this glob (repeatable).")
@click.option("--skip-rule", "skip_rules", multiple=True, metavar="ID",
              help="Skip rules whose policy/rule id matches this glob (repeatable).")
@click.option("--framework", metavar="NAME",
              help="Run only the rules mapped to this compliance framework (e.g. "
                   "NIST-800-53-r5) and add a per-control summary to the report.")
@click.option("-f", "--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="Report format on stdout (or -o).")
@click.option("-o", "--output", metavar="FILE", help="Write the report to FILE.")
@click.option("--report", "reports", multiple=True, metavar="FORMAT:FILE",
              callback=parse_report_option,
              help="Also write a report in FORMAT to FILE (repeatable; folders are created).")
@follow_symlinks_option
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
@format_options
@with_var_options
@debug_option
def check(policy_paths: tuple[str, ...], from_paths: tuple[str, ...], rules: tuple[str, ...],
          skip_rules: tuple[str, ...], framework: str | None, fmt: str, output: str | None,
          reports: list[tuple[str, str]], follow_symlinks: bool, min_models: int, fail_on: str,
          baseline_path: str | None, waivers_path: str | None, strict_waivers: bool,
          include_jobs: bool, var_items: tuple[str, ...], var_files: tuple[str, ...],
          debug: bool, live: LiveOptions, report_options: ReportOptions) -> None:
    """Judge every model against the policies and report what drifted."""
    # --timeout bounds the run: the AWS read, and a report written to a FIFO nobody reads.
    deadline = time.monotonic() + live.timeout
    targets = [os.path.realpath(file) for _, file in reports]
    if output is not None:
        targets.append(os.path.realpath(output))
    if len(set(targets)) != len(targets):
        raise UsageError("two reports (-o, --report) would be written to the same file")
    refuse_symlinked_outputs([("-o", output), *(("--report", file) for _, file in reports)],
                             follow_symlinks)
    refuse_overwriting_inputs(
        [("-o", output), *(("--report", file) for _, file in reports)],
        [*input_files(policy_paths, from_paths), ("--baseline", baseline_path),
         ("--waivers", waivers_path), *(("--var-file", f) for f in var_files),
         ("--accounts", live.accounts_file)])
    loaded = load(policy_paths, read_variables(var_items, var_files), quiet=live.quiet)
    if waivers_path is not None:
        loaded = load_waiver_file(waivers_path, loaded)
    policies = select_rules(loaded, rules, skip_rules)
    if not policies:
        raise UsageError("no rules left to run after --rule/--skip-rule")
    if framework is not None:
        policies = select_framework(policies, framework)
    if from_paths and all(p.resource == "account" for p in policies):
        # Account settings are read from live AWS only: such a run would judge nothing.
        raise UsageError("every rule left to run is of a resource: account policy, and --from "
                         "reads model documents only (account settings come from live AWS)")
    # Read the baseline before any model, so a bad path fails fast.
    baseline = read_baseline(baseline_path) if baseline_path is not None else None
    request = CheckRequest(
        read=live.request(from_paths, needs=needed_enrichments(policies),
                          posture=account_settings(policies), include_jobs=include_jobs),
        fail_on=as_severity(fail_on), min_models=min_models,
        rule_filters=RuleFilters(tuple(rules), tuple(skip_rules)), framework=framework)
    source = read_live(request.read, live)
    # The models stay alive for the whole run: keep the collector from walking them again
    # and again while the report's many small objects are made.
    gc.freeze()
    report = run(request, policies, source=source)
    # What the report needs of the models is in it: the documents can go before it is written.
    del source
    if baseline is not None:
        report = apply_baseline(report, baseline)
    if strict_waivers:
        report = apply_strict_waivers(report)
    for report_fmt, file in reports:
        write_output(render_chunks(report, report_fmt, options=report_options, warn=warn), file,
                     deadline, follow_symlinks=follow_symlinks)
    color = fmt == "text" and output is None and use_color(sys.stdout)
    write_output(render_chunks(report, fmt, color=color, options=report_options, warn=warn), output,
                 deadline, follow_symlinks=follow_symlinks)
    sys.exit(report.exit_code)
