"""The options that shape one report format, shared by ``check`` and ``merge``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from checker import TOOL_NAME
from checker.reports import ReportOptions

REPORT_OPTION_NAMES = ("sarif_category", "sarif_include_waived", "markdown_max_bytes",
                       "markdown_full_report")


def report_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The format options; the command receives them as one ``report_options`` argument."""

    @functools.wraps(command)
    def with_report_options(*args: Any, **kwargs: Any) -> Any:
        options = ReportOptions(**{name: kwargs.pop(name) for name in REPORT_OPTION_NAMES})
        return command(*args, report_options=options, **kwargs)

    wrapped: Callable[..., Any] = with_report_options
    for option in reversed((
        click.option("--sarif-category", metavar="NAME",
                     help="SARIF: the code scanning category of this run "
                          "(runAutomationDetails), one per shard so uploads do not "
                          "overwrite each other."),
        click.option("--sarif-include-waived", is_flag=True,
                     help="SARIF: keep waived findings as suppressed results (GitHub code "
                          "scanning ignores suppressions and shows them as open alerts)."),
        click.option("--markdown-max-bytes", type=click.IntRange(min=8192), metavar="N",
                     help="Markdown: trim to at most N bytes, most severe first, and say "
                          "what was left out (a GitHub job summary takes 1048576)."),
        click.option("--markdown-full-report", metavar="TEXT",
                     help="Markdown: where the full report is, named when it is trimmed "
                          "(e.g. an artifact name or a path)."),
    )):
        wrapped = option(wrapped)
    return wrapped


def warn(message: str) -> None:
    """A report's warning (findings left out to fit its consumer), on stderr."""
    click.echo(f"{TOOL_NAME}: warning: {message}", err=True)
