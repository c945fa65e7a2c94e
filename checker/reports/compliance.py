"""Per-control results for a compliance framework: which controls hold, fail, or were not
evaluated, from the rules mapped to each control.

A control **fails** when any rule mapped to it has an unwaived violation on any model. Else
it is **not evaluated** when any of its rules could not be judged somewhere (an error, or a
region or model that could not be read at all: then no control can be said to hold) or when
none of its rules applied to any model. Else it **passes**; waived violations are counted
beside it, since a waiver accepts a risk, it does not remove it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from checker.policy.frameworks import catalog
from checker.results import Report, Status

PASSED, FAILED, NOT_EVALUATED = "passed", "failed", "not_evaluated"


@dataclass(frozen=True)
class ControlResult:
    framework: str
    control: str
    title: str
    status: str  # passed | failed | not_evaluated
    rules: tuple[str, ...]  # qualified ids of the rules mapped to the control
    # (model, rule) outcomes over those rules:
    passed: int
    failed: int
    waived: int
    errors: int


def mapped_frameworks(report: Report) -> list[str]:
    """The frameworks the report's rules map to, in catalog order (only the one asked for
    when the run was limited with --framework)."""
    used = {key for rule in report.rules for key, _ in rule.compliance}
    if report.framework is not None:
        used &= {report.framework}
    return [key for key in catalog() if key in used]


def rule_tallies(report: Report) -> dict[str, Counter[Status]]:
    """How many models each rule gave each status, by qualified rule id."""
    tallies: dict[str, Counter[Status]] = {}
    for result in report.models:
        for rule_id, judged in result.results.items():
            tally = tallies.get(rule_id)
            if tally is None:
                tally = tallies[rule_id] = Counter()
            tally[judged] += 1
    return tallies


def control_results(report: Report, framework: str,
                    tallies: dict[str, Counter[Status]] | None = None) -> list[ControlResult]:
    """One entry per control of ``framework`` that a loaded rule maps to, in the order the
    catalog lists controls (then by id). ``tallies`` (from :func:`rule_tallies`) saves
    counting again for each framework."""
    if tallies is None:
        tallies = rule_tallies(report)
    unjudged = sum(1 for error in report.errors if error.rule is None)
    controls: dict[str, list[str]] = {}
    for rule in report.rules:
        for key, ids in rule.compliance:
            if key == framework:
                for control in ids:
                    controls.setdefault(control, []).append(rule.qualified_id)
    entry = catalog().get(framework)
    order = list(entry.controls or {}) if entry is not None else []
    rank = {control: index for index, control in enumerate(order)}
    results = []
    for control in sorted(controls, key=lambda c: (rank.get(c, len(rank)), _natural(c))):
        rules = tuple(controls[control])
        total: Counter[Status] = Counter()
        for rule_id in rules:
            total.update(tallies.get(rule_id, Counter()))
        errors = total[Status.ERROR] + unjudged * len(rules)
        if total[Status.FAIL]:
            status = FAILED
        elif errors or not (total[Status.PASS] + total[Status.WAIVED]):
            status = NOT_EVALUATED
        else:
            status = PASSED
        results.append(ControlResult(
            framework=framework, control=control,
            title=entry.control_title(control) if entry is not None else "",
            status=status, rules=rules, passed=total[Status.PASS], failed=total[Status.FAIL],
            waived=total[Status.WAIVED], errors=errors))
    return results


def _natural(control: str) -> tuple[object, ...]:
    # SC-7 before SC-12, A.8.9 before A.8.24.
    parts: list[object] = []
    number = ""
    for char in control + "\0":
        if char.isdigit():
            number += char
            continue
        if number:
            parts.append((0, int(number)))
            number = ""
        parts.append((1, char))
    return tuple(parts)


def compliance_dict(report: Report) -> list[dict[str, object]]:
    """The per-control summary as JSON data: one entry per mapped framework."""
    out: list[dict[str, object]] = []
    frameworks = catalog()
    tallies = rule_tallies(report)
    for key in mapped_frameworks(report):
        results = control_results(report, key, tallies)
        counts = Counter(result.status for result in results)
        out.append({
            "framework": key,
            "title": frameworks[key].title,
            "version": frameworks[key].version,
            "controls": {PASSED: counts[PASSED], FAILED: counts[FAILED],
                         NOT_EVALUATED: counts[NOT_EVALUATED]},
            "results": [{"control": r.control, "title": r.title, "status": r.status,
                         "rules": list(r.rules), "passed": r.passed, "failed": r.failed,
                         "waived": r.waived, "errors": r.errors} for r in results],
        })
    return out
