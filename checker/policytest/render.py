"""Rendering policy unit test results: text and JUnit XML, and the exit code."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.etree import ElementTree

from checker.policytest.suite import SuiteResult


def summary_line(results: Sequence[SuiteResult]) -> str:
    checks = [c for r in results for c in r.checks]
    failed = sum(1 for c in checks if not c.passed)
    return f"{len(checks) - failed} passed, {failed} failed"


def render_text(results: Sequence[SuiteResult], *, verbose: bool = True) -> str:
    """Per file, per case, per rule: ``PASS rule: expected x, got y``; then the summary."""
    lines: list[str] = []
    for suite in results:
        if not verbose and not suite.failed:
            continue
        lines.append(suite.file)
        case = None
        for check in suite.checks:
            if not verbose and check.passed:
                continue
            if check.case != case:
                case = check.case
                lines.append(f"  {case}")
            mark = "PASS" if check.passed else "FAIL"
            lines.append(f"    {mark} {check.rule}: expected {check.expected.value}, "
                         f"got {check.got.value}")
            if not check.passed and check.detail:
                lines.append(f"         {check.detail}")
    lines.append(summary_line(results))
    return "\n".join(lines) + "\n"


def render_junit(results: Sequence[SuiteResult]) -> str:
    """JUnit XML: a testsuite per test file, a testcase per expectation."""
    total = sum(len(r.checks) for r in results)
    failures = sum(r.failed for r in results)
    root = ElementTree.Element("testsuites", name="bedrock-drift test", tests=str(total),
                               failures=str(failures), errors="0")
    for suite in results:
        element = ElementTree.SubElement(root, "testsuite", name=suite.file,
                                         tests=str(len(suite.checks)),
                                         failures=str(suite.failed), errors="0", skipped="0")
        for check in suite.checks:
            case = ElementTree.SubElement(element, "testcase", classname=check.case,
                                          name=check.rule, time="0")
            if not check.passed:
                failure = ElementTree.SubElement(
                    case, "failure", type="UnexpectedStatus",
                    message=f"expected {check.expected.value}, got {check.got.value}")
                failure.text = check.detail or None
    ElementTree.indent(root)
    body = ElementTree.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


RENDERERS: dict[str, Callable[[Sequence[SuiteResult]], str]] = {
    "text": render_text,
    "junit": render_junit,
}


def exit_code(results: Sequence[SuiteResult]) -> int:
    """0 when every expectation held, 1 when one did not."""
    return 1 if any(r.failed for r in results) else 0
