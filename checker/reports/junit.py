"""JUnit XML, as Jenkins, GitLab and Azure DevOps read it.

One ``testsuite`` per policy and one ``testcase`` per (model, rule) that was judged:
``failure`` for a violation, ``skipped`` for a waived or not applicable rule, ``error``
for a rule that could not be judged. A last suite, named after the tool, holds what no
policy owns: models that could not be read at all, and the run's warnings.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable

from checker import TOOL_NAME
from checker.reports.wording import (
    error_sentence,
    finding_detail,
    finding_sentence,
    headline,
    models_read,
    relative_path,
)
from checker.results import Finding, ModelRef, Report, ReportError, Status

# Characters XML 1.0 cannot carry at all, not even escaped.
_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold: forbidden characters become U+FFFD."""
    return _XML_FORBIDDEN.sub("\ufffd", str(value))


def render_junit(report: Report, *, color: bool = False) -> str:
    """The report as JUnit XML (``testsuites`` root). ``color`` is ignored."""
    violations = _by_case(report.violations)
    waived = _by_case(report.waived)
    errors = list(report.errors)
    placed: set[int] = set()  # indexes into errors already shown on a case
    timestamp = report.generated_at.removesuffix("Z")

    classnames = _classnames(report)
    root = ET.Element("testsuites", {"name": TOOL_NAME})
    for policy in report.policies:
        suite = _suite(root, policy.name, timestamp)
        _properties(suite, report, {"policy.file": policy.file, "policy.sha256": policy.sha256})
        owned = {rule.qualified_id: rule for rule in policy.rules}
        for model in report.models:
            for rule_id, status in model.results.items():
                if rule_id not in owned:
                    continue
                case = ET.SubElement(
                    suite,
                    "testcase",
                    {
                        "classname": xml_text(classnames[model.model]),
                        "name": xml_text(rule_id),
                        "file": xml_text(relative_path(owned[rule_id].file)),
                        "line": str(owned[rule_id].line),
                    },
                )
                key = (model.model.fingerprint_key, rule_id)
                if status is Status.FAIL:
                    _failure(case, violations.get(key, ()), rule_id)
                elif status is Status.WAIVED:
                    _skip_waived(case, waived.get(key, ()))
                elif status is Status.NOT_APPLICABLE:
                    ET.SubElement(case, "skipped", {"message": "not applicable"})
                elif status is Status.ERROR:
                    found = _pick(errors, model.model, rule_id) or _pick(errors, model.model, None)
                    placed.update(found)
                    _error(case, [errors[i] for i in found], f"{rule_id} could not be judged")
        # Findings about models that were not read (an inventory's missing required model).
        listed = {model.model.fingerprint_key for model in report.models}
        for finding in (*report.violations, *report.waived):
            rule_id = finding.rule.qualified_id
            if rule_id not in owned or finding.model.fingerprint_key in listed:
                continue
            case = ET.SubElement(suite, "testcase", {
                "classname": xml_text(finding.model.display_name), "name": xml_text(rule_id),
                "file": xml_text(relative_path(owned[rule_id].file)),
                "line": str(owned[rule_id].line)})
            if finding.waiver is not None:
                _skip_waived(case, [finding])
            else:
                _failure(case, [finding], rule_id)
        _system_out(suite, [models_read(report)])

    # What no policy case showed: unread models, failed regions, and the run's warnings.
    # Every error lands on some case: a gate must never hide one.
    run_suite = _suite(root, TOOL_NAME, timestamp)
    _properties(run_suite, report, {})
    for i, error in enumerate(errors):
        if i in placed:
            continue
        if error.model_name or error.model_arn:
            classname = error.model_name or error.model_arn or ""
            if error.address:
                classname += f" ({error.address})"
            name = f"{error.rule} (not judged)" if error.rule else "read model"
        else:
            classname, name = error.region or TOOL_NAME, error.code
        case = ET.SubElement(
            run_suite, "testcase", {"classname": xml_text(classname), "name": xml_text(name)}
        )
        _error(case, [error], "could not be read")
    _system_out(run_suite, [headline(report), models_read(report)])
    if report.warnings:
        err = ET.SubElement(run_suite, "system-err")
        err.text = xml_text(
            "\n".join(f"warning[{w.code}]: {w.message}" for w in report.warnings)
        )

    _count(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suite(root: ET.Element, name: str, timestamp: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", {"name": xml_text(name), "timestamp": timestamp})


def _properties(suite: ET.Element, report: Report, extra: dict[str, str]) -> None:
    props = ET.SubElement(suite, "properties")
    values = {
        **extra,
        "models.read": str(report.summary.models),
        "result": report.summary.result,
        "fail_on": report.fail_on,
    }
    for name, value in values.items():
        ET.SubElement(props, "property", {"name": name, "value": xml_text(value)})


def _classnames(report: Report) -> dict[ModelRef, str]:
    """Reports group cases by classname: the model's name, made unique with its ARN (or
    kind) only where two models share a name (the same name in two regions, say)."""
    names = [model.model.display_name for model in report.models]
    shared = {name for name in names if names.count(name) > 1}
    classnames = {}
    for model in report.models:
        ref = model.model
        name = ref.display_name
        classnames[ref] = f"{name} ({ref.fingerprint_key})" if name in shared else name
    return classnames


def _failure(case: ET.Element, findings: Iterable[Finding], rule_id: str) -> None:
    findings = tuple(findings)
    if not findings:
        # A fail status with no finding would be an engine bug; still fail, never pass.
        ET.SubElement(case, "failure", {"message": f"{rule_id} failed", "type": "violation"})
        return
    first = findings[0]
    prefix = "[known] " if all(f.known for f in findings) else ""
    message = prefix + "; ".join(finding_detail(f) for f in findings)
    failure = ET.SubElement(
        case, "failure", {"message": xml_text(message), "type": first.rule.severity}
    )
    lines = [finding_sentence(f) for f in findings]
    if first.rule.remediation:
        lines.append(f"Remediation: {first.rule.remediation}")
    failure.text = xml_text("\n".join(lines))


def _skip_waived(case: ET.Element, findings: Iterable[Finding]) -> None:
    waivers = [f.waiver for f in findings if f.waiver is not None]
    if waivers:
        waiver = waivers[0]
        message = f"waived until {waiver.expires.isoformat()}: {waiver.reason}"
    else:
        message = "waived"
    ET.SubElement(case, "skipped", {"message": xml_text(message)})


def _error(case: ET.Element, errors: Iterable[ReportError], fallback: str) -> None:
    errors = tuple(errors)
    if not errors:
        ET.SubElement(case, "error", {"message": xml_text(fallback), "type": "error"})
        return
    element = ET.SubElement(
        case,
        "error",
        {"message": xml_text(errors[0].message), "type": xml_text(errors[0].code)},
    )
    element.text = xml_text("\n".join(error_sentence(e) for e in errors))


def _system_out(suite: ET.Element, lines: list[str]) -> None:
    out = ET.SubElement(suite, "system-out")
    out.text = xml_text("\n".join(lines))


def _count(root: ET.Element) -> None:
    """Set tests/failures/errors/skipped from the cases, so the counts cannot disagree."""
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(1 for c in cases if c.find("failure") is not None),
            "errors": sum(1 for c in cases if c.find("error") is not None),
            "skipped": sum(1 for c in cases if c.find("skipped") is not None),
        }
        for name, value in counts.items():
            suite.set(name, str(value))
            totals[name] += value
        suite.set("time", "0")
    for name, value in totals.items():
        root.set(name, str(value))
    root.set("time", "0")


def _by_case(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[(finding.model.fingerprint_key, finding.rule.qualified_id)].append(finding)
    return grouped


def _pick(errors: list[ReportError], model: ModelRef, rule_id: str | None) -> list[int]:
    """Indexes of the errors about ``model`` and exactly ``rule_id`` (None: the whole model)."""
    return [
        i
        for i, error in enumerate(errors)
        if error.rule == rule_id and _is_about(error, model)
    ]


def _is_about(error: ReportError, model: ModelRef) -> bool:
    if error.model_arn is not None and model.arn is not None:
        return error.model_arn == model.arn
    if error.address is not None or model.address is not None:
        return error.address == model.address
    return error.model_name is not None and error.model_name == model.name
