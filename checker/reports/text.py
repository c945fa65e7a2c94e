"""The text report: grouped by model, with Terraform-style ``~ field`` lines."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from checker.results import SEVERITIES, Finding, ModelRef, Report, ReportError
from checker.values import clean, show

PASSING_SHOWN = 20

_COLORS = {"red": "31", "green": "32", "yellow": "33", "magenta": "35", "bold": "1",
           "dim": "2"}


def _painter(color: bool) -> Callable[[str, str], str]:
    if not color:
        return lambda _name, text: text
    return lambda name, text: f"\033[{_COLORS[name]}m{text}\033[0m"


def _model_key(ref: ModelRef) -> tuple[str | None, str | None, str, str]:
    # The origin tells apart two planned models of one name (no ARN) from different files.
    return (ref.arn, ref.name, ref.kind, ref.origin)


def _header(ref: ModelRef) -> str:
    parts = [f'"{clean(ref.display_name)}"']
    if ref.arn and ref.arn != ref.display_name:
        parts.append(f"({clean(ref.arn)})")
    where = ", ".join(x for x in (ref.kind if ref.kind != "model" else None, ref.account_id,
                                  ref.region) if x)
    if where:
        parts.append(f"[{clean(where)}]")
    return " ".join(parts)


def _finding_lines(finding: Finding, paint: Callable[[str, str], str]) -> list[str]:
    rule = finding.rule
    if finding.waiver is not None:
        tag = paint("yellow", "[waived]")
    else:
        tag = paint("red", f"[{finding.severity}]") + finding.exposure_note
    known = paint("dim", " (known: in the baseline)") if finding.known else ""
    lines = [f"    {tag} {clean(rule.qualified_id)}: {clean(rule.title)}{known}"]
    field = finding.field or "(model)"
    expected = finding.expected if finding.expected is not None else "-"
    lines.append(f"      ~ {clean(field)}: expected {clean(expected)}, actual "
                 f"{clean(show(finding.actual))}")
    generic = f"{finding.field} is {show(finding.actual)}; expected {finding.expected}"
    if finding.message and finding.message != generic:
        lines.append(f"        {clean(finding.message)}")
    if finding.waiver is not None:
        lines.append(f"        waived: {clean(finding.waiver.reason)} "
                     f"(expires {finding.waiver.expires.isoformat()})")
    elif rule.remediation:
        lines.append(f"        remediation: {clean(rule.remediation)}")
    return lines


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _error_text(error: ReportError) -> str:
    """The code and message, without saying the code twice (AWS messages carry it)."""
    text = error.message if error.code in error.message else f"{error.code}: {error.message}"
    return clean(text)


def _error_line(error: ReportError) -> str:
    who = error.model_name or error.model_arn
    # Only what the message does not already say.
    where = ", ".join(x for x in (who, error.address, error.region, error.rule)
                      if x and x not in error.message)
    return f"  {_error_text(error)}" + (f" [{clean(where)}]" if where else "")


def _passed_lines(passing: list[str], not_evaluated: list[str],
                  paint: Callable[[str, str], str]) -> list[str]:
    """The models that passed, and those no rule applied to."""
    lines: list[str] = []
    if passing:
        shown = ", ".join(passing[:PASSING_SHOWN])
        more = f", and {len(passing) - PASSING_SHOWN:,} more" if len(passing) > PASSING_SHOWN \
            else ""
        lines.append(paint("green", f"Passed: {_count(len(passing), 'model')}") + f": {shown}"
                     f"{more}")
    if not_evaluated:
        lines.append(paint("yellow", f"Not evaluated (no rule applied): "
                                     f"{_count(len(not_evaluated), 'model')}") + ": "
                     + ", ".join(not_evaluated))
    if passing or not_evaluated:
        lines.append("")
    return lines


def _run_lines(report: Report, paint: Callable[[str, str], str]) -> list[str]:
    """The run's warnings, and what could not be read."""
    lines: list[str] = []
    if report.warnings:
        lines.append(paint("yellow", "Warnings:"))
        lines.extend(f"  {w.code}: {clean(w.message)}" for w in report.warnings)
        lines.append("")
    source_errors = [e for e in report.errors if e.rule is None]
    if source_errors:
        lines.append(paint("magenta", "Errors (not judged):"))
        lines.extend(_error_line(e) for e in source_errors)
        lines.append("")
    return lines


def render_text(report: Report, *, color: bool = False) -> str:
    paint = _painter(color)
    summary = report.summary
    lines: list[str] = []
    sources = clean(", ".join(report.scanned.sources)) or "nothing"
    lines.append(f"bedrock-drift {report.tool_version}: {_count(summary.models, 'model')} read "
                 f"from {sources}; {_count(summary.policies, 'policy', 'policies')}"
                 f", {_count(summary.rules, 'rule')}")
    if report.scanned.organization is not None:
        lines.append(report.scanned.organization.counts())
    if summary.models == 0:
        lines.append(paint("yellow", "No models were read: nothing was judged. Check the "
                                     "region, account or --from paths."))
    lines.append("")

    by_model: dict[tuple[str | None, str | None, str, str], list[Finding]] = defaultdict(list)
    for finding in (*report.violations, *report.waived):
        by_model[_model_key(finding.model)].append(finding)
    errors_by_model: dict[tuple[str | None, str | None, str], list[ReportError]] = defaultdict(
        list)
    for error in report.errors:
        if error.rule is not None:
            errors_by_model[(error.model_arn, error.model_name, error.address or "")].append(
                error)

    passing: list[str] = []
    not_evaluated: list[str] = []
    for model in report.models:
        ref = model.model
        findings = by_model.get(_model_key(ref), [])
        errors = errors_by_model.get((ref.arn, ref.name, ref.address or ""), [])
        if model.result == "not_applicable":
            not_evaluated.append(clean(ref.display_name))
            continue
        if not findings and not errors:
            passing.append(clean(ref.display_name))
            continue
        marker = {"fail": paint("red", "~"), "error": paint("magenta", "!")}.get(
            model.result, paint("green", "~"))
        # An account's settings are named as they are: "account <id> <region>".
        lines.append(f"{marker} {ref.display_name}" if ref.is_account
                     else f"{marker} model {_header(ref)}")
        for finding in findings:
            lines.extend(_finding_lines(finding, paint))
        for error in errors:
            lines.append(f"    {paint('magenta', '[error]')} {clean(error.rule)}: "
                         f"{_error_text(error)}")
        lines.append("")

    # Models an inventory requires but that were not read: findings with no model result.
    listed = {_model_key(m.model) for m in report.models}
    for key, findings in by_model.items():
        if key not in listed:
            lines.append(f"{paint('red', '-')} model \"{clean(findings[0].model.display_name)}\" "
                         "(not found)")
            for finding in findings:
                lines.extend(_finding_lines(finding, paint))
            lines.append("")

    lines.extend(_passed_lines(passing, not_evaluated, paint))
    lines.extend(_run_lines(report, paint))

    severities = Counter(v.severity for v in report.violations)
    by_severity = ", ".join(f"{severities[s]} {s}" for s in reversed(SEVERITIES) if severities[s])
    result = {"pass": paint("green", "PASS"), "fail": paint("red", "FAIL"),
              "error": paint("magenta", "ERROR")}[summary.result]
    gate = "" if report.fail_on == "info" else f" (failing on {report.fail_on} and above)"
    lines.append(
        f"Result: {result}{gate}: {_count(summary.models, 'model')} read, "
        f"{_count(summary.violations, 'violation')}"
        + (f" ({by_severity})" if by_severity else "")
        + f", {summary.waived:,} waived, {_count(summary.errors, 'error')}, "
        f"{summary.not_evaluated:,} not evaluated.")
    return "\n".join(lines) + "\n"
