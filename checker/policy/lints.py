"""Cheap lints `validate` runs after a policy compiles: mistakes that are valid syntax but
make a rule fail (or apply) in a way its author cannot have meant. Each is a warning.

Each check kind lints its own options (``CheckKind.lint`` in its module: the KMS key and
Lambda ARN allow-lists, the base and teacher model globs); this module calls those and adds
the lints on what every rule shares:

- a ``glob`` on an ARN-typed field (in ``require`` or ``when``) that matched only because
  ``*`` or ``?`` crossed ``:``, which globs on ARNs no longer do;
- a rule ``when`` (or a part of its ``all_of``) that repeats the policy's ``scope.when``;
- a ``not`` over a condition on an every-element path (``validators[].s3Uri``): it is true
  when *some* element fails the condition, which reads like "no element matches" but is not;
- a waiver that waives every rule (``rules: ["*"]``) for every model (a ``models`` glob that
  matches any name, no ``accounts``), or one that expires further ahead than the waiver
  horizon (``validate --waiver-horizon DAYS``, 365 by default).

They work on the policy's data after variables are substituted, so a variable's value is
linted where the reference stands.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from checker.checks import CHECKS
from checker.errors import Problem
from checker.lang.fields import PathSyntaxError, parse_path
from checker.lang.glob_lints import crossing_message, pattern_nfa, relied_on_crossing
from checker.lang.shapes import leaf_at
from checker.lang.yaml import Located, Path
from checker.values import parse_day

# Operators whose negation every element can be asked to meet instead of a `not` over them.
NEGATABLE = {"equals": "not_equals", "in": "not_in", "matches": "not_matches",
             "glob": "not_matches (as a regex)", "contains": "a not over each element's own "
             "field", "exists": "exists with the other value"}


class _Linter:
    def __init__(self, located: Located) -> None:
        self.located = located
        self.problems: list[Problem] = []

    def warn(self, path: Path, message: str) -> None:
        self.problems.append(self.located.problem(path, message, warning=True))

    def rule(self, rule: dict[str, Any], path: Path, scope_when: Any) -> None:
        for name, kind in CHECKS.items():
            options = rule.get(name)
            if kind.lint is not None and isinstance(options, dict):
                kind.lint(options, (*path, name), self.warn)
        for key in ("require", "when"):
            if key in rule:
                self.arn_field_globs(rule[key], (*path, key))
        if scope_when is not None and "when" in rule:
            self.repeated_scope(rule["when"], (*path, "when"), scope_when)
        for key in ("require", "when"):
            if key in rule:
                self.not_over_elements(rule[key], (*path, key))

    def arn_field_globs(self, condition: Any, path: Path) -> None:
        """Warn at each ``glob`` on an ARN-typed field that matched ARNs only by crossing
        ':'."""
        if isinstance(condition, list):
            for index, part in enumerate(condition):
                self.arn_field_globs(part, (*path, index))
            return
        if not isinstance(condition, dict):
            return
        glob, field = condition.get("glob"), condition.get("field")
        shape = _arn_shape_of(field) if isinstance(field, str) else None
        if isinstance(glob, str) and shape is not None and \
                relied_on_crossing(glob, lambda: pattern_nfa(shape)):
            self.warn((*path, "glob"), crossing_message(f"the {field}", glob))
        for key in ("all_of", "any_of", "not"):
            if key in condition:
                self.arn_field_globs(condition[key], (*path, key))

    def not_over_elements(self, condition: Any, path: Path) -> None:
        """Warn at each ``not`` whose condition reads a ``[]`` path with a positive
        operator."""
        if isinstance(condition, list):
            for index, part in enumerate(condition):
                self.not_over_elements(part, (*path, index))
            return
        if not isinstance(condition, dict):
            return
        inner = condition.get("not")
        if isinstance(inner, dict) and isinstance(inner.get("field"), str) \
                and "[]" in inner["field"]:
            ops = [op for op in inner if op in NEGATABLE]
            if ops:
                better = ", ".join(f"{op} -> {NEGATABLE[op]}" for op in ops)
                self.warn((*path, "not"),
                          f"'not' over the every-element path {inner['field']!r} is true when "
                          "at least one element fails the condition, not when no element "
                          "meets it; for \"no element ...\" put the negative operator on the "
                          f"field ({better}), which every element must then meet "
                          "('bedrock-drift rules not')")
        for key in ("all_of", "any_of", "not"):
            if key in condition:
                self.not_over_elements(condition[key], (*path, key))

    def repeated_scope(self, when: Any, path: Path, scope_when: Any) -> None:
        scope_parts = [scope_when]
        if isinstance(scope_when, dict) and isinstance(scope_when.get("all_of"), list):
            scope_parts += scope_when["all_of"]
        if when in scope_parts:
            self.warn(path, "this when repeats the policy's scope.when: every model the rule "
                            "sees is already in scope; remove it")
            return
        if isinstance(when, dict) and isinstance(when.get("all_of"), list):
            for index, part in enumerate(when["all_of"]):
                if part in scope_parts:
                    self.warn((*path, "all_of", index),
                              "this part of the when repeats the policy's scope.when; "
                              "remove it")


def _arn_shape_of(text: str) -> str | None:
    """The botocore shape name of an ARN-typed field, else None."""
    try:
        parsed = parse_path(text)
    except PathSyntaxError:
        return None
    leaf = leaf_at([segment.key for segment in parsed.segments])
    return leaf.arn if leaf is not None else None


DEFAULT_WAIVER_HORIZON_DAYS = 365


def _matches_everything(glob: str) -> bool:
    return glob.strip("*") == ""


def lint_waivers(raw: dict[str, Any], linter: _Linter, horizon_days: int,
                 today: date) -> None:
    """Warn at each waiver that switches a policy off (every rule, every model) or that lasts
    longer than the horizon."""
    waivers = raw.get("waivers")
    if not isinstance(waivers, list):
        return
    for index, waiver in enumerate(waivers):
        if not isinstance(waiver, dict):
            continue
        path: Path = ("waivers", index)
        rules, models = waiver.get("rules"), waiver.get("models", ["*"])
        every_rule = isinstance(rules, list) and any(
            isinstance(r, str) and _matches_everything(r) for r in rules)
        every_model = isinstance(models, list) and any(
            isinstance(m, str) and _matches_everything(m) for m in models)
        if every_rule and every_model and waiver.get("accounts") is None \
                and waiver.get("regions") is None:
            linter.warn(path, "this waiver waives every rule for every model: the policy "
                              "judges nothing while it lasts; name the rules and the models")
        expires = waiver.get("expires")
        day = expires if isinstance(expires, date) else \
            parse_day(expires) if isinstance(expires, str) else None
        if day is not None and (day - today).days > horizon_days:
            linter.warn((*path, "expires"),
                        f"this waiver lasts until {day.isoformat()}, {(day - today).days:,} "
                        f"days from today, beyond the {horizon_days}-day waiver horizon "
                        "(validate --waiver-horizon DAYS): review it sooner")


def lint_policy(located: Located, *,
                waiver_horizon: int = DEFAULT_WAIVER_HORIZON_DAYS) -> list[Problem]:
    """The lint warnings for one compiled policy's data (``located``, after substitution)."""
    raw = located.data
    linter = _Linter(located)
    if not isinstance(raw, dict):
        return []
    lint_waivers(raw, linter, waiver_horizon, datetime.now(timezone.utc).date())
    if not isinstance(raw.get("rules"), list):
        return sorted(linter.problems, key=lambda p: (p.line, p.col))
    scope = raw.get("scope")
    scope_when = scope.get("when") if isinstance(scope, dict) else None
    for index, rule in enumerate(raw["rules"]):
        if isinstance(rule, dict):
            linter.rule(rule, ("rules", index), scope_when)
    return sorted(linter.problems, key=lambda p: (p.line, p.col))
