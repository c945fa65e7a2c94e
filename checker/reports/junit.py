"""JUnit XML, as Jenkins, GitLab and Azure DevOps read it.

One ``testsuite`` per policy and one ``testcase`` per (model, rule) that was judged:
``failure`` for a violation, ``skipped`` for a waived or not applicable rule, ``error``
for a rule that could not be judged. A last suite, named after the tool, holds what no
policy owns: models that could not be read at all, and the run's warnings.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

from checker import TOOL_NAME
from checker.reports.atomic import Piece, Utf8Pieces
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


def junit_chunks(report: Report, *, color: bool = False) -> Utf8Pieces:
    """The JUnit XML in chunks (UTF-8 as made; ``str`` when iterated): every case line is
    made first (the root's counts need them all), then written suite by suite, never joined
    into one string.

    Written as text in one pass (what ElementTree with ``indent`` writes, byte for byte):
    building and serialising an element tree of 500,000 cases cost ten times the JSON report.
    """
    return Utf8Pieces(lambda: _junit_pieces(report))


def _junit_pieces(report: Report) -> Iterator[Piece]:
    """junit_chunks' pieces: the lines a fold joined are UTF-8 bytes already."""
    violations = _by_case(report.violations)
    waived = _by_case(report.waived)
    errors = list(report.errors)
    index = _ErrorIndex(errors)
    placed: set[int] = set()  # indexes into errors already shown on a case
    timestamp = report.generated_at.removesuffix("Z")

    suites, routes = _suites_and_routes(report, timestamp)
    shown = _model_cases(report, suites, routes, _Found(violations, waived, errors, index,
                                                        placed))

    # Findings about models that were not read (an inventory's missing required model).
    _unread_findings(report, routes, shown)
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
            yield line
            yield _NEWLINE
        suite.lines.clear()
        yield "  </testsuite>\n"
    yield "</testsuites>\n"


def _suites_and_routes(report: Report, timestamp: str) -> tuple[list[_Suite],
                                                                   dict[str, _Route]]:
    """A suite per policy (its properties written), and each rule's route."""
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
    return suites, routes


def _model_cases(report: Report, suites: list[_Suite], routes: dict[str, _Route],
                 found: _Found) -> set[int]:
    """Every model's cases, on its policies' suites; returns the ids of the ModelRefs of the
    models with a case other than passed or not applicable.

    One pass over the models: each case goes to its policy's suite, in model order. Every
    case's line is its model's start (``classname``) and a tail: the two commonest tails
    are the rule's own, one append each, and a model's lines in a suite are one join.
    Models with the same rules and statuses, all passed or not applicable (most models),
    have the same lines but for their classname: those are worked out once (a _Plan), and
    such a model's lines in a suite are one join of the plan's texts with its name."""
    shown: set[int] = set()
    plans = _Plans(routes)
    models, classnames = report.models, _classnames(report)
    for start in range(0, len(models), _FOLD_EVERY):
        for suite in suites:
            suite.fold()
        block = models[start:start + _FOLD_EVERY]
        for model, classname, plan in zip(block, classnames[start:start + _FOLD_EVERY],
                                          plans.of_block(block), strict=True):
            if plan is not None:
                plan.uses += 1
                for append, texts in plan.lines:
                    append(classname.join(texts))
            else:
                shown.add(id(model.model))
                _cases_one_by_one(model, classname, suites, routes, found)
    plans.count()
    return shown


def _cases_one_by_one(model: ModelResult, classname: str, suites: list[_Suite],
                      routes: dict[str, _Route], found: _Found) -> None:
    """A model's cases, each on its own (a failed, waived or unjudged one is its
    finding's, or error's)."""
    ref = model.model
    for rule_id, status in model.results.items():
        route = routes.get(rule_id)
        if route is None:
            continue
        if status is Status.PASS:
            route[0](route[1])
        elif status is Status.NOT_APPLICABLE:
            route[0](route[2])
            route[4][0] += 1
        else:
            route[0](_other_case(route[3], route[1][:-3], ref, rule_id, status, found))
    for suite in suites:
        suite.model_cases(f'    <testcase classname="{classname}"')


# Models between two folds of the suites' lines.
_FOLD_EVERY = 500
# Distinct sets of rules and statuses whose _Plan is kept (beyond it, worked out each time).
_PLANS = 4096
_UNSEEN: Any = object()
_RESULTS = attrgetter("results")


class _Plan:
    """The lines of the models whose cases all passed or were not applicable, with one set
    of rules and statuses: per suite, its lines' append and the texts between which the
    model's classname stands (``classname.join(texts)`` is its lines, joined as
    ``_Suite.model_cases`` joins them); and how many models it has written (their counts
    are added to the suites' at the end, ``count``)."""

    def __init__(self, suites: list[tuple[_Suite, list[str], int]]) -> None:
        self.uses = 0
        self.suites = suites
        head = '    <testcase classname="'
        self.lines = [(suite.lines.append,
                       [head, *[f'"{tail}\n{head}' for tail in tails[:-1]], f'"{tails[-1]}'])
                      for suite, tails, _ in suites]

    @classmethod
    def of(cls, results: Mapping[str, Status], routes: dict[str, _Route]) -> _Plan | None:
        """The plan of a model's cases, or None if one of them is neither passed nor not
        applicable (its line needs the model's findings or errors)."""
        by_suite: dict[int, tuple[_Suite, list[str], list[int]]] = {}
        for rule_id, status in results.items():
            route = routes.get(rule_id)
            if route is None:
                continue
            if status is Status.PASS:
                tail = route[1]
            elif status is Status.NOT_APPLICABLE:
                tail = route[2]
            else:
                return None
            suite = route[3]
            _, tails, skipped = by_suite.setdefault(id(suite), (suite, [], [0]))
            tails.append(tail)
            skipped[0] += status is Status.NOT_APPLICABLE
        return cls([(suite, tails, skipped[0]) for suite, tails, skipped in by_suite.values()])

    def count(self) -> None:
        """Add what the models written by this plan count to their suites."""
        for suite, tails, not_applicable in self.suites:
            suite.folded += self.uses * (len(tails) - 1)
            suite.not_applicable[0] += self.uses * not_applicable


class _Plans:
    """The _Plan of each set of rules and statuses seen (None: not all passed or not
    applicable), at most _PLANS of them (past it, a model's cases are made one by one)."""

    def __init__(self, routes: dict[str, _Route]) -> None:
        self.routes = routes
        self.made: dict[tuple[tuple[str, ...], str], _Plan | None] = {}

    def of_block(self, block: Sequence[ModelResult]) -> list[_Plan | None]:
        """Each model's plan, or None."""
        made, routes = self.made, self.routes
        keys = [(tuple(results), "\0".join(results.values()))
                for results in map(_RESULTS, block)]
        plans = [made.get(key, _UNSEEN) for key in keys]
        for i, plan in enumerate(plans):
            if plan is _UNSEEN:
                plan = made.get(keys[i], _UNSEEN)  # made for a model before, in this block
                if plan is _UNSEEN:
                    plan = None
                    if len(made) < _PLANS:
                        plan = made[keys[i]] = _Plan.of(block[i].results, routes)
                plans[i] = plan
        return plans

    def count(self) -> None:
        """Add what the models written by the plans count to their suites."""
        for plan in self.made.values():
            if plan is not None:
                plan.count()


# A rule's route: its suite's append of a case's tail (its line after the classname), the
# case's attributes, the not-applicable case's tail, the suite, and the suite's count of
# not-applicable cases.
_Route = tuple[Callable[[str], None], str, str, "_Suite", list[int]]


def _unread_findings(report: Report, routes: dict[str, _Route], shown: set[int]) -> None:
    """Findings about models that were not read (an inventory's missing required model),
    each on its rule's suite. ``shown``: the ids of the ModelRefs of models that had a case
    other than passed or not applicable."""
    # A finding names its model with the very ModelRef of the model's result, as the engine
    # makes them, and that model had a failed or waived case: a look by identity settles
    # most; the others are looked up by key.
    listed: set[str] | None = None
    for finding in (*report.violations, *report.waived):
        if id(finding.model) in shown:
            continue
        route = routes.get(finding.rule.qualified_id)
        if route is None:
            continue
        if listed is None:
            listed = {model.model.fingerprint_key for model in report.models}
        if finding.model.fingerprint_key in listed:
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


_NEWLINE = b"\n"
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
    (after the quicker test for printable ASCII) and a search for each character to escape
    are each one quick scan (a pattern for both at once is many times slower); str.replace,
    one character after the other ("&" first), many times quicker than str.translate with a
    table of strings."""
    # Printable ASCII (a quick look at a flag, then one scan) has no character to replace.
    if not (text.isascii() and text.isprintable()) and _XML_FORBIDDEN.search(text) is not None:
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
        # Its lines: text, or UTF-8 bytes for the lines a fold joined (never joined again).
        self.lines: list[str | bytes] = []
        self.counts = dict.fromkeys(_COUNTS, 0)
        self.fixed = 0  # lines that are not testcases (properties, system-out)
        self.not_applicable = [0]  # counted in place by render_junit's loop
        self.folded = 0  # lines joined into others by fold
        self.unfolded = 0  # lines[unfolded:] are single lines
        self.tails: list[str] = []  # the cases of the model at hand, after its classname

    def fold(self) -> None:
        """Join the lines added since the last fold into one (their text, joined by line
        breaks, as they are written, in UTF-8: what is written to the file): one object
        instead of thousands, never encoded again."""
        if len(self.lines) - self.unfolded > 1:
            self.folded += len(self.lines) - self.unfolded - 1
            added = cast(list[str], self.lines[self.unfolded:])  # a fold's bytes are before
            self.lines[self.unfolded:] = ["\n".join(added).encode("utf-8")]
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
    if len(set(names)) == len(names):
        classnames = names  # no two alike, as is usual: no counting needed
    else:
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
    if len(findings) == 1:
        return _one_failure(first)
    prefix = "[known] " if all(f.known for f in findings) else ""
    details = [finding_detail(f) for f in findings]
    message = prefix + "; ".join(details)
    lines = [finding_sentence(f, detail) for f, detail in zip(findings, details, strict=True)]
    if first.rule.remediation:
        lines.append(f"Remediation: {first.rule.remediation}")
    text = _text("\n".join(lines))
    severity = max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__)
    head = f'      <failure message="{_attr(message)}" type="{_attr(severity)}"'
    return f"{head}>{text}</failure>" if text else head + " />"


_SEVERITY_ATTRS = {severity: _attr(severity) for severity in SEVERITY_RANK}


def _one_failure(finding: Finding) -> str:
    """_failure of one finding (most cases): its lines escaped one by one (a line break is
    never escaped), a rule's remediation line once per rule."""
    detail = finding_detail(finding)
    message = "[known] " + detail if finding.known else detail
    text = _text(finding_sentence(finding, detail))
    rule = finding.rule
    if rule.remediation:
        text += _remediation_line(rule.remediation)
    return (f'      <failure message="{_attr(message)}" type="'
            f'{_SEVERITY_ATTRS.get(finding.severity) or _attr(finding.severity)}">'
            f"{text}</failure>")


@functools.lru_cache(maxsize=1024)
def _remediation_line(remediation: str) -> str:
    """A failure's last line, after a line break, escaped."""
    return "\n" + _text(f"Remediation: {remediation}")


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
