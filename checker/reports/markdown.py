"""Markdown for people: a PR comment, a job summary, a security-review ticket.

GitHub-flavoured: a headline, a summary table, then the violations grouped by model, the
errors, the warnings and the waivers; passing models fold away in ``<details>``. Every
value that came from a model or a policy is escaped, so it cannot break a table, inject
markup or raw HTML.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from checker import TOOL_NAME
from checker.policy.frameworks import catalog
from checker.reports.compliance import (
    FAILED,
    NOT_EVALUATED,
    PASSED,
    control_results,
    mapped_frameworks,
    rule_tallies,
)
from checker.reports.wording import (
    NO_MODELS,
    SEVERITIES_DESCENDING,
    error_subject,
    format_value,
    known_count,
    plural,
)
from checker.results import Finding, ModelRef, Report

RESULT_BADGES = {"pass": "✅ PASS", "fail": "❌ FAIL", "error": "⚠️ ERROR"}

# Long values (a whole policy document, say) would make tables unreadable.
MAX_CELL = 300

# Characters with a meaning inside a line of GFM: emphasis, links, code, tables,
# strikethrough, @mentions and #references. `&`, `<` and `>` become entities instead
# (raw HTML). A value that opens a list item's text could start a nested block with its
# first characters; those are escaped too.
_MARKUP = re.compile(r"([\\`*_\[\]|~@#])")
_BLOCK_START = re.compile(r"^(?:[-+=]|\d+[.)])")
_NEWLINES = re.compile(r"\r\n|\r|\n")
# C0 controls and DEL, which have no business in a document.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def md_text(value: object, *, starts_line: bool = False) -> str:
    """``value`` as inline Markdown text that renders literally, on one line.

    ``starts_line``: the value opens a line's content (a list item's text), where a
    leading ``-`` or ``1.`` would start a nested block.
    """
    text = _CONTROLS.sub("\ufffd", _NEWLINES.sub(" ", str(value)))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKUP.sub(r"\\\1", text)
    match = _BLOCK_START.match(text) if starts_line else None
    if match is not None:
        # "- x" becomes "\- x", "1. x" becomes "1\. x": the marker's last character.
        cut = match.end() - 1
        text = text[:cut] + "\\" + text[cut:]
    return text


def md_code(value: object) -> str:
    """``value`` as an inline code span, safe inside a table cell."""
    text = _truncate(_CONTROLS.sub("\ufffd", _NEWLINES.sub(" ", str(value))))
    if not text.strip():
        return "_(empty)_"
    # A fence longer than any backtick run inside; a pipe still needs escaping in GFM tables.
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    # GFM splits cells on a pipe after an even run of backslashes; keep every run odd.
    text = re.sub(r"(\\*)\|", lambda m: m.group(1) * 2 + "\\|", text)
    if text.startswith("`") or text.endswith("`"):
        text = f" {text} "
    return f"{fence}{text}{fence}"


@dataclass
class _Section:
    """A part of the document that can be cut between items: ``opening``, then ``items``
    (each a block of lines and how many findings or models it shows), then ``closing``."""

    noun: str
    opening: list[str]
    items: list[tuple[list[str], int]] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    # Per item, the order it takes when the document is trimmed (lowest first).
    ranks: list[int] = field(default_factory=list)

    def most_severe_first(self) -> None:
        if self.ranks:
            order = sorted(range(len(self.items)), key=self.ranks.__getitem__)
            self.items = [self.items[i] for i in order]

    def lines(self, count: int | None = None) -> list[str]:
        shown = self.items if count is None else self.items[:count]
        return [*self.opening, *(line for block, _ in shown for line in block), *self.closing]


def render_markdown(report: Report, *, color: bool = False, max_bytes: int | None = None,
                    full_report: str | None = None) -> str:
    """The report as a GitHub-flavoured Markdown document. ``color`` is ignored.

    ``max_bytes``: the document's UTF-8 size at most (GitHub's job summary takes 1 MiB per
    step). Past it, the document keeps its head and as many findings as fit, most severe
    first, and says what was left out and where the full report is (``full_report``: e.g.
    "the bedrock-drift-report artifact of this run").
    """
    head = _head(report)
    sections = _sections(report)
    lines = [*head, *(line for section in sections for line in section.lines())]
    if max_bytes is None or _size(lines) <= max_bytes:
        return _join(lines)
    return _trimmed(head, sections, max_bytes, full_report)


def _head(report: Report) -> list[str]:
    lines: list[str] = []
    summary = report.summary
    lines.append(f"## {TOOL_NAME}: {RESULT_BADGES.get(summary.result, summary.result.upper())}")
    lines.append("")
    if summary.models == 0:
        lines += ["> [!WARNING]", f"> {NO_MODELS}", ""]
    lines.append(_headline(report))
    lines.append("")
    lines += _summary_table(report)
    lines.append("")
    lines.append(_provenance(report))
    lines.append("")
    return lines


def _sections(report: Report) -> list[_Section]:
    sections = [_errors(report), _warnings(report), _violations(report), _waived(report),
                _compliance(report), _not_evaluated(report), _passing(report)]
    return [section for section in sections if section.items]


def _join(lines: list[str]) -> str:
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _trimmed(head: list[str], sections: list[_Section], max_bytes: int,
             full_report: str | None) -> str:
    """As much of the document as fits in ``max_bytes``, with a note of what was left out."""
    for section in sections:
        section.most_severe_first()
    reserve = 2048 + len((full_report or "").encode("utf-8"))
    while True:
        budget = max_bytes - reserve - _size(head)
        shown: list[int] = []
        for section in sections:
            cost = _size(section.opening) + _size(section.closing)
            if cost > budget:
                shown.append(0)
                continue
            count = 0
            for block, _ in section.items:
                size = _size(block)
                if cost + size > budget:
                    break
                cost += size
                count += 1
            if count:
                budget -= cost
            shown.append(count)
        body: list[str] = []
        left: list[str] = []
        for section, count in zip(sections, shown, strict=True):
            if count == 0:
                left.append(_left_out(section, 0))
                continue
            body += section.opening
            body += [line for block, _ in section.items[:count] for line in block]
            if count < len(section.items):
                # A blank line first: right after a table row, the line would join the table.
                body += ["", f"_{_left_out(section, count)} not shown here._", ""]
                left.append(_left_out(section, count))
            body += section.closing
        where = full_report or "the JSON report (--report json:FILE) has every finding"
        note = ["> [!NOTE]",
                f"> Trimmed to fit {max_bytes:,} bytes (GitHub's job summary takes 1 MiB per "
                f"step): left out {md_text('; '.join(left))}. The full report: {md_text(where)}.",
                ""]
        text = _join([*head, *note, *body])
        if len(text.encode("utf-8")) <= max_bytes or reserve > max_bytes:
            return text
        reserve *= 2


def _left_out(section: _Section, shown: int) -> str:
    rest = section.items[shown:]
    blocks = len(rest)
    weight = sum(count for _, count in rest)
    if section.noun == "violations":
        return f"{weight} of the violations, in {plural(blocks, 'model')}"
    if section.noun == "compliance":
        return "the compliance summary"
    return f"{weight} {section.noun}"


def _size(lines: list[str]) -> int:
    return sum(len(line.encode("utf-8")) + 1 for line in lines)


def _headline(report: Report) -> str:
    summary = report.summary
    failing = len({f.model.fingerprint_key for f in report.violations})
    if summary.models == 0:
        read = "**No models were read**, so nothing was judged"
    else:
        read = f"**{plural(summary.models, 'model')} read**"
    parts = [read]
    if summary.violations:
        text = f"{plural(summary.violations, 'violation')} in {plural(failing, 'model')}"
        known = known_count(report)
        if known:
            text += f" ({known} known from the baseline, not gating)"
        parts.append(text)
    else:
        parts.append("no violations")
    parts.append(f"{summary.waived} waived")
    parts.append(plural(summary.errors, "error"))
    if summary.not_evaluated:
        # A model no rule applied to did not pass: the headline says so, as the text does.
        parts.append(f"{summary.not_evaluated} not evaluated (no rule applied)")
    sentence = ", ".join(parts) + "."
    if summary.errors:
        sentence += " Errors mean some models or rules were not judged: the run cannot be trusted."
    return sentence


def _summary_table(report: Report) -> list[str]:
    summary = report.summary
    counts = {severity: 0 for severity in SEVERITIES_DESCENDING}
    for finding in report.violations:
        counts[finding.severity] += 1
    header = ["Models read", "Policies", "Rules", "Violations"]
    header += [severity.capitalize() for severity in SEVERITIES_DESCENDING]
    header += ["Known", "Waived", "Errors", "Not evaluated"]
    row = [summary.models, summary.policies, summary.rules, summary.violations]
    row += [counts[severity] for severity in SEVERITIES_DESCENDING]
    row += [known_count(report), summary.waived, summary.errors, summary.not_evaluated]
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---:|" * len(header),
        "| " + " | ".join(str(value) for value in row) + " |",
    ]


def _provenance(report: Report) -> str:
    scanned = report.scanned
    parts = [f"{TOOL_NAME} {md_text(report.tool_version)}", md_text(report.generated_at)]
    for label, values in (
        ("sources", scanned.sources),
        ("accounts", scanned.accounts),
        ("regions", scanned.regions),
    ):
        if values:
            parts.append(f"{label}: {md_text(', '.join(values))}")
    if scanned.organization is not None:
        parts.append(md_text(scanned.organization.counts()))
    parts.append(f"fails on: {report.fail_on} and above")
    return "<sub>" + " · ".join(parts) + "</sub>"


def _errors(report: Report) -> _Section:
    section = _Section("errors", [f"### Errors ({len(report.errors)})", "",
                                  "| Code | About | Message |", "|---|---|---|"], closing=[""])
    for error in report.errors:
        about, message = md_text(error_subject(error)), md_text(error.message)
        section.items.append(([f"| {md_code(error.code)} | {about} | {message} |"], 1))
    return section


def _warnings(report: Report) -> _Section:
    section = _Section("warnings", [f"### Warnings ({len(report.warnings)})", ""],
                       closing=[""])
    for warning in report.warnings:
        section.items.append(
            ([f"- **{md_text(warning.code)}**: {md_text(warning.message)}"], 1))
    return section


def _violations(report: Report) -> _Section:
    section = _Section("violations", [f"### Violations ({len(report.violations)})", ""])
    for ref, findings in _grouped(report.violations):
        lines = _model_heading(ref)
        lines += [
            "| Severity | Rule | Field | Expected | Actual |",
            "|---|---|---|---|---|",
        ]
        findings = sorted(findings, key=_severity_order)
        for finding in findings:
            rule = finding.rule
            severity = (f"**{finding.severity}**" if finding.severity in ("critical", "high")
                        else finding.severity) + finding.exposure_note
            if finding.known:
                severity += " (known)"
            title = md_text(rule.title) + "<br>" if rule.title else ""
            lines.append(
                f"| {severity} | {title}{md_code(rule.qualified_id)} | "
                f"{md_code(finding.field) if finding.field is not None else '—'} | "
                f"{md_code(finding.expected) if finding.expected is not None else '—'} | "
                f"{_actual(finding.actual)} |"
            )
        remediations = {
            f.rule.qualified_id: f.rule.remediation for f in findings if f.rule.remediation
        }
        if remediations:
            lines += ["", "Remediation:", ""]
            lines += [
                f"- {md_code(rule_id)}: {md_text(text)}" for rule_id, text in remediations.items()
            ]
        lines.append("")
        section.items.append((lines, len(findings)))
        # Trimmed, the models with the worst violations come first.
        section.ranks.append(_severity_order(findings[0]))
    return section


def _waived(report: Report) -> _Section:
    section = _Section("waived findings", [
        f"### Waived ({len(report.waived)})",
        "",
        "| Model | Rule | Reason | Expires |",
        "|---|---|---|---|",
    ], closing=[""])
    for finding in report.waived:
        waiver = finding.waiver
        reason = md_text(waiver.reason) if waiver else "—"
        expires = waiver.expires.isoformat() if waiver else "—"
        section.items.append(([
            f"| {md_text(finding.model.display_name)} | {md_code(finding.rule.qualified_id)} | "
            f"{reason} | {expires} |"
        ], 1))
    return section


COMPLIANCE_BADGES = {PASSED: "✅ passed", FAILED: "❌ failed",
                     NOT_EVALUATED: "⚠️ not evaluated"}


def _compliance(report: Report) -> _Section:
    section = _Section("compliance", [])
    frameworks = mapped_frameworks(report)
    if not frameworks:
        return section
    lines = ["### Compliance", ""]
    tallies = rule_tallies(report)
    for key in frameworks:
        framework = catalog()[key]
        results = control_results(report, key, tallies)
        lines += [f"#### {md_text(framework.title)} ({md_text(key)})", "",
                  "| Control | Status | Rules | Models passed / failed / waived / errors |",
                  "|---|---|---|---|"]
        for result in results:
            control = md_code(result.control)
            if result.title:
                control += f" {md_text(result.title)}"
            rules = "<br>".join(md_code(rule) for rule in result.rules)
            lines.append(f"| {control} | {COMPLIANCE_BADGES[result.status]} | {rules} | "
                         f"{result.passed} / {result.failed} / {result.waived} / "
                         f"{result.errors} |")
        lines.append("")
    section.items.append((lines, 1))
    return section


def _not_evaluated(report: Report) -> _Section:
    idle = [m.model for m in report.models if m.result == "not_applicable"]
    section = _Section("models not evaluated", [
        f"### Not evaluated ({len(idle)})",
        "",
        "No loaded rule applied to these models, so nothing judged them:",
        "",
    ], closing=[""])
    section.items += [([f"- {_model_line(ref)}"], 1) for ref in idle]
    return section


def _passing(report: Report) -> _Section:
    passing = [m.model for m in report.models if m.result == "pass"]
    section = _Section("passing models", [
        "<details>",
        f"<summary>Passing models ({len(passing)})</summary>",
        "",
    ], closing=["", "</details>", ""])
    section.items += [([f"- {_model_line(ref)}"], 1) for ref in passing]
    return section


def _model_heading(ref: ModelRef) -> list[str]:
    heading = [f"#### {md_text(ref.display_name)}", ""]
    facts = []
    if ref.arn and ref.arn != ref.display_name:
        facts.append(md_code(ref.arn))
    if ref.kind != "model":
        facts.append(f"kind: {md_text(ref.kind)}")
    if ref.account_id:
        facts.append(f"account {md_text(ref.account_id)}")
    if ref.region:
        facts.append(md_text(ref.region))
    if facts:
        heading += [" · ".join(facts), ""]
    return heading


def _model_line(ref: ModelRef) -> str:
    line = md_text(ref.display_name, starts_line=True)
    if ref.arn and ref.arn != ref.display_name:
        line += f" ({md_code(ref.arn)})"
    elif ref.kind != "model":
        line += f" ({md_text(ref.kind)})"
    return line


def _actual(value: Any) -> str:
    if value is None:
        return "_(missing)_"
    return md_code(format_value(value))


def _grouped(findings: Iterable[Finding]) -> list[tuple[ModelRef, list[Finding]]]:
    groups: dict[str, tuple[ModelRef, list[Finding]]] = {}
    for finding in findings:
        key = finding.model.fingerprint_key
        groups.setdefault(key, (finding.model, []))[1].append(finding)
    return list(groups.values())


def _severity_order(finding: Finding) -> int:
    return SEVERITIES_DESCENDING.index(finding.severity)


def _truncate(text: str) -> str:
    if len(text) <= MAX_CELL:
        return text
    return text[: MAX_CELL - 1] + "…"
