"""JUnit XML, as Jenkins, GitLab and Azure DevOps read it.

One ``testsuite`` per policy and one ``testcase`` per (model, rule) that was judged:
``failure`` for a violation, ``skipped`` for a waived or not applicable rule, ``error``
for a rule that could not be judged. A last suite, named after the tool, holds what no
policy owns: models that could not be read at all, and the run's warnings.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from checker import TOOL_NAME
from checker.reports.wording import (
    error_sentence,
    finding_detail,
    finding_sentence,
    headline,
    models_read,
    relative_path,
)
from checker.results import (
    SEVERITY_RANK,
    Finding,
    ModelRef,
    ModelResult,
    Report,
    ReportError,
    Status,
)

# Characters XML 1.0 cannot carry at all, not even escaped.
_XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can hold: forbidden characters become U+FFFD."""
    return _XML_FORBIDDEN.sub("\ufffd", str(value))


def render_junit(report: Report, *, color: bool = False) -> str:
    """The report as JUnit XML (``testsuites`` root). ``color`` is ignored."""
    return "".join(junit_chunks(report))


def junit_chunks(report: Report, *, color: bool = False) -> Iterator[str]:
    """The JUnit XML in chunks: every case line is made first (the root's counts need them
    all), then written suite by suite, never joined into one string.

    Written as text in one pass (what ElementTree with ``indent`` writes, byte for byte):
    building and serialising an element tree of 500,000 cases cost ten times the JSON report.
    """
    violations = _by_case(report.violations)
    waived = _by_case(report.waived)
    errors = list(report.errors)
    index = _ErrorIndex(errors)
    placed: set[int] = set()  # indexes into errors already shown on a case
    timestamp = report.generated_at.removesuffix("Z")

    suites: list[_Suite] = []
    # Each rule's suite, its file and line attributes, and the whole tail of the two
    # commonest cases (passed, not applicable), worked out once, not once per model.
    routes: dict[str, _Route] = {}
    for policy in report.policies:
        suite = _Suite(policy.name, timestamp)
        suite.properties(report, {"policy.file": policy.file, "policy.sha256": policy.sha256})
        suites.append(suite)
        for rule in policy.rules:
            # time="0": judging one rule is not timed, and a reporter reads a missing time
            # as NaN (dorny/test-reporter parses it with parseFloat).
            attrs = (f' name="{_attr(rule.qualified_id)}" file="'
                     f'{_attr(relative_path(rule.file))}" line="{rule.line}" time="0"')
            routes.setdefault(rule.qualified_id, (
                suite.tails.append, attrs + " />", attrs + _NA_TAIL, suite,
                suite.not_applicable))
    passed, not_applicable = Status.PASS, Status.NOT_APPLICABLE

    # One pass over the models: each case goes to its policy's suite, in model order. Every
    # case's line is its model's start (``classname``) and a tail: the two commonest tails
    # are the rule's own, one append each, and a model's lines in a suite are one join.
    for model, classname in _folding(report.models, _classnames(report), suites):
        ref = model.model
        for rule_id, status in model.results.items():
            route = routes.get(rule_id)
            if route is None:
                continue
            if status is passed:
                route[0](route[1])
            elif status is not_applicable:
                route[0](route[2])
                route[4][0] += 1
            else:
                route[0](_other_case(route[3], route[1][:-3], ref, rule_id, status,
                                     _Found(violations, waived, errors, index, placed)))
        for suite in suites:
            suite.model_cases(f'    <testcase classname="{classname}"')

    # Findings about models that were not read (an inventory's missing required model).
    _unread_findings(report, routes)
    for suite in suites:
        suite.text("system-out", [models_read(report)])

    # What no policy case showed: unread models, failed regions, and the run's warnings.
    # Every error lands on some case: a gate must never hide one.
    run_suite = _Suite(TOOL_NAME, timestamp)
    run_suite.properties(report, {})
    for i, error in enumerate(errors):
        if i not in placed:
            classname, name = _error_case(error)
            run_suite.case(f'    <testcase classname="{_attr(classname)}" name="{_attr(name)}"'
                           ' time="0"',
                           _error([error], "could not be read"), "errors")
    run_suite.text("system-out", [headline(report), models_read(report)])
    if report.warnings:
        run_suite.text("system-err", [f"warning[{w.code}]: {w.message}"
                                      for w in report.warnings])
    suites.append(run_suite)

    counts = [suite.totals() for suite in suites]
    totals = {name: sum(c[name] for c in counts) for name in _COUNTS}
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="'
           f'{_attr(TOOL_NAME)}"{_count_attrs(totals)}>\n')
    for suite, suite_counts in zip(suites, counts, strict=True):
        yield (f'  <testsuite name="{_attr(suite.name)}" timestamp="{suite.timestamp}"'
               f"{_count_attrs(suite_counts)}>\n")
        # Each line, or each run of lines a fold joined, as a piece of its own.
        for line in suite.lines:
            yield line + "\n"
        suite.lines.clear()
        yield "  </testsuite>\n"
    yield "</testsuites>\n"


# Models between two folds of the suites' lines.
_FOLD_EVERY = 500


def _folding(models: Sequence[ModelResult], classnames: Iterable[str],
             suites: list[_Suite]) -> Iterator[tuple[ModelResult, str]]:
    """The models and their classnames, the suites' lines folded (``_Suite.fold``) every
    _FOLD_EVERY of them."""
    for number, (model, classname) in enumerate(zip(models, classnames, strict=True)):
        if number % _FOLD_EVERY == 0:
            for suite in suites:
                suite.fold()
        yield model, classname


# A rule's route: its suite's append of a case's tail (its line after the classname), the
# case's attributes, the not-applicable case's tail, the suite, and the suite's count of
# not-applicable cases.
_Route = tuple[Callable[[str], None], str, str, "_Suite", list[int]]


def _unread_findings(report: Report, routes: dict[str, _Route]) -> None:
    """Findings about models that were not read (an inventory's missing required model),
    each on its rule's suite."""
    listed = {model.model.fingerprint_key for model in report.models}
    for finding in (*report.violations, *report.waived):
        route = routes.get(finding.rule.qualified_id)
        if route is None or finding.model.fingerprint_key in listed:
            continue
        suite, attrs = route[3], route[1][:-3]
        head = f'    <testcase classname="{_attr(finding.model.display_name)}"' + attrs
        if finding.waiver is not None:
            suite.case(head, _skip_waived([finding]), "skipped")
        else:
            suite.case(head, _failure([finding], finding.rule.qualified_id), "failures")


def _error_case(error: ReportError) -> tuple[str, str]:
    """The classname and name of the case an error no policy case showed is put on."""
    if error.model_name or error.model_arn:
        classname = error.model_name or error.model_arn or ""
        if error.address:
            classname += f" ({error.address})"
        return classname, f"{error.rule} (not judged)" if error.rule else "read model"
    return error.region or TOOL_NAME, error.code


@dataclass(frozen=True)
class _Found:
    """The report's findings and errors by case, and the errors already shown on one."""

    violations: dict[tuple[str, str], list[Finding]]
    waived: dict[tuple[str, str], list[Finding]]
    errors: list[ReportError]
    index: _ErrorIndex
    placed: set[int]


def _other_case(suite: _Suite, attrs: str, ref: ModelRef, rule_id: str, status: Status,
                found_in: _Found) -> str:
    """A failed, waived or unjudged case's tail (its line after the classname: ``attrs``
    and its child element), counted in ``suite``."""
    violations, waived, errors = found_in.violations, found_in.waived, found_in.errors
    index, placed = found_in.index, found_in.placed
    if status is Status.FAIL:
        child = _failure(violations.get((ref.fingerprint_key, rule_id), ()), rule_id)
        counted = "failures"
    elif status is Status.WAIVED:
        child = _skip_waived(waived.get((ref.fingerprint_key, rule_id), ()))
        counted = "skipped"
    else:  # Status.ERROR
        found = index.about(ref, rule_id) or index.about(ref, None)
        placed.update(found)
        child = _error([errors[i] for i in found], f"{rule_id} could not be judged")
        counted = "errors"
    suite.counts[counted] += 1
    return f"{attrs}>\n{child}\n    </testcase>"


_COUNTS = ("tests", "failures", "errors", "skipped")
_NOT_APPLICABLE = '      <skipped message="not applicable" />'
_NA_TAIL = f">\n{_NOT_APPLICABLE}\n    </testcase>"
_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTR_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"),
                 ("\t", "&#09;"))


def _attr(value: object) -> str:
    """An attribute value as ElementTree writes it, after xml_text."""
    return _escaped(value if type(value) is str else str(value), _ATTR_ESCAPES)


def _text(value: object) -> str:
    return _escaped(value if type(value) is str else str(value), _TEXT_ESCAPES)


def _escaped(text: str, escapes: tuple[tuple[str, str], ...]) -> str:
    """``text`` after xml_text, with ``escapes`` made. A search for one class of characters
    and a search for each character to escape are each one quick scan (a pattern for both
    at once is many times slower); str.replace, one character after the other ("&" first),
    many times quicker than str.translate with a table of strings."""
    if _XML_FORBIDDEN.search(text) is not None:
        text = xml_text(text)
    for character, escape in escapes:
        if character in text:
            text = text.replace(character, escape)
    return text


def _element(indent: str, tag: str, attrs: dict[str, str], text: str = "") -> str:
    """One element without children: ``<tag a="v" />`` or ``<tag a="v">text</tag>``."""
    head = indent + "<" + tag + "".join(f' {k}="{_attr(v)}"' for k, v in attrs.items())
    return f"{head}>{_text(text)}</{tag}>" if text else head + " />"


def _count_attrs(counts: dict[str, int]) -> str:
    return "".join(f' {name}="{counts[name]}"' for name in _COUNTS) + ' time="0"'


class _Suite:
    """One ``testsuite``: its lines (children, indented), and its counts."""

    def __init__(self, name: str, timestamp: str) -> None:
        self.name = name
        self.timestamp = timestamp
        self.lines: list[str] = []
        self.counts = dict.fromkeys(_COUNTS, 0)
        self.fixed = 0  # lines that are not testcases (properties, system-out)
        self.not_applicable = [0]  # counted in place by render_junit's loop
        self.folded = 0  # lines joined into others by fold
        self.unfolded = 0  # lines[unfolded:] are single lines
        self.tails: list[str] = []  # the cases of the model at hand, after its classname

    def fold(self) -> None:
        """Join the lines added since the last fold into one string (their text, joined by
        line breaks, as they are written): one object instead of thousands."""
        if len(self.lines) - self.unfolded > 1:
            self.folded += len(self.lines) - self.unfolded - 1
            self.lines[self.unfolded:] = ["\n".join(self.lines[self.unfolded:])]
        self.unfolded = len(self.lines)

    def model_cases(self, head: str) -> None:
        """The lines of the cases whose tails were added for one model, whose cases start
        with ``head``: one string (the lines joined), as a fold makes."""
        tails = self.tails
        if tails:
            self.lines.append(head + ("\n" + head).join(tails))
            self.folded += len(tails) - 1
            tails.clear()

    def totals(self) -> dict[str, int]:
        """The counts, with the passed and not applicable cases (appended as bare lines)
        worked out from the lines: every line but the fixed ones is one case."""
        counts = dict(self.counts)
        cases = len(self.lines) + self.folded - self.fixed
        counts["tests"] = cases
        counts["skipped"] += self.not_applicable[0]
        return counts

    def properties(self, report: Report, extra: dict[str, str]) -> None:
        values = {**extra, "models.read": str(report.summary.models),
                  "result": report.summary.result, "fail_on": report.fail_on}
        self.lines.append("    <properties>")
        self.lines.extend(_element("      ", "property", {"name": name, "value": value})
                          for name, value in values.items())
        self.lines.append("    </properties>")
        self.fixed += 2 + len(values)

    def case(self, head: str, child: str | None, counted: str | None) -> None:
        """A testcase: ``head`` is its start tag up to the attributes' end, ``child`` its
        one child element (or None), ``counted`` the count that child adds to."""
        if child is None:
            self.lines.append(head + " />")
            return
        if counted is not None:
            self.counts[counted] += 1
        self.lines.append(f"{head}>\n{child}\n    </testcase>")

    def text(self, tag: str, lines: list[str]) -> None:
        self.lines.append(_element("    ", tag, {}, "\n".join(lines)))
        self.fixed += 1


def _classnames(report: Report) -> list[str]:
    """Each model's classname, as an attribute value. Reports group cases by classname: the
    model's name, made unique with its ARN (or kind) only where two models share a name (the
    same name in two regions, say)."""
    names = [model.model.display_name for model in report.models]
    counts = Counter(names)
    classnames = [name if counts[name] == 1 else f"{name} ({model.model.fingerprint_key})"
                  for name, model in zip(names, report.models, strict=True)]
    # One look at them all for the common case: none needs escaping.
    joined = "".join(classnames)
    if _attr(joined) == joined:
        return classnames
    return [_attr(classname) for classname in classnames]


def _failure(findings: Iterable[Finding], rule_id: str) -> str:
    findings = tuple(findings)
    if not findings:
        # A fail status with no finding would be an engine bug; still fail, never pass.
        return _element("      ", "failure", {"message": f"{rule_id} failed",
                                               "type": "violation"})
    first = findings[0]
    prefix = "[known] " if all(f.known for f in findings) else ""
    message = prefix + "; ".join(finding_detail(f) for f in findings)
    lines = [finding_sentence(f) for f in findings]
    if first.rule.remediation:
        lines.append(f"Remediation: {first.rule.remediation}")
    text = _text("\n".join(lines))
    severity = max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__)
    head = f'      <failure message="{_attr(message)}" type="{_attr(severity)}"'
    return f"{head}>{text}</failure>" if text else head + " />"


def _skip_waived(findings: Iterable[Finding]) -> str:
    waivers = [f.waiver for f in findings if f.waiver is not None]
    if waivers:
        waiver = waivers[0]
        message = f"waived until {waiver.expires.isoformat()}: {waiver.reason}"
    else:
        message = "waived"
    return _element("      ", "skipped", {"message": message})


def _error(errors: Iterable[ReportError], fallback: str) -> str:
    errors = tuple(errors)
    if not errors:
        return _element("      ", "error", {"message": fallback, "type": "error"})
    # As _element writes it, without the generic attribute loop: errors can be many.
    text = _text("\n".join(error_sentence(e) for e in errors))
    head = f'      <error message="{_attr(errors[0].message)}" type="{_attr(errors[0].code)}"'
    return f"{head}>{text}</error>" if text else head + " />"


class _ErrorIndex:
    """The errors about each (model, rule), found by lookup rather than by scanning every
    error for every case (which was quadratic: 10,000 errors x 10,000 cases). Matches as
    ``_is_about`` says: by ARN when both have one, else by Terraform address when either
    has one, else by name."""

    def __init__(self, errors: list[ReportError]) -> None:
        Key = tuple[str | None, str]
        self.by_arn: dict[Key, list[int]] = defaultdict(list)
        # Errors without an ARN, which models with one match by address or name too; and
        # every error by address or name, for models without an ARN.
        self.by_address_no_arn: dict[Key, list[int]] = defaultdict(list)
        self.by_name_no_arn: dict[Key, list[int]] = defaultdict(list)
        self.by_address: dict[Key, list[int]] = defaultdict(list)
        self.by_name: dict[Key, list[int]] = defaultdict(list)
        for i, error in enumerate(errors):
            arn, address, name, rule = (error.model_arn, error.address, error.model_name,
                                        error.rule)
            if arn is not None:
                self.by_arn[(rule, arn)].append(i)
            if address is not None:
                self.by_address[(rule, address)].append(i)
                if arn is None:
                    self.by_address_no_arn[(rule, address)].append(i)
            elif name is not None:
                self.by_name[(rule, name)].append(i)
                if arn is None:
                    self.by_name_no_arn[(rule, name)].append(i)

    def about(self, model: ModelRef, rule_id: str | None) -> list[int]:
        """Indexes of the errors about ``model`` and exactly ``rule_id`` (None: the whole
        model), in report order."""
        if model.arn is not None:
            found = self.by_arn.get((rule_id, model.arn), [])
            if model.address is not None:
                others = self.by_address_no_arn.get((rule_id, model.address))
            else:
                others = (self.by_name_no_arn.get((rule_id, model.name))
                          if model.name is not None else None)
            return sorted(found + others) if others else list(found)
        if model.address is not None:
            return list(self.by_address.get((rule_id, model.address), ()))
        if model.name is not None:
            return list(self.by_name.get((rule_id, model.name), ()))
        return []


def _by_case(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    grouped: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[(finding.model.fingerprint_key, finding.rule.qualified_id)].append(finding)
    return grouped
