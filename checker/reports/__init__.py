"""Report writers: each turns a Report into a string, chosen through one table.

Owns one module per format and ``RENDERERS``, the table ``-f`` offers; a test proves every
format maps to a writer. Writers take a frozen ``Report`` and return ``str``; may import the
shared types and ``lang``; never ``engine``, ``sources``, boto3 or click.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from checker.reports.asff import render_asff
from checker.reports.csv_report import render_csv
from checker.reports.github import render_github
from checker.reports.html import render_html
from checker.reports.json_report import render_json
from checker.reports.junit import render_junit
from checker.reports.markdown import render_markdown
from checker.reports.ocsf import render_ocsf
from checker.reports.sarif import render_sarif
from checker.reports.text import render_text
from checker.results import Report

# render_x(report, *, color=False) -> str; only the text writer uses colour.
RenderFunction = Callable[..., str]


class Format(str, Enum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    MARKDOWN = "markdown"
    GITHUB = "github"
    ASFF = "asff"
    CSV = "csv"
    OCSF = "ocsf"
    HTML = "html"


RENDERERS: dict[str, RenderFunction] = {
    Format.TEXT.value: render_text,
    Format.JSON.value: render_json,
    Format.SARIF.value: render_sarif,
    Format.JUNIT.value: render_junit,
    Format.MARKDOWN.value: render_markdown,
    Format.GITHUB.value: render_github,
    Format.ASFF.value: render_asff,
    Format.CSV.value: render_csv,
    Format.OCSF.value: render_ocsf,
    Format.HTML.value: render_html,
}


# Formats that are lists of findings for other tools (Security Hub, a data lake, a
# spreadsheet): one record per finding and nothing else, so they carry no run summary, model
# count or warnings. Pair them with a JSON report (--report json:FILE) for the audit record.
FINDING_LISTS = frozenset({Format.ASFF.value, Format.CSV.value, Format.OCSF.value})


@dataclass(frozen=True)
class ReportOptions:
    """What a user can set for one format (the ``check`` and ``merge`` options)."""

    # SARIF: the run's category (automationDetails.id), and whether waived findings stay
    # in as suppressed results (GitHub shows them as open alerts).
    sarif_category: str | None = None
    sarif_include_waived: bool = False
    # Markdown: the most bytes it may take (a job summary: 1 MiB), and where the full report
    # is, named in the note when it is trimmed.
    markdown_max_bytes: int | None = None
    markdown_full_report: str | None = None


def render(report: Report, fmt: str, *, color: bool = False,
           options: ReportOptions | None = None,
           warn: Callable[[str], None] | None = None) -> str:
    """The report in ``fmt``; ``warn`` receives a sentence when a format had to leave
    findings out to stay within what its consumer accepts."""
    options = options or ReportOptions()
    if fmt == Format.SARIF.value:
        return render_sarif(report, category=options.sarif_category,
                            include_waived=options.sarif_include_waived, warn=warn)
    if fmt == Format.MARKDOWN.value:
        return render_markdown(report, max_bytes=options.markdown_max_bytes,
                               full_report=options.markdown_full_report)
    return RENDERERS[fmt](report, color=color)
