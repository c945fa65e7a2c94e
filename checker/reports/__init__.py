"""Report writers: each turns a Report into a string, chosen through one table.

Owns one module per format and ``FORMATS``, one ``ReportFormat`` record per format (its
name, writer, file extension, whether it is only a list of findings, the options it takes);
``RENDERERS`` (the choices ``-f`` and ``--report`` offer) and ``FINDING_LISTS`` are derived
from it. Writers take a frozen ``Report`` and return ``str``; may import the shared types,
``lang`` and ``policy`` (the compliance frameworks catalog); never ``engine``, ``sources``,
boto3 or click.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.results import Report

# render_x(report, *, color=False, ...) -> str; only the text writer uses colour.
RenderFunction = Callable[..., str]


@dataclass(frozen=True)
class ReportFormat:
    """One report format: every fact about it, side by side."""

    name: str  # as -f and --report spell it
    # The writer, ``module:function`` under checker.reports: imported when first used, so
    # a run imports only the writers of the formats it writes.
    writer: str
    extension: str  # the usual file name ending of a report in this format
    # Only a list of findings for another tool (Security Hub, a data lake, a spreadsheet):
    # one record per finding and nothing else, so no run summary, model count or warnings.
    # Pair it with a JSON report (--report json:FILE) for the audit record.
    lists_findings: bool = False
    # The ReportOptions fields it takes, each with the writer's keyword it is passed as.
    options: tuple[tuple[str, str], ...] = ()
    # Whether the writer reports, through ``warn``, the findings it had to leave out.
    warns: bool = False

    @property
    def renderer(self) -> RenderFunction:
        module, function = self.writer.split(":")
        found: RenderFunction = getattr(
            importlib.import_module(f"checker.reports.{module}"), function)
        return found

    def render(self, report: Report, *, color: bool, options: ReportOptions,
               warn: Callable[[str], None] | None) -> str:
        kwargs: dict[str, Any] = {keyword: getattr(options, name)
                                  for name, keyword in self.options}
        if self.warns:
            kwargs["warn"] = warn
        return self.renderer(report, color=color, **kwargs)


FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat("text", "text:render_text", ".txt"),
        ReportFormat("json", "json_report:render_json", ".json"),
        ReportFormat("sarif", "sarif:render_sarif", ".sarif",
                     options=(("sarif_category", "category"),
                              ("sarif_include_waived", "include_waived")),
                     warns=True),
        ReportFormat("junit", "junit:render_junit", ".xml"),
        ReportFormat("markdown", "markdown:render_markdown", ".md",
                     options=(("markdown_max_bytes", "max_bytes"),
                              ("markdown_full_report", "full_report"))),
        ReportFormat("github", "github:render_github", ".txt"),
        ReportFormat("asff", "asff:render_asff", ".json", lists_findings=True),
        ReportFormat("csv", "csv_report:render_csv", ".csv", lists_findings=True),
        ReportFormat("ocsf", "ocsf:render_ocsf", ".json", lists_findings=True),
        ReportFormat("html", "html:render_html", ".html"),
    )
}



class _Renderers(Mapping[str, RenderFunction]):
    """Each format's writer by name, imported when looked up."""

    def __getitem__(self, name: str) -> RenderFunction:
        return FORMATS[name].renderer

    def __iter__(self) -> Iterator[str]:
        return iter(FORMATS)

    def __len__(self) -> int:
        return len(FORMATS)


RENDERERS: Mapping[str, RenderFunction] = _Renderers()
FINDING_LISTS = frozenset(name for name, fmt in FORMATS.items() if fmt.lists_findings)


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
    return FORMATS[fmt].render(report, color=color, options=options or ReportOptions(),
                               warn=warn)

