"""``merge``: combine the JSON reports of sharded runs into one."""

from __future__ import annotations

import sys

import click

from checker.cli.app import cli
from checker.cli.options import (
    debug_option,
    follow_symlinks_option,
    refuse_overwriting_inputs,
    refuse_symlinked_outputs,
    use_color,
    write_output,
)
from checker.cli.report_options import report_options as format_options
from checker.cli.report_options import warn
from checker.engine.evaluate import utc_now
from checker.engine.merge import merge_reports
from checker.reports import RENDERERS, ReportOptions, render_chunks
from checker.reports.json_reader import read_report
from checker.results import (
    SEVERITIES,
    as_severity,
)
from checker.sources.files import read_data


@cli.command()
@click.argument("reports", nargs=-1, required=True, metavar="REPORT.json...")
@click.option("-f", "--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="Format of the combined report.")
@click.option("-o", "--output", metavar="FILE", help="Write the combined report to FILE.")
@follow_symlinks_option
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Gate of the combined result (default: the reports' own, if they agree).")
@format_options
@debug_option
def merge(reports: tuple[str, ...], fmt: str, output: str | None, follow_symlinks: bool,
          fail_on: str | None,
          debug: bool, report_options: ReportOptions) -> None:
    """Combine JSON reports of sharded runs into one report, with its exit code."""
    refuse_symlinked_outputs([("-o", output)], follow_symlinks)
    refuse_overwriting_inputs([("-o", output)], [("a report to merge", r) for r in reports])
    loaded = [read_report(read_data(path, json_only=True), path) for path in reports]
    report = merge_reports(loaded, fail_on=None if fail_on is None else as_severity(fail_on),
                           now=utc_now())
    color = fmt == "text" and output is None and use_color(sys.stdout)
    write_output(render_chunks(report, fmt, color=color, options=report_options, warn=warn), output,
                 follow_symlinks=follow_symlinks)
    sys.exit(report.exit_code)
