"""Report writers: each turns a Report into a string, chosen through one table.

Owns one module per format and ``FORMATS``, one ``ReportFormat`` record per format (its
name, writer, file extension, whether it is only a list of findings, the options it takes);
``RENDERERS`` (the choices ``-f`` and ``--report`` offer) and ``FINDING_LISTS`` are derived
from it. Writers take a frozen ``Report`` and return ``str``; a format whose output grows
with every judged pair also has a ``chunks`` writer, which returns an iterator of ``str``
whose concatenation is that text, made as it is written (``render_chunks``), so that the
whole text never has to be in memory at once. Each writer is imported when first used, so a
run imports only the writers of the formats it writes. Writers may import the shared types,
``lang`` and ``policy`` (the compliance frameworks catalog); never ``engine``, ``sources``,
boto3 or click.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.results import Report

# render_x(report, *, color=False, ...) -> str; only the text writer uses colour.
RenderFunction = Callable[..., str]
# chunks_x(report, *, color=False, ...) -> the same text as render_x, piece by piece.
ChunkFunction = Callable[..., Iterable[str]]


def _load(writer: str) -> Any:
    module, function = writer.split(":")
    return getattr(importlib.import_module(f"checker.reports.{module}"), function)


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
    # The same text as the writer's, in pieces made as they are written (``module:function``
    # as ``writer``; None: the text is made whole, and written as one piece).
    chunks: str | None = None

    @property
    def renderer(self) -> RenderFunction:
        found: RenderFunction = _load(self.writer)
        return found

    def _kwargs(self, options: ReportOptions,
                warn: Callable[[str], None] | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {keyword: getattr(options, name)
                                  for name, keyword in self.options}
        if self.warns:
            kwargs["warn"] = warn
        return kwargs

    def render(self, report: Report, *, color: bool, options: ReportOptions,
               warn: Callable[[str], None] | None) -> str:
        return self.renderer(report, color=color, **self._kwargs(options, warn))

    def render_chunks(self, report: Report, *, color: bool, options: ReportOptions,
                      warn: Callable[[str], None] | None) -> Iterable[str]:
        if self.chunks is None:
            return (self.render(report, color=color, options=options, warn=warn),)
        pieces: ChunkFunction = _load(self.chunks)
        return pieces(report, color=color, **self._kwargs(options, warn))


FORMATS: dict[str, ReportFormat] = {
    fmt.name: fmt
    for fmt in (
        ReportFormat("text", "text:render_text", ".txt"),
        ReportFormat("json", "json_report:render_json", ".json",
                     chunks="json_report:json_chunks"),
        ReportFormat("sarif", "sarif:render_sarif", ".sarif",
                     options=(("sarif_category", "category"),
                              ("sarif_include_waived", "include_waived")),
                     warns=True, chunks="sarif:sarif_chunks"),
        ReportFormat("junit", "junit:render_junit", ".xml", chunks="junit:junit_chunks"),
        ReportFormat("markdown", "markdown:render_markdown", ".md",
                     options=(("markdown_max_bytes", "max_bytes"),
                              ("markdown_full_report", "full_report"))),
        ReportFormat("github", "github:render_github", ".txt"),
        ReportFormat("asff", "asff:render_asff", ".json", lists_findings=True,
                     chunks="asff:asff_chunks"),
        ReportFormat("csv", "csv_report:render_csv", ".csv", lists_findings=True),
        ReportFormat("ocsf", "ocsf:render_ocsf", ".json", lists_findings=True,
                     chunks="ocsf:ocsf_chunks"),
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



def render_chunks(report: Report, fmt: str, *, color: bool = False,
                  options: ReportOptions | None = None,
                  warn: Callable[[str], None] | None = None) -> Iterable[str]:
    """The text ``render`` returns, as pieces to write one after the other: made while they
    are written for the formats that have a ``chunks`` writer, one piece for the others."""
    return FORMATS[fmt].render_chunks(report, color=color, options=options or ReportOptions(),
                                      warn=warn)
